import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { ConsoleRoot } from '../../cli/ui/ConsoleRoot.js';
import { EVENTS_KEPT } from '../../cli/ui/data/state.js';
import { reason, reasonText, say, type Reason } from '../../protocol/index.js';
import { RpcTestServer } from '../helpers/consoleServer.js';
import { SITE, frameWith, plain, settle, weeklyMeeting } from '../helpers/console.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

// The conference screen's event list while four sites join a meeting, fed the conference.event
// notifications the daemon sends (message in English, `why` as key + parameters: built here with
// the daemon's own templates), shown in the operator's language with the site-local time.

const STATUS = { site: '巩义市视频会议系统', timezone: 'Asia/Shanghai', version: '0.1.0' };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MEETING_EVENTS: Reason[] = [
  reason('ev.joined', { id: 'zhengzhou' }),
  reason('ev.joined', { id: 'xiaoguan' }),
  reason('ev.joined', { id: 'mihe' }),
  reason('ev.failed', { id: 'zhulin', reason: say('leg.callFailed', { uri: 'sip:zhulin@127.0.1.4', why: '486 Busy Here' }) }),
  reason('ev.redial', { id: 'zhulin', seconds: 2, attempt: 2 }),
  reason('ev.joined', { id: 'zhulin' }),
  reason('ev.floor', { id: 'xiaoguan', mode: 'rollcall' }),
  reason('ev.mode', { mode: 'broadcast' }),
  reason('ev.hand', { id: 'mihe', how: 'dtmf' }),
  reason('ev.pollStarted', { seconds: 10, sites: 'xiaoguan, mihe, zhulin' }),
  reason('ev.pollShows', { id: 'mihe' }),
  reason('ev.dropped', { id: 'mihe', reason: say('leg.noRtp', { seconds: 10 }) }),
];

async function daemonLike(): Promise<RpcTestServer> {
  const s = new RpcTestServer({
    status: STATUS,
    subscribe: (p) => p,
    'endpoints.list': SITE,
    'conference.list': [weeklyMeeting()],
    'schedule.list': [],
  });
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

function open(url: string, lang: 'en' | 'zh') {
  const r = render(<ConsoleRoot url={url} token="t" lang={lang} initialScreen="conference" backoff={{ firstMs: 50, maxMs: 200 }} />);
  cleanups.push(r.unmount);
  return { ...r, frame: () => plain(r.lastFrame()) };
}

function pushAll(s: RpcTestServer, events: Reason[], from = Date.parse('2026-12-07T01:00:00Z')) {
  events.forEach((why, i) =>
    s.push('conference.event', { conferenceId: 'c1', at: new Date(from + i * 1000).toISOString(), message: reasonText(why), why }),
  );
}

describe('the console event list during a meeting', () => {
  it('shows joins, failures, redials, floor, mode, hands and polling in Chinese with the time', async () => {
    const s = await daemonLike();
    const { frame } = open(s.url, 'zh');
    await frameWith(frame, '周一例会');
    pushAll(s, MEETING_EVENTS);
    const f = await frameWith(frame, /mihe 掉线/);
    for (const text of ['xiaoguan 已入会', 'zhulin 呼叫失败：呼叫 sip:zhulin@127.0.1.4 失败：486 忙', 'zhulin：2 秒后重拨（第 2 次）', '发言权给 xiaoguan（点名）', '模式：广播', 'mihe 申请发言（DTMF 按键）', '轮巡：全体看 mihe'])
      expect(f, text).toContain(text);
    // site-local time (Asia/Shanghai) in front of each line
    expect(f).toMatch(/09:00:0\d\s+\S+ 已入会/);
    const events = f.slice(f.indexOf('事件'));
    const offences = untranslated(events, allowList(SITE.map((e) => e.id), ['RTP']));
    expect(f).toContain('mihe 掉线：10 秒没有收到 RTP');
    expect(offences, events).toEqual([]);
  });

  it('says the same events in English with --lang en', async () => {
    const s = await daemonLike();
    const { frame } = open(s.url, 'en');
    await frameWith(frame, '周一例会');
    pushAll(s, MEETING_EVENTS);
    const f = await frameWith(frame, /mihe dropped: no RTP for 10 s/);
    expect(f).toContain('zhulin: redialling in 2 s (attempt 2)');
    expect(f).toContain('polling: everyone sees mihe');
  });

  it('keeps a bounded list: the newest events, at most EVENTS_KEPT', async () => {
    const s = await daemonLike();
    const { frame } = open(s.url, 'zh');
    await frameWith(frame, '周一例会');
    const many = Array.from({ length: EVENTS_KEPT + 30 }, (_, i) => reason('ev.mode', { mode: i % 2 ? 'broadcast' : 'voice' }));
    many.push(reason('ev.joined', { id: 'jiaoyu' }));
    pushAll(s, many);
    const f = await frameWith(frame, 'jiaoyu 已入会', 5000);
    await settle(100);
    const shown = f.split('\n').filter((l) => /^\s*\d\d:\d\d:\d\d\s/.test(l));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThanOrEqual(EVENTS_KEPT);
  });
});
