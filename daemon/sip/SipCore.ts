// What the dialog-layer classes (calls, registrations) need from the stack. SipStack implements
// it; the classes get it in their constructor, so they never import SipStack itself.
import type { Logger } from '../util/logger.js';
import type { Clock } from '../util/clock.js';
import type { NameAddr, SendHandle, SipMessage } from './sipLibrary.js';
import type { SipSource, SipTransport } from './message.js';

export interface SipTimers {
  /** RFC 3261 T1 (RTT estimate), default 500 ms. */
  t1: number;
  /** RFC 3261 T2 (cap of retransmit interval), default 4000 ms. */
  t2: number;
}

export interface SessionTimerConfig {
  /** Session-Expires we ask for / grant, seconds (RFC 4028; default 1800). */
  expires: number;
  /** Smallest interval we accept (Min-SE, seconds; at least 90). */
  minSE: number;
}

export interface CoreConfig {
  userAgent: string;
  timers: SipTimers;
  /** false: no session timer at all. */
  sessionTimer: SessionTimerConfig | false;
  /** Calls are hung up after this long (config sip.maxCallSeconds). */
  maxCallSeconds: number;
  /** An incoming INVITE nobody answers is refused with 480 after this long. */
  inviteTimeoutMs: number;
}

/** Receives in-dialog requests (a To tag that names it). */
export interface DialogHandler {
  onRequest(req: SipMessage, src: SipSource): void;
  /** Did this come from the dialog's peer (the address it called from, or its target's)? Others
   *  must pass the allow-list. */
  isPeer(src: SipSource): boolean;
}

export interface SipCore {
  readonly log: Logger;
  readonly clock: Clock;
  readonly config: CoreConfig;
  /** Send a request statefully; every response (provisional, final, 2xx retransmission) reaches onResponse. */
  send(req: SipMessage, onResponse: (rs: SipMessage) => void): SendHandle;
  /** Send an ACK for a 2xx (no transaction). */
  sendAck(ack: SipMessage): void;
  /** Send a response through the request's server transaction. */
  respond(rs: SipMessage): void;
  /** Our Contact for a transport. */
  contact(transport: SipTransport, user?: string): NameAddr;
  /** Host we put in From/SDP-less identifiers. */
  readonly publicHost: string;
  addDialog(key: string, handler: DialogHandler): void;
  removeDialog(key: string, handler: DialogHandler): void;
  /** Called by an IncomingCall once it no longer waits for CANCEL. */
  forgetPendingInvite(key: string): void;
}

export function dialogKey(callId: string, localTag: string): string {
  return callId + '\n' + localTag;
}
