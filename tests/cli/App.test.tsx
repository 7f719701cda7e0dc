import { describe, expect, it } from 'vitest';
import { App } from '../../cli/ui/App.js';
import { applySnapshot, emptyState } from '../../cli/ui/data/state.js';
import type { ConnState, ConsoleApi } from '../../cli/ui/data/types.js';
import type { StatusResult } from '../../protocol/index.js';
import { SITE, frameWith, plain, renderIn, settle, weeklyMeeting } from '../helpers/console.js';

const NOW = Date.parse('2026-12-07T01:10:00Z');
const status: StatusResult = {
  site: '巩义市视频会议系统', version: '0.1.0', pid: 1, startedAt: '2026-12-07T00:00:00Z', uptimeSeconds: 4200, timezone: 'Asia/Shanghai',
  api: { url: 'ws://127.0.0.1:7443' }, endpoints: { total: 6, byState: { reachable: 3, degraded: 1, unreachable: 1, unknown: 1 } },
  conferences: { active: 1 }, schedules: { upcoming24h: 1 }, you: { name: 'demo', role: 'operator' },
};
const state = applySnapshot(emptyState, { status, endpoints: SITE, conferences: [weeklyMeeting()], occurrences: [], unavailable: [] });

function setup(conn: ConnState = { phase: 'connected' }, lang: 'en' | 'zh' = 'en') {
  const calls: [string, unknown][] = [];
  const api: ConsoleApi = { call: (async (method: string, params: unknown) => { calls.push([method, params]); return {}; }) as ConsoleApi['call'] };
  const quits: number[] = [];
  const r = renderIn(lang, (
    <App conn={conn} url="ws://127.0.0.1:7443" state={state} loadError={null} api={api} reload={() => {}} width={100} height={40} onQuit={() => quits.push(1)} now={NOW} />
  ));
  return { ...r, calls, quits, frame: () => plain(r.lastFrame()) };
}

describe('App', () => {
  it('opens on the overview with the site name, the screens and the link state', () => {
    const f = setup(undefined, 'zh').frame();
    expect(f.split('\n')[0]).toMatch(/^巩义市视频会议系统\s+1 总览\s+2 会议控制\s+3 技术诊断\s+4 会议日程/);
    expect(f).toContain('● 已连接');
    expect(f).toContain('小关镇');
    expect(f).toContain('1-4 切换页面 · q 退出');
  });

  it('switches screens with 1-4, goes back with q, and quits with q on the overview', async () => {
    const { stdin, frame, quits } = setup();
    stdin.write('2');
    await frameWith(frame, '周一例会 · roll call');
    stdin.write('3');
    await frameWith(frame, 'Choose an endpoint to diagnose');
    stdin.write('4');
    await frameWith(frame, 'This week');
    stdin.write('q');
    await frameWith(frame, "Today's meetings");
    expect(quits).toEqual([]);
    stdin.write('q');
    await settle();
    expect(quits).toEqual([1]);
  });

  it('sends the conference keys to the daemon as API calls', async () => {
    const { stdin, frame, calls } = setup();
    stdin.write('2');
    await frameWith(frame, '周一例会 · roll call');
    stdin.write('\u001b[B');
    stdin.write('f');
    await frameWith(frame, 'floor to Xiaoguan: done');
    expect(calls).toEqual([['conference.floor', { id: 'c1', endpointId: 'xiaoguan' }]]);
  });

  it('does not switch screens when a digit is typed into the booking form', async () => {
    const { stdin, frame } = setup();
    stdin.write('4');
    await frameWith(frame, 'This week');
    stdin.write('a');
    await frameWith(frame, 'New meeting');
    stdin.write('\t');
    stdin.write('2');
    stdin.write('1');
    await settle();
    expect(frame()).toContain('New meeting');
    expect(frame()).toMatch(/Start\s+21/);
  });

  it('says the daemon is unreachable, when it retries, and keeps the last known state on screen', () => {
    const f = setup({ phase: 'disconnected', error: 'cannot reach the daemon at ws://127.0.0.1:7443: nothing is listening there', attempt: 2, retryAt: NOW + 2500 }).frame();
    expect(f).toContain('✕ daemon unreachable — reconnecting in 3 s (attempt 2)');
    expect(f.replace(/\s+/g, ' ')).toContain('showing the last known state · cannot reach the daemon at ws://127.0.0.1:7443: nothing is listening there');
    expect(f).toContain('Xiaoguan');
  });
});
