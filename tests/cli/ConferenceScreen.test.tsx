import { describe, expect, it } from 'vitest';
import type { ConferenceView, LegStats } from '../../protocol/index.js';
import { ConferenceScreen } from '../../cli/ui/screens/ConferenceScreen.js';
import type { ConferenceActions } from '../../cli/ui/data/calls.js';
import { statsKey } from '../../cli/ui/data/state.js';
import { frameWith, plain, renderIn, settle, weeklyMeeting } from '../helpers/console.js';

const DOWN = '\u001b[B';
const NOW = Date.parse('2026-12-07T01:10:00Z');

function recorder(fail: Partial<Record<keyof ConferenceActions, string>> = {}) {
  const calls: string[] = [];
  const act = (name: keyof ConferenceActions) => (...args: unknown[]) => {
    calls.push([name, ...args].join(' '));
    return fail[name] ? Promise.reject(new Error(fail[name])) : Promise.resolve({});
  };
  const actions: ConferenceActions = {
    mute: act('mute'), muteAllExceptChair: act('muteAllExceptChair'), floor: act('floor'), mode: act('mode'),
    dial: act('dial'), hangup: act('hangup'), extend: act('extend'), end: act('end'),
    floorStep: act('floorStep'), poll: act('poll'), pollPane: act('pollPane'), clearHands: act('clearHands'), layout: act('layout'), pane: act('pane'),
  };
  return { calls, actions };
}

function setup(opts: { conferences?: ConferenceView[]; fail?: Partial<Record<keyof ConferenceActions, string>>; lang?: 'en' | 'zh'; width?: number } = {}) {
  const { calls, actions } = recorder(opts.fail);
  const backs: number[] = [];
  const history: LegStats[] = [100, 800, 1200, 1500].map((k) => ({ at: 'x', lossPct: 0, jitterMs: 2, rttMs: 10, bitrateInKbps: k, bitrateOutKbps: 1000 }));
  const r = renderIn(opts.lang ?? 'en', (
    <ConferenceScreen
      conferences={opts.conferences ?? [weeklyMeeting()]}
      events={{ c1: [{ at: '2026-12-07T01:00:07Z', message: 'Xiaoguan connected' }] }}
      stats={{ [statsKey('c1', 'zhengzhou')]: history }}
      actionsFor={() => actions}
      now={NOW}
      timezone="Asia/Shanghai"
      width={opts.width ?? 100}
      height={40}
      onBack={() => backs.push(1)}
    />
  ));
  return { ...r, calls, backs, frame: () => plain(r.lastFrame()) };
}

