// The console's picture of the daemon: a snapshot loaded on every (re)connect, then kept current by
// the notifications the daemon pushes. Pure functions, so they are tested without a terminal.
import type {
  ConferenceView,
  EndpointView,
  Reason,
  LegStats,
  NotificationArgs,
  OccurrenceView,
  ParticipantView,
  StatusResult,
} from '../../../protocol/index.js';

export interface ConfEvent {
  at: string;
  /** The daemon's English text; `why` the same as a key and parameters, said in the console's language. */
  message: string;
  why?: Reason;
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
  status: null,
  endpoints: [],
  conferences: [],
  occurrences: [],
  events: {},
  stats: {},
  notices: [],
  unavailable: [],
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

/** Fold one notification into the state. Unknown methods (a newer daemon's) leave it unchanged. */
export function applyNotification(state: ConsoleState, ...[method, params]: NotificationArgs): ConsoleState {
  switch (method) {
    case 'endpoint.state': {
      return {
        ...state,
        endpoints: state.endpoints.map((e) =>
          e.id !== params.id
            ? e
            : {
                ...e,
                state: params.to,
                since: params.at,
                reason: params.reason,
                rttMs: params.rttMs === undefined ? e.rttMs : params.rttMs,
              },
        ),
      };
    }
    case 'endpoint.registration': {
      return {
        ...state,
        endpoints: state.endpoints.map((e) => (e.id === params.id ? { ...e, registration: params.state } : e)),
      };
    }
    case 'conference.state': {
      const others = state.conferences.filter((x) => x.id !== params.id);
      const had = others.length !== state.conferences.length;
      if (params.state === 'ended') return { ...state, conferences: others };
      return {
        ...state,
        conferences: had
          ? state.conferences.map((x) => (x.id === params.id ? params : x))
          : [...state.conferences, params],
      };
    }
    case 'conference.participant': {
      return {
        ...state,
        conferences: state.conferences.map((c) =>
          c.id === params.conferenceId ? upsertParticipant(c, params.participant) : c,
        ),
      };
    }
    case 'conference.event': {
      return {
        ...state,
        events: {
          ...state.events,
          [params.conferenceId]: keep(
            state.events[params.conferenceId] ?? [],
            params.why
              ? { at: params.at, message: params.message, why: params.why }
              : { at: params.at, message: params.message },
            EVENTS_KEPT,
          ),
        },
      };
    }
    case 'stats': {
      const key = statsKey(params.conferenceId, params.endpointId);
      return {
        ...state,
        stats: { ...state.stats, [key]: keep(state.stats[key] ?? [], params.stats, STATS_KEPT) },
        conferences: state.conferences.map((c) =>
          c.id !== params.conferenceId
            ? c
            : {
                ...c,
                participants: c.participants.map((p) =>
                  p.endpointId === params.endpointId ? { ...p, stats: params.stats } : p,
                ),
              },
        ),
      };
    }
    case 'schedule.preflight': {
      return {
        ...state,
        occurrences: state.occurrences.map((o) =>
          sameOccurrence(o, params.scheduleId, params.occurrenceStart) ? { ...o, preflight: params } : o,
        ),
      };
    }
    case 'schedule.occurrence': {
      const i = state.occurrences.findIndex((x) => sameOccurrence(x, params.scheduleId, params.start));
      const merged = i < 0 ? params : { ...params, preflight: params.preflight ?? state.occurrences[i]?.preflight };
      const list = i < 0 ? [...state.occurrences, merged] : state.occurrences.map((x, j) => (j === i ? merged : x));
      return { ...state, occurrences: list.sort((a, b) => Date.parse(a.start) - Date.parse(b.start)) };
    }
    case 'schedule.notice': {
      const at = new Date().toISOString();
      const next = { ...state, notices: keep(state.notices, { at, message: params.message }, NOTICES_KEPT) };
      if (!params.conferenceId) return next;
      return {
        ...next,
        events: {
          ...next.events,
          [params.conferenceId]: keep(
            next.events[params.conferenceId] ?? [],
            { at, message: params.message },
            EVENTS_KEPT,
          ),
        },
      };
    }
    case 'daemon.stopping': {
      return {
        ...state,
        notices: keep(state.notices, { at: new Date().toISOString(), message: params.reason }, NOTICES_KEPT),
      };
    }
    default:
      return state;
  }
}
