// Conferences and their participants as the control API shows and drives them.
import type { EndpointKind } from './endpoints.js';

export type ConferenceMode = 'broadcast' | 'rollcall' | 'voice' | 'select';
export type LegState = 'idle' | 'calling' | 'ringing' | 'connected' | 'failed' | 'redialing' | 'hungup' | 'ended';

export interface LegStats {
  at: string;
  lossPct: number | null;
  jitterMs: number | null;
  rttMs: number | null;
  bitrateInKbps: number | null;
  bitrateOutKbps: number | null;
  /** RTP packets from the room / to the room since the leg started (audio and video). */
  packetsIn?: number;
  packetsOut?: number;
  audioCodec?: string;
  videoCodec?: string;
}

/** Quality of one leg over a span of samples: a CDR's summary, a report's worst links. */
export interface QualitySummary {
  samples: number;
  avgLossPct: number | null;
  maxLossPct: number | null;
  avgJitterMs: number | null;
  maxJitterMs: number | null;
  avgRttMs: number | null;
}

export interface ParticipantView {
  endpointId: string;
  name: { zh: string; en: string };
  kind: EndpointKind | 'browser';
  state: LegState;
  /** Why the last attempt failed / why it ended. */
  reason?: string;
  muted: boolean;
  hasFloor: boolean;
  /** What this participant is shown: the source's endpoint (or browser participant) id, also through a
   *  transcoded picture; `layout:<name>` for a multi-picture layout (`layout` for a moment after a
   *  change, before the room's view follows the new plan); null when nothing. Never a canvas id. */
  viewing: string | null;
  direction: 'out' | 'in';
  connectedAt?: string;
  attempts: number;
  nextRedialAt?: string;
  stats?: LegStats;
  /** SDES-SRTP suite when the leg's media is encrypted (absent: plain RTP). */
  srtp?: string;
  /** When it asked to speak (申请发言), while its hand is up. */
  handRaisedAt?: string;
}

/** Auto-polling (轮巡) of a conference. */
export interface PollingView {
  intervalSeconds: number;
  /** The sites walked, in order. */
  sites: string[];
  /** The site whose view polls; null: everyone's (the broadcast picture). */
  target: string | null;
  /** The pane (1-based) that polls, of the conference's layout or of the target's own; absent: the whole picture. */
  pane?: number;
  /** Shown now (null: none of the list is connected). */
  current: string | null;
  /** Shown at the next change, as things stand. */
  next: string | null;
  nextAt: string | null;
  startedAt: string;
}

/** A raised hand, oldest first in a list. */
export interface HandView {
  endpointId: string;
  at: string;
  via: 'dtmf' | 'browser' | 'operator';
}

export interface ConferencePollParams {
  id: string;
  /** Seconds between changes, 5–600; default 10. */
  intervalSeconds?: number;
  /** The sites to walk (default every participant but the target). */
  sites?: string[];
  /** Every site of this group that is in the conference. */
  group?: string;
  /** Poll what this one site sees (default: everyone's picture). */
  for?: string;
  /** Poll one pane (1-based) of the conference's multi-picture layout, or of the `for` site's own. */
  pane?: number;
  /** Stop polling. */
  stop?: boolean;
}

/** A meeting template (会议模板) of the site config. */
export interface TemplateView {
  id: string;
  name: { zh: string; en: string };
  title: string;
  endpoints: string[];
  groups: string[];
  /** Every site it takes (endpoints, group members, chair), upstream apart. */
  sites: string[];
  chair: string | null;
  upstream: string | null;
  mode: ConferenceMode | null;
  durationMinutes: number | null;
  /** What its meetings start with besides their sites: layout, polling, recording. */
  layout?: string;
  polling?: PlanPolling;
  record?: boolean;
  /** 'cn': series booked from it follow China's working-day calendar. */
  workdays?: 'cn';
}

/** Auto-polling as a template (or a series booked from one) starts it with its meetings. */
export interface PlanPolling {
  intervalSeconds: number;
  sites?: string[];
  group?: string;
  target?: string;
  pane?: number;
}

export interface ConferenceView {
  id: string;
  title: string;
  state: 'starting' | 'active' | 'ending' | 'ended';
  mode: ConferenceMode;
  chair: string | null;
  upstream: string | null;
  /** Source everyone sees in broadcast/rollcall; the active speaker in voice mode. */
  floor: string | null;
  locked: boolean;
  startedAt: string;
  endsAt: string | null;
  scheduleId?: string;
  /** Live conferences only. */
  polling?: PollingView | null;
  hands?: HandView[];
  /** The roll-call list given to `floor --next` (default: every site but chair and upstream). */
  rollcall?: string[];
  participants: ParticipantView[];
  /** Multi-picture (多画面) settings and what each room is shown; absent for stored conferences. */
  multiview?: MultiviewInfo;
  /** Live streaming (HLS / RTMP) of a live conference; absent or null when it is not streamed. */
  live?: LiveView | null;
  /** The recording running now (● REC), null when none; absent for stored conferences. */
  recording?: ConferenceRecordingInfo | null;
}

