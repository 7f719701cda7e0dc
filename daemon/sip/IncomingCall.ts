// An INVITE offered to the application (UAS side, before the call exists): ring, answer with an
// SDP (→ Call once the ACK arrives), reject, or be cancelled by the caller.
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { Timer } from '../util/clock.js';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import { makeResponse, type SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import { Dialog } from './Dialog.js';
import { Call } from './Call.js';
import type { DigestCredentials } from './digest.js';
import type { SessionTimerState } from './SessionTimer.js';
import {
  ALLOW,
  SUPPORTED,
  bodyText,
  contentType,
  header,
  headerTextOf,
  newTag,
  setBody,
  tokens,
  uriString,
  type SipSource,
} from './message.js';

export type IncomingCallEvents = {
  /** The caller gave up (CANCEL) or nobody answered in time. */
  cancelled: [{ reason: string }];
};

export type IncomingCallState = 'pending' | 'ringing' | 'accepted' | 'rejected' | 'cancelled';

export interface IncomingCallInit {
  core: SipCore;
  request: SipMessage;
  source: SipSource;
  endpointId?: string;
  /** Our 2xx headers and the session timer agreed for this INVITE. */
  sessionHeaders: Record<string, string>;
  sessionTimer?: SessionTimerState;
  /** Key under which the stack matches a CANCEL to this INVITE. */
  pendingKey: string;
}

export class IncomingCall extends TypedEmitter<IncomingCallEvents> {
  readonly callId: string;
  readonly from: { uri: string; displayName?: string };
  readonly to: { uri: string };
  readonly requestUri: string;
  readonly source: SipSource;
  readonly endpointId?: string;
  /** The SDP offer; undefined for a delayed offer (then accept() sends our offer). */
  readonly offer?: string;
  readonly receivedAt: number;

  readonly #core: SipCore;
  readonly #req: SipMessage;
  readonly #localTag = newTag();
  readonly #sessionHeaders: Record<string, string>;
  readonly #sessionTimer?: SessionTimerState;
  readonly #pendingKey: string;
  #state: IncomingCallState = 'pending';
  #call: Call | undefined;
  #noAnswer: Timer | undefined;

  constructor(init: IncomingCallInit) {
    super();
    const req = init.request;
    this.#core = init.core;
    this.#req = req;
    this.#sessionHeaders = init.sessionHeaders;
    this.#sessionTimer = init.sessionTimer;
    this.#pendingKey = init.pendingKey;
    this.callId = String(req.headers['call-id']);
    this.from = { uri: uriString(req.headers.from!.uri), displayName: unquote(req.headers.from!.name) };
    this.to = { uri: uriString(req.headers.to!.uri) };
    this.requestUri = uriString(req.uri!);
    this.source = init.source;
    this.endpointId = init.endpointId;
    const sdp = contentType(req) === 'application/sdp' ? bodyText(req) : '';
    if (sdp) this.offer = sdp;
    this.receivedAt = init.core.clock.now();
  }

  get state(): IncomingCallState {
    return this.#state;
  }

  /** The Call, as soon as accept() was called (before the ACK), to attach listeners early. */
  get call(): Call | undefined {
    return this.#call;
  }

  /** A header of the INVITE as received (generic headers only), e.g. 'user-agent', 'subject'. */
  header(name: string): string | undefined {
    const v = header(this.#req, name.toLowerCase());
    return v === undefined ? undefined : headerTextOf(v);
  }

  /** Send 180 Ringing. */
  ring(): void {
    if (this.#state !== 'pending' && this.#state !== 'ringing') return;
    this.#state = 'ringing';
    this.#send(180, 'Ringing', { contact: [this.#core.contact(this.source.transport)] });
  }

  /** Send 183 Session Progress with early media. */
  progress(sdp: string): void {
    if (this.#state !== 'pending' && this.#state !== 'ringing') return;
    this.#state = 'ringing';
    this.#send(183, 'Session Progress', { contact: [this.#core.contact(this.source.transport)] }, sdp);
  }

  /**
   * Answer with our SDP (the answer, or our offer when the INVITE had none). Resolves with the
   * Call once the caller's ACK arrives; rejects with VcError when it never does.
   */
  accept(sdp: string, opts: { credentials?: DigestCredentials } = {}): Promise<Call> {
    if (this.#state !== 'pending' && this.#state !== 'ringing') {
      return Promise.reject(
        new VcError('SIP_FAILED', say('sip.cannotAccept', { callId: this.callId, state: this.#state })),
      );
    }
    this.#settle('accepted');
    const contact = this.#core.contact(this.source.transport);
    const rs = this.#send(
      200,
      'OK',
      {
        contact: [contact],
        allow: ALLOW,
        supported: SUPPORTED,
        ...(this.#req.headers['record-route'] ? { 'record-route': this.#req.headers['record-route'] } : {}),
        ...this.#sessionHeaders,
      },
      sdp,
    );
    const call = new Call({
      core: this.#core,
      dialog: Dialog.asUas(this.#req, this.#localTag, this.source.transport, contact),
      direction: 'incoming',
      localSdp: sdp,
      remoteSdp: this.offer ?? '',
      credentials: opts.credentials,
      endpointId: this.endpointId,
      source: this.source,
      sessionTimer: this.#sessionTimer,
      remoteAllow: tokens(this.#req, 'allow'),
      awaitAck: rs,
    });
    this.#call = call;
    return call.confirmed.then(() => call);
  }

  /** Refuse the call (default 486 Busy Here; 488 for SDP problems, 603 to decline). */
  reject(status = 486, reason?: string): void {
    if (this.#state !== 'pending' && this.#state !== 'ringing') return;
    if (!(status >= 300 && status <= 699)) throw new VcError('USAGE', say('sip.rejectStatus', { status }));
    this.#settle('rejected');
    this.#send(status, reason ?? REASONS[status] ?? 'Rejected');
  }

  /** @internal The stack saw a CANCEL for this INVITE. */
  handleCancel(): void {
    if (this.#state !== 'pending' && this.#state !== 'ringing') return;
    this.#settle('cancelled');
    this.#send(487, 'Request Terminated');
    this.emit('cancelled', { reason: 'cancelled by the caller' });
  }

  /** @internal Answer 100 Trying and start the no-answer timer (the app did not answer at once). */
  handleUnanswered(): void {
    if (this.#state !== 'pending' && this.#state !== 'ringing') return;
    if (this.#state === 'pending') this.#send(100, 'Trying', {}, undefined, false);
    this.#noAnswer = this.#core.clock.setTimeout(() => {
      if (this.#state !== 'pending' && this.#state !== 'ringing') return;
      this.#settle('cancelled');
      this.#send(480, 'Temporarily Unavailable');
      this.emit('cancelled', { reason: 'not answered in time' });
    }, this.#core.config.inviteTimeoutMs);
  }

  #settle(state: IncomingCallState): void {
    this.#state = state;
    this.#core.clock.clearTimeout(this.#noAnswer);
    this.#core.forgetPendingInvite(this.#pendingKey);
  }

  #send(status: number, reason: string, headers: Record<string, unknown> = {}, sdp?: string, tag = true): SipMessage {
    const to = this.#req.headers.to!;
    const rs = makeResponse(this.#req, status, reason, {
      headers: {
        ...(tag ? { to: { ...to, params: { ...to.params, tag: this.#localTag } } } : {}),
        'user-agent': this.#core.config.userAgent,
        ...headers,
      },
    });
    if (sdp !== undefined) setBody(rs, sdp, 'application/sdp');
    this.#core.respond(rs);
    return rs;
  }
}

const REASONS: Record<number, string> = {
  403: 'Forbidden',
  404: 'Not Found',
  480: 'Temporarily Unavailable',
  486: 'Busy Here',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  603: 'Decline',
};

function unquote(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const t = headerTextOf(name.trim());
  return t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t;
}