describe('ConferenceScreen', () => {
  it('shows the meeting, every site with state, mic, floor, view, quality and trend, the events and the keys', () => {
    const { frame } = setup();
    const f = frame();
    expect(f).toContain('周一例会 · roll call · 3/4 connected · 10m 00s · ends 10:30');
    expect(f).toMatch(/› ● connected\s+Zhengzhou \(chair\)\s+on\s+★\s+Zhengzhou\s+0\.0%\s+3 ms\s+8 ms\s+1500\/1480\n/);
    // the selected site's trends: the bitrate rose 100 → 1500 kbit/s
    expect(f).toMatch(/^Zhengzhou\s+Loss\s+▁▁▁▁\s+Jitter\s+████\s+RTT\s+████\s+kbps in\s+▁▅▇█$/m);
    expect(f).toMatch(/◐ degraded|● connected\s+Mihe\s+muted/);
    expect(f).toMatch(/Mihe\s+muted\s+Zhengzhou\s+6\.2%/);
    expect(f).toMatch(/◐ redialing\s+Zhulin/);
    expect(f).toContain('09:00:07 Xiaoguan connected');
    for (const k of ['m mute/unmute', 'M mute all but chair', 'f give floor', 'v view mode', 'd dial/redial', 'h hang up', 'e extend 15 min', 'x end meeting', 'q back']) {
      expect(f).toContain(k);
    }
  });

  it('leaves out the trend, then bitrate, then jitter on narrower terminals, never the state or the site', () => {
    expect(setup({ width: 100 }).frame()).not.toContain('Trend in');
    expect(setup({ width: 80 }).frame()).toMatch(/State\s+Site\s+Mic\s+Floor\s+Sees\s+Loss\s+Jitter\s+RTT\n/);
    const narrow = setup({ width: 72 }).frame();
    expect(narrow).toMatch(/State\s+Site\s+Mic\s+Floor\s+Sees\s+Loss\s+RTT\n/);
    expect(narrow).toMatch(/◐ redialing\s+Zhulin/);
  });

  it('shows polling and the raised hands (queue, ✋ with its place), and steps, polls and lowers hands by key', async () => {
    const conf: ConferenceView = {
      ...weeklyMeeting(),
      polling: { intervalSeconds: 10, sites: ['xiaoguan', 'mihe'], target: null, current: 'xiaoguan', next: 'mihe', nextAt: new Date(NOW + 7000).toISOString(), startedAt: new Date(NOW - 3000).toISOString() },
      hands: [{ endpointId: 'mihe', at: '2026-12-07T01:08:00Z', via: 'dtmf' }, { endpointId: 'xiaoguan', at: '2026-12-07T01:09:00Z', via: 'browser' }],
    };
    const { stdin, calls, frame } = setup({ conferences: [conf] });
    const f = frame();
    expect(f).toContain('Polling every 10 s: now Xiaoguan, next Mihe in 7 s');
    expect(f).toContain('Hands raised: 1. Mihe 09:08  2. Xiaoguan 09:09');
    expect(f).toMatch(/Mihe\s+\S+\s+✋1/);
    for (const [key, label] of [['n', 'floor to the next site'], ['N', 'floor to the previous site'], ['p', 'stop polling'], ['c', 'lower every hand']] as const) {
      stdin.write(key);
      await frameWith(frame, `${label}: done`);
    }
    expect(calls).toEqual(['floorStep next', 'floorStep previous', 'poll false', 'clearHands']);
  });

  it('says polling and hands in Chinese', () => {
    const conf: ConferenceView = {
      ...weeklyMeeting(),
      polling: { intervalSeconds: 10, sites: ['xiaoguan'], target: null, current: 'xiaoguan', next: 'xiaoguan', nextAt: new Date(NOW + 5000).toISOString(), startedAt: new Date(NOW).toISOString() },
      hands: [{ endpointId: 'mihe', at: '2026-12-07T01:08:00Z', via: 'dtmf' }],
    };
    const f = setup({ conferences: [conf], lang: 'zh' }).frame();
    expect(f).toContain('轮巡（每 10 秒）：当前 小关镇，5 秒后 小关镇');
    expect(f).toContain('申请发言：1. 米河镇 09:08');
  });

  it('says which pane polls, in both languages', () => {
    const polling = { intervalSeconds: 10, sites: ['xiaoguan', 'mihe'], target: null, pane: 2, current: 'mihe', next: 'xiaoguan', nextAt: new Date(NOW + 4000).toISOString(), startedAt: new Date(NOW).toISOString() };
    const conf: ConferenceView = { ...weeklyMeeting(), polling };
    expect(setup({ conferences: [conf] }).frame()).toContain('Polling every 10 s: now Mihe, next Xiaoguan in 4 s (pane 2)');
    expect(setup({ conferences: [conf], lang: 'zh' }).frame()).toContain('轮巡（每 10 秒）：当前 米河镇，4 秒后 小关镇（第 2 画面）');
  });

  it('shows a live stream in the header with its viewers, in both languages', () => {
    const live = {
      hls: { state: 'running' as const, since: '2026-12-07T01:05:00Z', failures: 0, lastError: null, viewers: 3 },
      rtmp: [],
    };
    const conf = { ...weeklyMeeting(), live };
    expect(setup({ conferences: [conf] }).frame()).toContain('· ● LIVE · 3 viewers');
    expect(setup({ conferences: [conf], lang: 'zh' }).frame()).toContain('● 直播 · 3 人观看');
    expect(setup().frame()).not.toContain('LIVE');
  });

  it('shows ● REC with the elapsed time, ○ REC starting while the recorder starts, in both languages', () => {
    const rec = { ...weeklyMeeting(), recording: { id: 'r-1', startedAt: '2026-12-07T01:05:00Z' } };
    expect(setup({ conferences: [rec] }).frame()).toContain('· ● REC 5m 00s');
    expect(setup({ conferences: [rec], lang: 'zh' }).frame()).toContain('● 录制中 5分');
    const starting = { ...rec, recording: { ...rec.recording, starting: true } };
    expect(setup({ conferences: [starting] }).frame()).toContain('· ○ REC starting');
    expect(setup({ conferences: [starting], lang: 'zh' }).frame()).toContain('○ 录制启动中');
    expect(setup().frame()).not.toContain('REC');
  });

  it('gives the floor to the selected site with f (roll call)', async () => {
    const { stdin, calls, frame } = setup();
    stdin.write(DOWN);
    await settle();
    expect(frame()).toMatch(/› ● connected\s+Xiaoguan/);
    stdin.write('f');
    await frameWith(frame, 'floor to Xiaoguan: done');
    expect(calls).toEqual(['floor xiaoguan']);
  });

  it('toggles mute with m: a muted site is unmuted', async () => {
    const { stdin, calls, frame } = setup();
    stdin.write(DOWN);
    stdin.write(DOWN);
    await settle();
    stdin.write('m');
    await frameWith(frame, 'unmute Mihe: done');
    expect(calls).toEqual(['mute mihe false']);
  });

  it('asks before hanging up; n keeps the site, y hangs it up', async () => {
    const { stdin, calls, frame } = setup();
    stdin.write(DOWN);
    await settle();
    stdin.write('h');
    await frameWith(frame, 'Hang up Xiaoguan?');
    stdin.write('f'); // a stray key while asked does nothing
    stdin.write('n');
    await settle();
    expect(frame()).not.toContain('Hang up Xiaoguan?');
    expect(calls).toEqual([]);
    stdin.write('h');
    await frameWith(frame, 'Hang up Xiaoguan?');
    stdin.write('y');
    await frameWith(frame, 'hang up Xiaoguan: done');
    expect(calls).toEqual(['hangup xiaoguan']);
  });

  it('asks before muting everyone but the chair and before ending the meeting', async () => {
    const { stdin, calls, frame } = setup();
    stdin.write('M');
    await frameWith(frame, 'Mute every site except the chair?');
    stdin.write('y');
    await frameWith(frame, 'mute all but the chair: done');
    stdin.write('x');
    await frameWith(frame, 'End "周一例会" for every site?');
    stdin.write('y');
    await frameWith(frame, 'end the meeting: done');
    expect(calls).toEqual(['muteAllExceptChair', 'end']);
  });

  it('switches the view mode through the chooser, and extends with e', async () => {
    const { stdin, calls, frame } = setup();
    stdin.write('v');
    await frameWith(frame, 'View mode:');
    stdin.write('b');
    await frameWith(frame, 'mode broadcast: done');
    expect(frame()).not.toContain('View mode:');
    stdin.write('e');
    await frameWith(frame, 'extend by 15 min: done');
    expect(calls).toEqual(['mode broadcast', 'extend 15']);
  });

  it('cycles the multi-picture layout with l and pins the selected site to a pane with g', async () => {
    const { stdin, calls, frame } = setup();
    stdin.write('l');
    await frameWith(frame, 'layout auto: done');
    stdin.write(DOWN);
    await settle();
    stdin.write('g');
    await frameWith(frame, 'Pin Xiaoguan to pane');
    stdin.write('m'); // other keys do nothing while the picker is open
    stdin.write('3');
    await frameWith(frame, 'Xiaoguan in pane 3: done');
    expect(frame()).not.toContain('Pin Xiaoguan');
    expect(calls).toEqual(['layout auto', 'pane 3 xiaoguan']);
  });

  it('polls a pane of the layout with P and a pane number; P then 0 stops the polling', async () => {
    const { stdin, calls, frame } = setup();
    expect(frame()).toMatch(/P poll a pane/);
    stdin.write('P');
    await frameWith(frame, 'Poll which pane of the layout?');
    stdin.write('m'); // other keys do nothing while the picker is open
    stdin.write('4');
    await frameWith(frame, 'poll pane 4 every 10 s: done');
    expect(frame()).not.toContain('Poll which pane');
    expect(calls).toEqual(['pollPane 4']);
    const polling = { intervalSeconds: 10, sites: ['xiaoguan', 'mihe'], target: null, pane: 4, current: 'mihe', next: 'xiaoguan', nextAt: new Date(NOW + 4000).toISOString(), startedAt: new Date(NOW).toISOString() };
    const zh = setup({ conferences: [{ ...weeklyMeeting(), polling }], lang: 'zh' });
    expect(zh.frame()).toMatch(/P 画面轮巡/);
    zh.stdin.write('P');
    await frameWith(zh.frame, '在布局的哪个画面轮巡？');
    zh.stdin.write('0');
    await frameWith(zh.frame, '停止轮巡：');
    expect(zh.calls).toEqual(['poll false']);
  });

  it('shows the daemon\'s refusal when an action fails', async () => {
    const { stdin, frame } = setup({ fail: { dial: 'Zhulin is not answering (408)' }, lang: 'zh' });
    for (let i = 0; i < 3; i++) stdin.write(DOWN);
    await settle();
    stdin.write('d');
    await frameWith(frame, '呼叫 竹林镇失败：Zhulin is not answering (408)');
  });

  it('lists several meetings to choose from; q goes back to the list, then out', async () => {
    const other = weeklyMeeting({ id: 'c2', title: 'Flood control', mode: 'broadcast' });
    const { stdin, frame, backs } = setup({ conferences: [weeklyMeeting(), other] });
    expect(frame()).toContain('Choose a conference');
    stdin.write(DOWN);
    await settle();
    stdin.write('\r');
    await frameWith(frame, 'Flood control · broadcast');
    stdin.write('q');
    await frameWith(frame, 'Choose a conference');
    expect(backs).toEqual([]);
    stdin.write('q');
    await settle();
    expect(backs).toEqual([1]);
  });
});
