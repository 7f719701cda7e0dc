import { describe, expect, it } from 'vitest';
import type { ConferenceView, EndpointView, OccurrenceView } from '../../protocol/index.js';
import {
  EVENTS_KEPT,
  applyNotification,
  applySnapshot,
  emptyState,
  statsKey,
  type ConsoleState,
} from '../../cli/ui/data/state.js';

const ep = (id: string, state: EndpointView['state'] = 'reachable'): EndpointView => ({
  id,
  name: { zh: id, en: id },
  kind: 'town',
  uri: `sip:${id}@127.0.1.1`,
  transport: 'udp',
  groups: [],
  state,
  rttMs: 10,
  since: null,
  registration: 'none',
});
const conf = (id: string, extra: Partial<ConferenceView> = {}): ConferenceView => ({
  id,
  title: id,
  state: 'active',
  mode: 'broadcast',
  chair: null,
  upstream: null,
  floor: null,
  locked: false,
  startedAt: '2026-12-07T01:00:00Z',
  endsAt: null,
  participants: [],
  ...extra,
});
const occ = (scheduleId: string, start: string): OccurrenceView => ({
  scheduleId,
  title: scheduleId,
  start,
  end: start,
  state: 'pending',
});

function loaded(): ConsoleState {
  return applySnapshot(emptyState, {
    status: null,
    endpoints: [ep('xiaoguan'), ep('mihe')],
    conferences: [conf('c1'), conf('old', { state: 'ended' })],
    occurrences: [occ('s2', '2026-12-08T01:00:00Z'), occ('s1', '2026-12-07T01:00:00Z')],
    unavailable: [],
  });
}

describe('console state', () => {
  it('loads a snapshot without ended conferences and with meetings in time order', () => {
    const s = loaded();
    expect(s.conferences.map((c) => c.id)).toEqual(['c1']);
    expect(s.occurrences.map((o) => o.scheduleId)).toEqual(['s1', 's2']);
  });

  it('moves an endpoint to its new state, RTT and reason on endpoint.state', () => {
    const s = applyNotification(loaded(), 'endpoint.state', {
      id: 'mihe',
      from: 'reachable',
      to: 'unreachable',
      at: '2026-12-07T01:02:00Z',
      reason: 'timeout',
      rttMs: null,
    });
    const mihe = s.endpoints.find((e) => e.id === 'mihe');
    expect(mihe).toMatchObject({ state: 'unreachable', reason: 'timeout', rttMs: null, since: '2026-12-07T01:02:00Z' });
    expect(s.endpoints.find((e) => e.id === 'xiaoguan')?.state).toBe('reachable');
  });

  it('adds, updates and removes conferences on conference.state', () => {
    let s = applyNotification(loaded(), 'conference.state', conf('c2', { title: 'new' }));
    expect(s.conferences.map((c) => c.id)).toEqual(['c1', 'c2']);
    s = applyNotification(s, 'conference.state', conf('c1', { mode: 'rollcall' }));
    expect(s.conferences[0]?.mode).toBe('rollcall');
    s = applyNotification(s, 'conference.state', conf('c1', { state: 'ended' }));
    expect(s.conferences.map((c) => c.id)).toEqual(['c2']);
  });

  it('updates one participant on conference.participant and keeps stats history on stats', () => {
    const p = {
      endpointId: 'xiaoguan',
      name: { zh: '小关镇', en: 'Xiaoguan' },
      kind: 'town' as const,
      state: 'ringing' as const,
      muted: false,
      hasFloor: false,
      viewing: null,
      direction: 'out' as const,
      attempts: 1,
    };
    let s = applyNotification(loaded(), 'conference.participant', { conferenceId: 'c1', participant: p });
    s = applyNotification(s, 'conference.participant', {
      conferenceId: 'c1',
      participant: { ...p, state: 'connected' },
    });
    expect(s.conferences[0]?.participants).toHaveLength(1);
    expect(s.conferences[0]?.participants[0]?.state).toBe('connected');
    const stats = { at: 'x', lossPct: 1, jitterMs: 2, rttMs: 3, bitrateInKbps: 4, bitrateOutKbps: 5 };
    s = applyNotification(s, 'stats', { conferenceId: 'c1', endpointId: 'xiaoguan', stats });
    s = applyNotification(s, 'stats', { conferenceId: 'c1', endpointId: 'xiaoguan', stats: { ...stats, lossPct: 9 } });
    expect(s.stats[statsKey('c1', 'xiaoguan')]?.map((x) => x.lossPct)).toEqual([1, 9]);
    expect(s.conferences[0]?.participants[0]?.stats?.lossPct).toBe(9);
  });

  it('keeps only the newest events of a conference', () => {
    let s = loaded();
    for (let i = 0; i < EVENTS_KEPT + 5; i++)
      s = applyNotification(s, 'conference.event', { conferenceId: 'c1', at: 'x', message: `e${i}` });
    expect(s.events.c1).toHaveLength(EVENTS_KEPT);
    expect(s.events.c1?.at(-1)?.message).toBe(`e${EVENTS_KEPT + 4}`);
  });

  it('attaches a pre-flight report to its occurrence, matching the start as an instant', () => {
    const s = applyNotification(loaded(), 'schedule.preflight', {
      scheduleId: 's1',
      occurrenceStart: '2026-12-07T09:00:00+08:00',
      at: 'x',
      sites: [{ endpointId: 'mihe', status: 'unreachable', reason: 'timeout' }],
    });
    expect(s.occurrences.find((o) => o.scheduleId === 's1')?.preflight?.sites[0]?.status).toBe('unreachable');
    expect(s.occurrences.find((o) => o.scheduleId === 's2')?.preflight).toBeUndefined();
  });

  it('keeps the event log and stats across a reconnect snapshot', () => {
    let s = applyNotification(loaded(), 'conference.event', { conferenceId: 'c1', at: 'x', message: 'hello' });
    s = applySnapshot(s, {
      status: null,
      endpoints: [],
      conferences: [],
      occurrences: [],
      unavailable: ['schedule.list'],
    });
    expect(s.events.c1?.[0]?.message).toBe('hello');
    expect(s.unavailable).toEqual(['schedule.list']);
  });
});
