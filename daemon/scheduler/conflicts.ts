import { say, type ScheduleConflict } from '../../protocol/index.js';
import type { Occurrence } from './Recurrence.js';
import { formatWall } from './zonedTime.js';

/** One meeting's occurrences and who takes part, as the conflict check sees it. */
export interface BookedMeeting {
  scheduleId: string;
  title: string;
  tz: string;
  /** Every endpoint that takes a leg: participants, the chair and the upstream. */
  participants: readonly string[];
  occurrences: readonly Occurrence[];
}

export interface CapacityLimits {
  maxConcurrentConferences: number;
  maxLegs: number;
  /** Endpoints of kind "upstream": sharing one is an upstream-link conflict. */
  upstreamIds: ReadonlySet<string>;
}

interface Slot {
  meeting: BookedMeeting;
  start: number;
  end: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function span(m: BookedMeeting, start: number, end: number): string {
  const a = formatWall(start, m.tz);
  const b = formatWall(end, m.tz);
  // same day: "2026-12-07 09:00–10:30"
  return `${a}–${a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b} ${m.tz}`;
}

const DAY = 86_400_000;

/**
 * Booked occurrences by the day they start, so that many candidates can be checked against one
 * reading of the book (an import of thousands of events reads it once, not once per event) and
 * each accepted candidate is added for the next ones to see.
 */
export class SlotIndex {
  readonly #byDay = new Map<number, Slot[]>();
  readonly #seen = new Set<string>();
  #longest = 0;

  constructor(booked: readonly BookedMeeting[] = []) {
    for (const m of booked) this.add(m);
  }

  /** Add a meeting's occurrences (an occurrence already in the index is not added twice). */
  add(m: BookedMeeting): void {
    for (const o of m.occurrences) {
      const id = `${m.scheduleId}|${o.key}`;
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      const day = Math.floor(o.start / DAY);
      let list = this.#byDay.get(day);
      if (!list) this.#byDay.set(day, (list = []));
      list.push({ meeting: m, start: o.start, end: o.end });
      this.#longest = Math.max(this.#longest, o.end - o.start);
    }
  }

  /** Slots overlapping `occ`, of meetings other than `exceptId`, sorted by start. */
  overlapping(occ: Occurrence, exceptId: string): Slot[] {
    const out: Slot[] = [];
    const last = Math.floor((occ.end - 1) / DAY);
    for (let day = Math.floor((occ.start - this.#longest) / DAY); day <= last; day++) {
      for (const s of this.#byDay.get(day) ?? []) {
        if (s.start < occ.end && s.end > occ.start && s.meeting.scheduleId !== exceptId) out.push(s);
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }
}

/**
 * Every way `candidate` collides with what is booked: a shared endpoint, a shared upstream link,
 * or too many conferences / legs at once. Occurrences touching end-to-start do not overlap.
 */
export function findConflicts(
  candidate: BookedMeeting,
  booked: readonly BookedMeeting[] | SlotIndex,
  limits: CapacityLimits,
): ScheduleConflict[] {
  const index = booked instanceof SlotIndex ? booked : new SlotIndex(booked);
  const mine = new Set(candidate.participants);
  const out: ScheduleConflict[] = [];

  for (const occ of candidate.occurrences) {
    const overlapping = index.overlapping(occ, candidate.scheduleId);
    for (const s of overlapping) {
      const shared = s.meeting.participants.filter((p) => mine.has(p));
      const upstream = shared.filter((p) => limits.upstreamIds.has(p));
      const endpoints = shared.filter((p) => !limits.upstreamIds.has(p));
      const meetings = [
        { scheduleId: s.meeting.scheduleId, title: s.meeting.title, start: iso(s.start), end: iso(s.end) },
      ];
      const where = `"${s.meeting.title}" (${s.meeting.scheduleId}) ${span(s.meeting, s.start, s.end)}`;
      if (upstream.length > 0) {
        out.push({
          kind: 'upstream',
          occurrenceStart: iso(occ.start),
          endpoints: upstream,
          meetings,
          message: say('conflict.upstream', { ids: upstream.join(', '), where }),
        });
      }
      if (endpoints.length > 0) {
        out.push({
          kind: 'endpoint',
          occurrenceStart: iso(occ.start),
          endpoints,
          meetings,
          message: say(endpoints.length === 1 ? 'conflict.one' : 'conflict.many', { ids: endpoints.join(', '), where }),
        });
      }
    }
    const capacity = capacityConflict(candidate, occ, overlapping, limits);
    if (capacity) out.push(capacity);
  }
  return out;
}

/** The busiest moment inside `occ` (a moment where a meeting starts), counting the candidate. */
function capacityConflict(
  candidate: BookedMeeting,
  occ: Occurrence,
  overlapping: readonly Slot[],
  limits: CapacityLimits,
): ScheduleConflict | null {
  if (overlapping.length === 0) {
    if (candidate.participants.length <= limits.maxLegs) return null;
  }
  const moments = [occ.start, ...overlapping.map((s) => s.start).filter((t) => t > occ.start && t < occ.end)];
  let worst: { at: number; running: Slot[]; legs: number } | null = null;
  for (const at of moments) {
    const running = overlapping.filter((s) => s.start <= at && s.end > at);
    const legs = candidate.participants.length + running.reduce((n, s) => n + s.meeting.participants.length, 0);
    const over = running.length + 1 > limits.maxConcurrentConferences || legs > limits.maxLegs;
    if (over && (!worst || legs > worst.legs)) worst = { at, running, legs };
  }
  if (!worst) return null;
  const conferences = worst.running.length + 1;
  const names = worst.running.map((s) => `"${s.meeting.title}" (${s.meeting.scheduleId})`).join(', ');
  const at = { time: formatWall(worst.at, candidate.tz), tz: candidate.tz, ...(names ? { names } : {}) };
  const message =
    conferences > limits.maxConcurrentConferences
      ? say(names ? 'sched.capConferencesWith' : 'sched.capConferences', {
          n: conferences,
          max: limits.maxConcurrentConferences,
          ...at,
        })
      : say(names ? 'sched.capLegsWith' : 'sched.capLegs', { n: worst.legs, max: limits.maxLegs, ...at });
  return {
    kind: 'capacity',
    occurrenceStart: iso(occ.start),
    meetings: worst.running.map((s) => ({
      scheduleId: s.meeting.scheduleId,
      title: s.meeting.title,
      start: iso(s.start),
      end: iso(s.end),
    })),
    message,
  };
}

/** A readable summary for the error message: the first few conflicts, then a count. */
export function describeConflicts(conflicts: readonly ScheduleConflict[], tz: string, shown = 8): string {
  const lines = conflicts
    .slice(0, shown)
    .map((c) => `  ${say('conflict.at', { time: formatWall(Date.parse(c.occurrenceStart), tz), what: c.message })}`);
  if (conflicts.length > shown) lines.push(`  ${say('conflict.more', { n: conflicts.length - shown })}`);
  const n = conflicts.length;
  const m = new Set(conflicts.map((c) => c.occurrenceStart)).size;
  // "1 conflict in 1 occurrence", "3 conflicts in 1 occurrence", "3 conflicts in 2 occurrences"
  const head = n === 1 ? 'conflict.head1' : m === 1 ? 'conflict.headN1' : 'conflict.head';
  return [say(head, { n, m }), ...lines, say('conflict.force')].join('\n');
}
