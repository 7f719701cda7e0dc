// What the conference layer needs from signalling, in its own words. The daemon hands in an adapter
// over the SIP stack (SipSignalling.ts); the conference never sees SIP messages or SDP text, only
// the media descriptions of daemon/media/types.ts, so the adapter is the one place that knows both.
import type { Endpoint } from '../config/schema.js';
import type { LocalMedia, NegotiatedMedia } from '../media/types.js';
import type { SipMediaLeg } from '../media/SipMediaLeg.js';

export interface CallEnded {
  by: 'local' | 'remote';
  /** Plain words: "BYE", "408 Request Timeout", "no RTP for 10 s", ... */
  reason: string;
  status?: number;
}

export type SignalCallEvents = {
  /** The dialog is over (BYE either way, session timer, transport failure). */
  ended: [CallEnded];
  /** The room re-negotiated by re-INVITE; the signalling answered it already with our same ports. */
  media: [NegotiatedMedia];
  /** The room asked for a keyframe by SIP INFO (picture_fast_update). */
  keyframeRequest: [];
  /** The room sent a DTMF digit by SIP INFO (RFC 4733 digits come from the media leg). */
  dtmf: [{ digit: string }];
};

/** One established call, as the conference drives it. */
export interface SignalCall {
  readonly callId: string;
  /** What the answer (or the accepted offer) agreed, with the room's ports and payload types. */
  readonly remote: NegotiatedMedia;
  /** re-INVITE with our (possibly new) media addresses; resolves with the renegotiated media. */
  reinvite(local: LocalMedia): Promise<NegotiatedMedia>;
  /** BYE (idempotent). */
  hangup(reason: string): void | Promise<void>;
  /** DTMF by SIP INFO, for rooms that did not negotiate telephone-event. */
  sendDtmfInfo(digits: string): Promise<void>;
  /** SIP INFO picture_fast_update, for rooms without RTCP feedback. */
  requestKeyframe(): void;
  on<K extends keyof SignalCallEvents>(event: K, listener: (...args: SignalCallEvents[K]) => void): unknown;
  off<K extends keyof SignalCallEvents>(event: K, listener: (...args: SignalCallEvents[K]) => void): unknown;
}

export interface DialProgress {
  state: 'calling' | 'ringing';
  callId?: string;
}

export interface DialRequest {
  endpoint: Endpoint;
  /** Where the room must send its media (the leg's relay ports). */
  local: LocalMedia;
  onProgress(p: DialProgress): void;
  /** Aborting cancels the attempt (CANCEL before an answer, BYE right after one). */
  signal: AbortSignal;
}

/** Why a dial failed: carried in VcError.details by Signalling.dial(). */
export interface DialFailureDetails {
  status?: number;
  callId?: string;
}

/** A call from outside, already screened by the SIP layer's access control. */
export interface IncomingSignal {
  readonly callId: string;
  /** The configured endpoint it comes from (matched by address / digest user), if any. */
  readonly endpointId: string | undefined;
  readonly fromUri: string;
  /** 180 Ringing. */
  ring(): void;
  /** Negotiate the room's offer against the endpoint's codecs and answer 200 with our ports. */
  accept(local: LocalMedia, endpoint: Endpoint): Promise<SignalCall>;
  reject(status: number, reason: string): void;
}

/** Signalling as the conference layer uses it. */
export interface Signalling {
  /** INVITE the endpoint; resolves once answered; rejects with a VcError (details: DialFailureDetails). */
  dial(req: DialRequest): Promise<SignalCall>;
  /** Subscribe to incoming INVITEs; returns the unsubscribe function. */
  onIncoming(handler: (call: IncomingSignal) => void): () => void;
  /** Register to the endpoint (the upstream) and resolve when registered; re-registers if asked again. */
  register(endpoint: Endpoint): Promise<void>;
}

/** What the conference does with a participant's media. */
export interface ParticipantMediaHooks {
  attach(id: string, leg: SipMediaLeg): Promise<void>;
  detach(id: string): void;
  renegotiated(id: string): Promise<void>;
  /** The room asked (SIP INFO) for a keyframe of what it is shown. */
  keyframeWanted(id: string): void;
}
