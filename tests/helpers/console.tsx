// Helpers for the console's .test.tsx files: render inside a language, read frames as plain text,
// let React and Ink settle after a key press.
import type { ReactElement } from 'react';
import { afterEach } from 'vitest';
import { render } from 'ink-testing-library';
import type { ConferenceView, EndpointView, ParticipantView } from '../../protocol/index.js';
import { KeyProvider } from '../../cli/ui/hooks/useKeys.js';
import { I18nContext, translator, type UiLang } from '../../cli/ui/i18n/index.js';
import { sleep } from './wait.js';

type Instance = ReturnType<typeof render>;
const live = new Set<Instance>();

// Every console test file imports this module: unmount what a test rendered (timers, spinners).
afterEach(() => {
  for (const r of live) r.unmount();
  live.clear();
});

export function renderIn(lang: UiLang, tree: ReactElement) {
  const r = render(<I18nContext.Provider value={{ lang, t: translator(lang) }}><KeyProvider>{tree}</KeyProvider></I18nContext.Provider>);
  live.add(r);
  return r;
}

/** Strip colour codes, so assertions read the frame as a person would. */
export function plain(frame: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (frame ?? '').replace(/\u001b\[[0-9;]*m/g, '');
}


/**
 * Let React and Ink settle after a key press: wait `ms`, then until no rendered instance has drawn a
 * new frame for 40 ms (Ink throttles drawing; a loaded machine delays it), at most 1 s.
 */
export async function settle(ms = 20): Promise<void> {
  await sleep(ms);
  const deadline = Date.now() + 1000;
  for (;;) {
    const before = [...live].map((r) => r.frames.length);
    await sleep(40);
    if ([...live].every((r, i) => r.frames.length === before[i]) || Date.now() > deadline) return;
  }
}

/** Poll until the frame contains `text` (for async data), or throw with the last frame. */
export async function frameWith(get: () => string | undefined, text: string | RegExp, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = plain(get());
    if (typeof text === 'string' ? f.includes(text) : text.test(f)) return f;
    if (Date.now() > deadline) throw new Error(`frame never showed ${String(text)}; last frame:\n${f}`);
    await sleep(10);
  }
}

export function endpoint(id: string, zh: string, en: string, kind: EndpointView['kind'], extra: Partial<EndpointView> = {}): EndpointView {
  return {
    id, name: { zh, en }, kind, uri: `sip:${id}@127.0.1.1:5060`, transport: 'udp', groups: kind === 'town' ? ['towns'] : [],
    state: 'reachable', rttMs: 12, since: '2026-12-07T00:00:00Z', registration: 'none', ...extra,
  };
}

/** A few endpoints of the Gongyi site, in both languages. */
export const SITE: EndpointView[] = [
  endpoint('zhengzhou', '郑州市政府', 'Zhengzhou', 'upstream', { rttMs: 8, registration: 'registered' }),
  endpoint('xiaoguan', '小关镇', 'Xiaoguan', 'town', { rttMs: 15 }),
  endpoint('mihe', '米河镇', 'Mihe', 'town', { state: 'degraded', rttMs: 420 }),
  endpoint('zhulin', '竹林镇', 'Zhulin', 'town', { state: 'unreachable', rttMs: null, reason: 'timeout' }),
  endpoint('xinhua', '新华路街道', 'Xinhua Rd', 'subdistrict', { state: 'unknown', rttMs: null }),
  endpoint('jiaoyu', '教育局', 'Education Bureau', 'bureau', { rttMs: 3 }),
];

export function participant(e: EndpointView, extra: Partial<ParticipantView> = {}): ParticipantView {
  return {
    endpointId: e.id, name: e.name, kind: e.kind, state: 'connected', muted: false, hasFloor: false, viewing: 'zhengzhou',
    direction: 'out', attempts: 1, connectedAt: '2026-12-07T01:00:05Z', ...extra,
  };
}

/** A browser participant, invited as 教育局 / Education Bureau: its id (web-3f9a1c) alone says nothing. */
export function browserParticipant(extra: Partial<ParticipantView> = {}): ParticipantView {
  return {
    endpointId: 'web-3f9a1c', name: { zh: '教育局', en: 'Education Bureau' }, kind: 'browser', state: 'connected', muted: false,
    hasFloor: false, viewing: null, direction: 'in', attempts: 1, ...extra,
  };
}

/** A roll-call meeting: Zhengzhou (chair, floor), Xiaoguan, Mihe (muted), Zhulin (failing). */
export function weeklyMeeting(extra: Partial<ConferenceView> = {}): ConferenceView {
  const [zz, xg, mh, zl] = SITE as [EndpointView, EndpointView, EndpointView, EndpointView];
  return {
    id: 'c1', title: '周一例会', state: 'active', mode: 'rollcall', chair: 'zhengzhou', upstream: 'zhengzhou', floor: 'zhengzhou',
    locked: false, startedAt: '2026-12-07T01:00:00Z', endsAt: '2026-12-07T02:30:00Z',
    participants: [
      participant(zz, { hasFloor: true, stats: { at: '2026-12-07T01:10:00Z', lossPct: 0, jitterMs: 3, rttMs: 8, bitrateInKbps: 1500, bitrateOutKbps: 1480 } }),
      participant(xg, { stats: { at: '2026-12-07T01:10:00Z', lossPct: 0.4, jitterMs: 5, rttMs: 15, bitrateInKbps: 1200, bitrateOutKbps: 1480 } }),
      participant(mh, { muted: true, stats: { at: '2026-12-07T01:10:00Z', lossPct: 6.2, jitterMs: 40, rttMs: 420, bitrateInKbps: 300, bitrateOutKbps: 1480 } }),
      participant(zl, { state: 'redialing', reason: '408 Request Timeout', attempts: 3 }),
    ],
    ...extra,
  };
}
