// The join page's signalling over its WebSocket (/join/ws?t=TOKEN), shared by the page and the
// daemon. Type-only imports: this file is bundled into the page too.
//
//   page → daemon  requests      { id, method, params }            → { id, result } | { id, error }
//   daemon → page  notifications { method, params }  (welcome, consumer, consumerClosed, roster, ping)
//
// A refused or ended session is closed with one of JOIN_CLOSE's codes; the reason text is short
// English (a close frame holds 123 bytes), the page shows its own bilingual words for the code.
import type { types as msc } from 'mediasoup-client';

export const JOIN_CLOSE = {
  /** Forged, malformed or missing token. */
  TOKEN_INVALID: 4401,
  TOKEN_EXPIRED: 4402,
  /** The operator removed this participant. */
  REMOVED: 4403,
  /** The conference is not running (ended, or never was). */
  CONFERENCE_GONE: 4404,
  /** The same invitation connected again (another tab or a reconnect): this one is finished. */
  REPLACED: 4409,
  /** Too many join attempts from this address; the page waits before trying again. */
  RATE_LIMITED: 4429,
  /** The media server restarted: join again now. */
  RESTART: 4503,
  /** The daemon is stopping. */
  SHUTDOWN: 4001,
} as const;

/** Codes after which the page must not reconnect by itself. */
export const FINAL_CLOSE_CODES: readonly number[] = [
  JOIN_CLOSE.TOKEN_INVALID,
  JOIN_CLOSE.TOKEN_EXPIRED,
  JOIN_CLOSE.REMOVED,
  JOIN_CLOSE.CONFERENCE_GONE,
  JOIN_CLOSE.REPLACED,
];

export interface TransportInfo {
  id: string;
  iceParameters: msc.IceParameters;
  iceCandidates: msc.IceCandidate[];
  dtlsParameters: msc.DtlsParameters;
}

export interface Welcome {
  participantId: string;
  name: string;
  conference: { id: string; title: string };
  routerRtpCapabilities: msc.RtpCapabilities;
  send: TransportInfo;
  recv: TransportInfo;
  /**
   * The video codec to send in: the one most SIP rooms negotiated, so they can be shown this
   * browser without transcoding (null: browsers only, any codec).
   */
  videoCodec: { mimeType: string; parameters?: Record<string, unknown> } | null;
}

export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  /** The participant whose stream it is. */
  sourceId: string;
  kind: 'audio' | 'video';
  rtpParameters: msc.RtpParameters;
}

/** One line of the roster the page shows. */
export interface RosterEntry {
  id: string;
  name: { zh: string; en: string };
  kind: string;
  state: string;
  muted: boolean;
  hasFloor: boolean;
}

export interface Roster {
  title: string;
  mode: string;
  /** Who has the floor / is the broadcast source. */
  floor: string | null;
  /** What this browser should show big (the conference's choice for it). */
  view: string | null;
  /** Muted by the operator or the floor mode (the page's own mute button is separate). */
  mutedByBridge: boolean;
  /** This browser's hand is up (it asked to speak and has not been given the floor yet). */
  handRaised: boolean;
  participants: RosterEntry[];
}

export interface Requests {
  connectTransport: { params: { transportId: string; dtlsParameters: msc.DtlsParameters }; result: null };
  produce: {
    params: { transportId: string; kind: 'audio' | 'video'; rtpParameters: msc.RtpParameters };
    result: { id: string };
  };
  /** The page's device is loaded: start sending it the other participants' streams. */
  ready: { params: { rtpCapabilities: msc.RtpCapabilities }; result: null };
  /** The page has set a consumer up: start its RTP. */
  resume: { params: { consumerId: string }; result: null };
  /** The page's own mute button. */
  mute: { params: { muted: boolean }; result: null };
  /** The page's "ask to speak" button (申请发言): raise or lower the hand. */
  hand: { params: { raised: boolean }; result: null };
}
export type RequestName = keyof Requests;

export interface Notifications {
  welcome: Welcome;
  consumer: ConsumerInfo;
  consumerClosed: { consumerId: string };
  roster: Roster;
  /** Sent every few seconds so the page notices a dead connection. */
  ping: Record<string, never>;
}
export type NotificationName = keyof Notifications;

export type ClientMessage = {
  [M in RequestName]: { id: number; method: M; params: Requests[M]['params'] };
}[RequestName];
export type ServerMessage =
  | { id: number; result: unknown }
  | { id: number; error: { code: string; message: string } }
  | { [N in NotificationName]: { method: N; params: Notifications[N] } }[NotificationName];

/** Seconds between pings; the page reconnects after PING_DEAD_S without a message. */
export const PING_INTERVAL_S = 5;
export const PING_DEAD_S = 15;
