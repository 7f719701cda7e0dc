// The shapes around a Call: its events and what it is built from.
import type { SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import type { Dialog } from './Dialog.js';
import type { DigestCredentials } from './digest.js';
import type { SessionTimerState } from './SessionTimer.js';
import type { SipSource } from './message.js';
import type { RemoteOffer } from './CallInbound.js';

export type CallProgress =
  | { state: 'calling' }
  | { state: 'ringing' | 'early'; status: number; reason: string; sdp?: string }
  | { state: 'connected'; status: number }
  | { state: 'failed'; status?: number; reason: string };

export interface CallEnded {
  by: 'local' | 'remote';
  reason: string;
  status?: number;
}

export interface InfoMessage {
  contentType: string;
  body: string;
}

export type CallEvents = {
  /**
   * 'connected' when the caller ACKs a call we answered. Progress before the answer of a call we
   * dial (calling, ringing, early, failed) comes through DialOptions.onProgress.
   */
  progress: [CallProgress];
  ended: [CallEnded];
  /** The peer re-offered (re-INVITE/UPDATE with changed SDP); answer with offer.accept(sdp). */
  reinvite: [RemoteOffer];
  /** The remote SDP changed (answer to our re-INVITE, SDP in an ACK). */
  remoteSdp: [string];
  info: [InfoMessage];
  dtmf: [{ digit: string; durationMs: number; via: 'info' }];
  keyframeRequest: [];
};

export interface CallInit {
  core: SipCore;
  dialog: Dialog;
  direction: 'outgoing' | 'incoming';
  localSdp: string;
  remoteSdp: string;
  credentials?: DigestCredentials;
  endpointId?: string;
  source?: SipSource;
  sessionTimer?: SessionTimerState;
  /** Methods the peer allows (its Allow header), to pick UPDATE for refreshes. */
  remoteAllow?: string[];
  /** UAS: the 2xx we sent; the call is confirmed when its ACK arrives. */
  awaitAck?: SipMessage;
  /** UAC: sends the ACK for the 2xx of the initial INVITE (again for each 2xx retransmission). */
  ack?: () => void;
}

/** Sends RFC 4733 events on the call's RTP stream (wired by the media layer). */
export type DtmfRtpSender = (
  digits: string,
  telephoneEvent: { payloadType: number; clockRate: number },
) => Promise<void>;
