// The console's picture of the daemon: a snapshot loaded on every (re)connect, then kept current by
// the notifications the daemon pushes. Pure functions, so they are tested without a terminal.
import type {
  ConferenceView, EndpointView, LegStats, Notifications, OccurrenceView, ParticipantView, StatusResult,
} from '../../../protocol/index.js';

export interface ConfEvent {
  at: string;
  message: string;
}

export interface ConsoleState {
  status: StatusResult | null;
  endpoints: EndpointView[];
  /** Conferences not yet ended. */
  conferences: ConferenceView[];
  /** Occurrences of the coming week (and today's earlier ones). */
  occurrences: OccurrenceView[];
  /** Event log per conference id, oldest first. */
  events: Record<string, ConfEvent[]>;
  /** Stats samples per `${conferenceId}/${endpointId}`, oldest first. */
  stats: Record<string, LegStats[]>;
  /** Daemon-wide notices (schedule notices, daemon stopping), oldest first. */
  notices: ConfEvent[];
  /** Methods this daemon does not offer (yet); shown so an empty list is not mistaken for "none". */
  unavailable: string[];
}

export const EVENTS_KEPT = 100;
export const STATS_KEPT = 60;
export const NOTICES_KEPT = 20;

export const emptyState: ConsoleState = {
  status: null, endpoints: [], conferences: [], occurrences: [], events: {}, stats: {}, notices: [], unavailable: [],
};

export interface Snapshot {
  status: StatusResult | null;
  endpoints: EndpointView[] | null;
  conferences: ConferenceView[] | null;
  occurrences: OccurrenceView[] | null;
  unavailable: string[];
}

export function statsKey(conferenceId: string, endpointId: string): string {
  return `${conferenceId}/${endpointId}`;
}

function keep<T>(list: readonly T[], item: T, max: number): T[] {
  const out = [...list, item];
  return out.length > max ? out.slice(out.length - max) : out;
}

function sameOccurrence(a: { scheduleId: string; start: string }, scheduleId: string, start: string): boolean {
  return a.scheduleId === scheduleId && Date.parse(a.start) === Date.parse(start);
}

/** Replace the daemon-owned parts; keep the event log and stats history across reconnects. */
export function applySnapshot(state: ConsoleState, snap: Snapshot): ConsoleState {
  return {
    ...state,
    status: snap.status ?? state.status,
    endpoints: snap.endpoints ?? [],
    conferences: (snap.conferences ?? []).filter((c) => c.state !== 'ended'),
    occurrences: [...(snap.occurrences ?? [])].sort((a, b) => Date.parse(a.start) - Date.parse(b.start)),
    unavailable: snap.unavailable,
  };
}

function upsertParticipant(c: ConferenceView, p: ParticipantView): ConferenceView {
  const i = c.participants.findIndex((x) => x.endpointId === p.endpointId);
  const participants = i < 0 ? [...c.participants, p] : c.participants.map((x, j) => (j === i ? p : x));
  return { ...c, participants };
}

/** Fold one notification into the state. Unknown methods leave it unchanged. */
export function applyNotification(state: ConsoleState, method: string, params: unknown): ConsoleState {
  switch (method) {
    case 'endpoint.state': {
      const n = params as Notifications['endpoint.state'];
      return {
        ...state,
        endpoints: state.endpoints.map((e) => (e.id !== n.id ? e : {
          ...e, state: n.to, since: n.at, reason: n.reason, rttMs: n.rttMs === undefined ? e.rttMs : n.rttMs,
        })),
      };
    }
    case 'endpoint.registration': {
      const n = params as Notifications['endpoint.registration'];
      return { ...state, endpoints: state.endpoints.map((e) => (e.id === n.id ? { ...e, registration: n.state } : e)) };
    }
    case 'conference.state': {
      const c = params as Notifications['conference.state'];
      const others = state.conferences.filter((x) => x.id !== c.id);
      const had = others.length !== state.conferences.length;
      if (c.state === 'ended') return { ...state, conferences: others };
      return { ...state, conferences: had ? state.conferences.map((x) => (x.id === c.id ? c : x)) : [...state.conferences, c] };
    }
    case 'conference.participant': {
      const n = params as Notifications['conference.participant'];
      return { ...state, conferences: state.conferences.map((c) => (c.id === n.conferenceId ? upsertParticipant(c, n.participant) : c)) };
    }
    case 'conference.event': {
      const n = params as Notifications['conference.event'];
      return { ...state, events: { ...state.events, [n.conferenceId]: keep(state.events[n.conferenceId] ?? [], { at: n.at, message: n.message }, EVENTS_KEPT) } };
    }
    case 'stats': {
      const n = params as Notifications['stats'];
      const key = statsKey(n.conferenceId, n.endpointId);
      return {
        ...state,
        stats: { ...state.stats, [key]: keep(state.stats[key] ?? [], n.stats, STATS_KEPT) },
        conferences: state.conferences.map((c) => (c.id !== n.conferenceId ? c : {
          ...c, participants: c.participants.map((p) => (p.endpointId === n.endpointId ? { ...p, stats: n.stats } : p)),
        })),
      };
    }
    case 'schedule.preflight': {
      const r = params as Notifications['schedule.preflight'];
      return { ...state, occurrences: state.occurrences.map((o) => (sameOccurrence(o, r.scheduleId, r.occurrenceStart) ? { ...o, preflight: r } : o)) };
    }
    case 'schedule.occurrence': {
      const o = params as Notifications['schedule.occurrence'];
      const i = state.occurrences.findIndex((x) => sameOccurrence(x, o.scheduleId, o.start));
      const merged = i < 0 ? o : { ...o, preflight: o.preflight ?? state.occurrences[i]?.preflight };
      const list = i < 0 ? [...state.occurrences, merged] : state.occurrences.map((x, j) => (j === i ? merged : x));
      return { ...state, occurrences: list.sort((a, b) => Date.parse(a.start) - Date.parse(b.start)) };
    }
    case 'schedule.notice': {
      const n = params as Notifications['schedule.notice'];
      const at = new Date().toISOString();
      const next = { ...state, notices: keep(state.notices, { at, message: n.message }, NOTICES_KEPT) };
      if (!n.conferenceId) return next;
      return { ...next, events: { ...next.events, [n.conferenceId]: keep(next.events[n.conferenceId] ?? [], { at, message: n.message }, EVENTS_KEPT) } };
    }
    case 'daemon.stopping': {
      const n = params as Notifications['daemon.stopping'];
      return { ...state, notices: keep(state.notices, { at: new Date().toISOString(), message: n.reason }, NOTICES_KEPT) };
    }
    default:
      return state;
  }
}