/** A live output's process: starting, running, restarting after a failure (backoff), given up. */
export type LiveOutputState = 'starting' | 'running' | 'retrying' | 'failed';

export interface LiveOutputView {
  state: LiveOutputState;
  /** When it entered that state (ISO). */
  since: string;
  /** Failed runs in a row (0 while it runs well). */
  failures: number;
  /** Why the last run ended, while retrying or failed. */
  lastError: string | null;
}

export interface LiveView {
  /** The HLS packager, with the viewers seen in the last few seconds; null without HLS. */
  hls: (LiveOutputView & { viewers: number }) | null;
  /** RTMP pushes; `target` is the URL with its stream key hidden. */
  rtmp: (LiveOutputView & { target: string })[];
}

export interface ConferenceStreamStartParams {
  id: string;
  /** Serve HLS on the daemon's port (default true when no RTMP target is given). */
  hls?: boolean;
  /** Push to this RTMP server as well (rtmp:// or rtmps://). */
  rtmp?: string;
  /** How long the printed link works (default 240 minutes). */
  ttlMinutes?: number;
}

export interface ConferenceStreamStartResult {
  /** The HLS playlist with its signed token (/live/<id>/index.m3u8?t=...), or null without HLS. */
  url: string | null;
  /** The watch-only page for browsers (/watch?t=...), or null without HLS. */
  watchUrl: string | null;
  expiresAt: string | null;
  live: LiveView;
}

export interface ConferenceRecordingInfo {
  id: string;
  /** When this recording started (ISO): the elapsed time shown next to ● REC. */
  startedAt: string;
  /** True while the recorder is being set up (the program feed tapped, ffmpeg started): ○ REC starting. */
  starting?: boolean;
}

/** Layouts: 1, 2x2, 3x3, 4x4, 5x5, 1+5, 1+7, 1+12, auto, or off (the switched view). */
export interface MultiviewInfo {
  layout: string;
  banner: string | null;
  /** Sites with a personal layout. */
  personal: Record<string, string>;
  /** Pinned panes (1-based) by owner: "conference" or a site with a personal layout. */
  pins: Record<string, Record<string, string>>;
  /** Rooms shown a composed picture: its layout and the site in each pane (null: empty pane). */
  pictures: Record<string, { canvas: string; layout: string; panes: (string | null)[] }>;
  /**
   * What the compositor encodes now: one entry per composed picture, each one encoder (rooms of one
   * output class on one layout share it). Absent while no compositor runs.
   */
  encoders?: MultiviewEncoder[];
  /** Sources the compositor decodes now (on some screen), in conference order. Absent while no compositor runs. */
  decoding?: MultiviewDecoding[];
  /** Sources with video the compositor could decode but does not: on no screen (their feed is paused). */
  offScreen?: string[];
}

/** A source the compositor decodes. */
export interface MultiviewDecoding {
  source: string;
  /** Its decoder shows pictures now (false: waiting for a keyframe, or nothing usable arrives). */
  live: boolean;
}

/** One composed picture and its encoder. */
export interface MultiviewEncoder {
  /** The picture's id, as in `pictures` (internal; stable while the picture exists). */
  canvas: string;
  /** Whose picture: the conference layout, a site's personal layout, or one source transcoded (`site` says which). */
  kind: 'conference' | 'personal' | 'transcoded';
  site?: string;
  /** Output class: 'H264/0', 'H264/1' (packetization mode) or 'VP8'; size, frame rate, target bitrate. */
  codec: string;
  width: number;
  height: number;
  fps: number;
  kbps: number;
  layout: string;
  /** The rooms shown it, in conference order. */
  rooms: string[];
  /** The program feed (recording, live streaming) takes this picture too. */
  program?: boolean;
}

export interface ConferenceStartParams {
  /** Needed unless the template gives one. */
  title?: string;
  /** A meeting template of the site config; the other params add to or override it. */
  template?: string;
  endpoints?: string[];
  group?: string;
  upstream?: string;
  chair?: string;
  mode?: ConferenceMode;
  durationMinutes?: number;
  /** Record the meeting from its start (also `record: true` in the template). */
  record?: boolean;
}

export interface ConferenceListParams {
  /** Also conferences that ended (newest 100). */
  all?: boolean;
  /** With all: only those started at or after this ISO instant. */
  since?: string;
}

export interface ConferenceMuteParams {
  id: string;
  endpointId?: string;
  endpointIds?: string[];
  /** Every site; with exceptChair the chair stays (or becomes) unmuted. */
  all?: boolean;
  exceptChair?: boolean;
}

export interface ConferenceInviteParams {
  id: string;
  /** Shown to everyone in the meeting, e.g. 教育局. */
  name: string;
  /** How long the link works (default 240 minutes). */
  ttlMinutes?: number;
}

export interface ConferenceInviteResult {
  /** The join page with its signed token: https://host:port/join?t=... */
  url: string;
  expiresAt: string;
  /** The id the browser will have in the conference (conference.show, floor, mute). */
  participantId: string;
}
