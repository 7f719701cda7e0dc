import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { ConsoleRoot } from '../../cli/ui/ConsoleRoot.js';
import { RpcTestServer } from '../helpers/consoleServer.js';
import { SITE, frameWith, plain, settle } from '../helpers/console.js';

const STATUS = { site: '巩义市视频会议系统', timezone: 'Asia/Shanghai', version: '0.1.0' };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function daemonLike(extra: Record<string, unknown> = {}): Promise<RpcTestServer> {
  const s = new RpcTestServer({ status: STATUS, subscribe: (p) => p, 'endpoints.list': SITE, 'conference.list': [], 'schedule.list': [], ...extra });
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

function open(url: string, lang: 'en' | 'zh' = 'zh') {
  const r = render(<ConsoleRoot url={url} token="t" lang={lang} backoff={{ firstMs: 50, maxMs: 200 }} />);
  cleanups.push(r.unmount);
  return { ...r, frame: () => plain(r.lastFrame()) };
}

describe('ConsoleRoot: the console fed by a live JSON-RPC connection', () => {
  it('loads the snapshot, then redraws from pushed notifications without polling', async () => {
    const s = await daemonLike();
    const { frame } = open(s.url);
    await frameWith(frame, /● 小关镇\s+15 ms/);
    expect(frame()).toContain('巩义市视频会议系统');
    const reads = s.calls.length;
    s.push('endpoint.state', { id: 'xiaoguan', from: 'reachable', to: 'unreachable', at: new Date().toISOString(), reason: 'timeout', rttMs: null });
    await frameWith(frame, /✕ 小关镇\s+—/);
    await settle(300);
    // nothing was asked again: the change came by notification
    expect(s.calls.length).toBe(reads);
  });

  it('names the methods this daemon does not have yet instead of showing an empty site as if it were real', async () => {
    const s = new RpcTestServer({ status: STATUS, subscribe: (p) => p });
    await s.start();
    cleanups.push(() => s.stop());
    const { frame } = open(s.url, 'en');
    await frameWith(frame, 'the daemon does not offer conference.list, endpoints.list, schedule.list yet');
  });

  it('shows the daemon gone, keeps the last picture, and reloads it after reconnecting', async () => {
    const s = await daemonLike();
    const { frame } = open(s.url, 'en');
    await frameWith(frame, 'Xiaoguan');
    await s.stop();
    await frameWith(frame, 'daemon unreachable');
    expect(frame()).toContain('Xiaoguan');
    const before = s.calls.filter((c) => c.method === 'endpoints.list').length;
    await s.start();
    await frameWith(frame, '● connected', 5000);
    for (let i = 0; i < 50 && s.calls.filter((c) => c.method === 'endpoints.list').length === before; i++) await settle(20);
    expect(s.calls.filter((c) => c.method === 'endpoints.list').length).toBe(before + 1);
  });
});
