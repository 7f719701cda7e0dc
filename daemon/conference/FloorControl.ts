// Who is heard and who sees whom, decided from the conference's mode and the operator's choices.
// Pure: FloorDirector hands in who is present and applies the decision to the mixer and the views.
//
//   broadcast  everyone sees the source (the floor if given, else the upstream, else the chair);
//              only the source and the chair are heard.
//   rollcall   the floor site (点名发言) is heard and shown to all; everyone else is muted except
//              the chair. The floor site sees the chair.
//   voice      the view follows the active speaker (the conference holds it 2 s); nobody is muted
//              by the mode.
//   select     each site sees what the operator picked for it (default as broadcast); nobody is
//              muted by the mode. (A pick for one site is honoured in every mode: it is the
//              operator's explicit override for that site.)
// The source itself sees someone else: the chair, else the upstream, else the previous speaker.
// Operator overrides (mute/unmute one, mute all except chair) win over the mode's muting until the
// mode or the floor changes.
// Auto-polling (轮巡) changes pictures only, never who is heard: the polled site is what every site
// sees (target null; the polled site itself keeps its usual view) or what one target sees, ahead of
// the operator's own pick for it.
import type { ConferenceMode } from '../../protocol/index.js';

export interface FloorInput {
  mode: ConferenceMode;
  chair: string | null;
  upstream: string | null;
  /** Operator's choice: broadcast source, or the site given the floor in a roll call. */
  floor: string | null;
  /** Active speaker after the hold (voice mode), and the one before it. */
  speaker: string | null;
  previousSpeaker: string | null;
  /** Operator's picks: target → source. */
  selections: ReadonlyMap<string, string>;
  /** Operator overrides: true = muted, false = unmuted. */
  overrides: ReadonlyMap<string, boolean>;
  /** Connected participants, in the conference's order. */
  present: readonly string[];
  /** The site auto-polling shows now, to everyone (target null) or to one site. */
  poll?: { source: string | null; target: string | null } | undefined;
  /** Whether a target can show a source (codec match, source has video). */
  canView(targetId: string, sourceId: string): boolean;
}

export interface FloorDecision {
  /** What most sites see: the broadcast source, the floor site, or the active speaker. */
  source: string | null;
  muted: Map<string, boolean>;
  views: Map<string, string | null>;
}

export function decideFloor(i: FloorInput): FloorDecision {
  const present = new Set(i.present);
  const here = (id: string | null | undefined): id is string => Boolean(id && present.has(id));
  const fallback = [i.upstream, i.chair].find(here) ?? i.present[0] ?? null;
  let source: string | null;
  switch (i.mode) {
    case 'rollcall':
      source = here(i.floor) ? i.floor : here(i.chair) ? i.chair : fallback;
      break;
    case 'voice':
      source = here(i.speaker) ? i.speaker : fallback;
      break;
    default:
      source = here(i.floor) ? i.floor : fallback;
  }

  const muted = new Map<string, boolean>();
  for (const id of i.present) {
    let forced = false;
    if (i.mode === 'broadcast') forced = id !== source && id !== i.chair;
    else if (i.mode === 'rollcall') forced = id !== (here(i.floor) ? i.floor : null) && id !== i.chair;
    muted.set(id, i.overrides.get(id) ?? forced);
  }

  const views = new Map<string, string | null>();
  const poll = i.poll?.source ? i.poll : undefined;
  for (const target of i.present) {
    const wanted: (string | null | undefined)[] = [];
    if (poll && poll.target === target) wanted.push(poll.source);
    wanted.push(i.selections.get(target));
    if (poll && poll.target === null && target !== poll.source) wanted.push(poll.source);
    if (target === source) {
      if (i.mode === 'voice') wanted.push(i.previousSpeaker);
      wanted.push(i.chair, i.upstream);
    } else {
      wanted.push(source, i.chair, i.upstream);
    }
    wanted.push(...i.present);
    const pick = wanted.find((s): s is string => here(s) && s !== target && i.canView(target, s));
    views.set(target, pick ?? null);
  }
  return { source, muted, views };
}
