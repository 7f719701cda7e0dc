// API shapes (protocol.ts) of conferences and participants, live or from the store.
import type {
  CdrRow as ApiCdrRow,
  ConferenceMode,
  ConferenceView,
  LegState,
  ParticipantView,
} from '../../protocol/index.js';
import type { Endpoint } from '../config/schema.js';
import type { CdrRow } from '../store/CdrRepo.js';
import type { ConferenceRow } from '../store/ConferenceRepo.js';
import type { Participant } from './Participant.js';
import { srtpLabel } from '../media/srtp/SrtpKeys.js';

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export function participantView(
  p: Participant,
  extra: { muted: boolean; hasFloor: boolean; viewing: string | null },
): ParticipantView {
  const v: ParticipantView = {
    endpointId: p.id,
    name: { zh: p.endpoint.name.zh, en: p.endpoint.name.en },
    kind: p.endpoint.kind,
    state: p.state,
    muted: extra.muted,
    hasFloor: extra.hasFloor,
    viewing: p.connected ? extra.viewing : null,
    direction: p.direction,
    attempts: p.attempts,
  };
  if (p.reason !== undefined) v.reason = p.reason;
  if (p.connectedAt !== undefined) v.connectedAt = new Date(p.connectedAt).toISOString();
  if (p.nextRedialAt !== undefined) v.nextRedialAt = new Date(p.nextRedialAt).toISOString();
  if (p.stats) v.stats = p.stats;
  const srtp = p.connected ? srtpLabel(p.leg?.remote) : null;
  if (srtp) v.srtp = srtp;
  return v;
}

/** A conference that is no longer live, rebuilt from its row and its call records. */
export function storedConferenceView(
  row: ConferenceRow,
  cdrs: CdrRow[],
  endpoints: readonly Endpoint[],
): ConferenceView {
  const last = new Map<string, CdrRow>();
  const attempts = new Map<string, number>();
  for (const c of cdrs) {
    last.set(c.endpointId, c);
    attempts.set(c.endpointId, (attempts.get(c.endpointId) ?? 0) + 1);
  }
  const participants = row.endpoints.map((id): ParticipantView => {
    const ep = endpoints.find((e) => e.id === id);
    const c = last.get(id);
    const state: LegState = row.state === 'ended' ? 'ended' : c?.endedAt === null ? 'connected' : 'idle';
    const v: ParticipantView = {
      endpointId: id,
      name: ep ? { ...ep.name } : { zh: id, en: id },
      kind: ep?.kind ?? 'town',
      state,
      muted: false,
      hasFloor: false,
      viewing: null,
      direction: c?.direction ?? 'out',
      attempts: attempts.get(id) ?? 0,
    };
    if (c?.endReason) v.reason = c.endReason;
    if (c?.answeredAt) v.connectedAt = new Date(c.answeredAt).toISOString();
    return v;
  });
  return {
    id: row.id,
    title: row.title,
    state: row.state === 'ended' ? 'ended' : 'active',
    mode: row.mode as ConferenceMode,
    chair: row.chair,
    upstream: row.upstream,
    floor: null,
    locked: false,
    startedAt: new Date(row.startedAt).toISOString(),
    endsAt: iso(row.endsAt),
    ...(row.scheduleId ? { scheduleId: row.scheduleId } : {}),
    participants,
  };
}

export function cdrView(c: CdrRow): ApiCdrRow {
  return {
    id: c.id,
    conferenceId: c.conferenceId ?? '',
    endpointId: c.endpointId,
    direction: c.direction,
    callId: c.callId || null,
    startedAt: new Date(c.startedAt).toISOString(),
    answeredAt: iso(c.answeredAt),
    endedAt: iso(c.endedAt),
    durationSeconds: c.answeredAt !== null && c.endedAt !== null ? Math.round((c.endedAt - c.answeredAt) / 1000) : null,
    endReason: c.endReason,
    audioCodec: c.audioCodec,
    videoCodec: c.videoCodec,
    srtp: c.srtp,
    stats: c.stats,
  };
}
