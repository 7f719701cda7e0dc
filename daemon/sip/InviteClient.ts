// Placing a call (UAC side of the initial INVITE): progress, digest retry, 422 retry, CANCEL
// (abort signal or ring timeout), ACK for the 2xx with a new branch, extra 2xx from other forks
// (ACK + BYE), and a Call once answered.
import type { Timer } from '../util/clock.js';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { SendHandle, SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import { Dialog, contactUri } from './Dialog.js';
import { Call, type CallProgress } from './Call.js';
import { signRequest, type DigestCredentials } from './digest.js';
import { failureKind, transportReason } from './requests.js';
import { minSEOf, uacSessionTimerHeaders, uacSessionTimerResult } from './SessionTimer.js';
import {
  ALLOW,
  SUPPORTED,
  bodyText,
  contentType,
  displayName,
  headerText,
  hostFamily,
  newCallId,
  newTag,
  parseNameAddr,
  routableUri,
  setBody,
  tagOf,
  tokens,
  uriString,
  type SipTarget,
} from './message.js';

export interface DialOptions {
  target: SipTarget;
  /** Our identity: a SIP URI or name-addr (default sip:vcbridge@publicHost). */
  from?: string;
  displayName?: string;
  /** To header (default: the target URI). */
  to?: string;
  credentials?: DigestCredentials;
  sdpOffer: string;
  /** Extra request headers (lower-case names), e.g. { subject: '...' }. */
  headers?: Record<string, string>;
  onProgress?: (p: CallProgress) => void;
  /** Abort → CANCEL (before answer); the dial rejects with VcError SIP_FAILED reason 'cancelled'. */
  signal?: AbortSignal;
  /** CANCEL when not answered within this time (default 60 s). */
  ringTimeoutMs?: number;
  endpointId?: string;
}

export class InviteClient {
  readonly #core: SipCore;
  readonly #o: DialOptions;
  readonly #callId = newCallId();
  readonly #fromTag = newTag();
  readonly #result: Promise<Call>;
  #resolve!: (c: Call) => void;
  #reject!: (e: VcError) => void;
  #invite!: SipMessage;
  #handle: SendHandle | undefined;
  #seq = 1;
  #authTried = false;
  /** The 401/407 we answered; later INVITEs of this dial (422 retry) are signed for it too. */
  #challenge: SipMessage | undefined;
  #minSE: number | undefined;
  #provisional = false;
  #cancelWanted: string | undefined;
  #cancelSent = false;
  #call: Call | undefined;
  #ringTimer: Timer | undefined;
  #done = false;

  constructor(core: SipCore, opts: DialOptions) {
    this.#core = core;
    this.#o = opts;
    this.#result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Send the INVITE; resolves with the Call when answered. */
  start(): Promise<Call> {
    const o = this.#o;
    try {
      routableUri(o.target.uri, o.target.transport, 'dial');
      if (o.from) parseNameAddr(o.from);
      if (o.to) parseNameAddr(o.to);
    } catch (e) {
      return Promise.reject(e);
    }
    if (o.signal?.aborted)
      return Promise.reject(new VcError('SIP_FAILED', say('sip.dialCancelledEarly'), { reason: 'cancelled' }));
    o.signal?.addEventListener('abort', () => this.cancel('cancelled'), { once: true });
    this.#ringTimer = this.#core.clock.setTimeout(() => this.cancel('no answer'), o.ringTimeoutMs ?? 60_000);
    o.onProgress?.({ state: 'calling' });
    this.#send();
    return this.#result;
  }

  /** Give up before the answer: CANCEL once the peer has sent a provisional response. */
  cancel(reason: string): void {
    if (this.#done || this.#cancelWanted) return;
    this.#cancelWanted = reason;
    if (this.#provisional) this.#sendCancel();
    // the caller is told now; the INVITE transaction finishes in the background
    this.#fail(
      reason === 'no answer' ? 'SIP_TIMEOUT' : 'SIP_FAILED',
      say(reason === 'no answer' ? 'leg.notAnswered' : 'leg.cancelled', { uri: this.#o.target.uri }),
      { reason },
    );
    if (!this.#provisional) {
      // nothing heard yet: CANCEL may not be sent (RFC 3261 9.1); stop retransmitting after a while
      this.#core.clock.setTimeout(() => {
        if (!this.#provisional) this.#handle?.abort();
      }, 4 * this.#core.config.timers.t1);
    }
  }

  #buildInvite(): SipMessage {
    const o = this.#o;
    const host = hostFamily(this.#core.publicHost) === 6 ? `[${this.#core.publicHost}]` : this.#core.publicHost;
    const from = o.from ? parseNameAddr(o.from) : { uri: `sip:vcbridge@${host}`, params: {} };
    const to = o.to ? parseNameAddr(o.to) : { uri: o.target.uri, params: {} };
    const st = this.#core.config.sessionTimer;
    const req: SipMessage = {
      method: 'INVITE',
      uri: routableUri(o.target.uri, o.target.transport, 'dial'),
      headers: {
        to: { name: to.name, uri: uriString(to.uri), params: {} },
        from: {
          name: displayName(o.displayName) ?? from.name,
          uri: uriString(from.uri),
          params: { tag: this.#fromTag },
        },
        'call-id': this.#callId,
        cseq: { seq: this.#seq, method: 'INVITE' },
        contact: [this.#core.contact(o.target.transport)],
        'max-forwards': '70',
        allow: ALLOW,
        supported: SUPPORTED,
        'user-agent': this.#core.config.userAgent,
        ...uacSessionTimerHeaders(
          st,
          this.#minSE && st ? { interval: Math.max(st.expires, this.#minSE), refresher: 'local' } : undefined,
        ),
        ...Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), headerText(v)])),
      },
    };
    setBody(req, o.sdpOffer, 'application/sdp');
    return req;
  }

  #send(): void {
    const req = this.#buildInvite();
    if (this.#challenge && this.#o.credentials)
      signRequest(req, this.#challenge, this.#o.credentials, uriString(req.uri!), req.content);
    this.#invite = req;
    this.#provisional = false;
    this.#handle = this.#core.send(req, (rs) => this.#onResponse(req, rs));
  }

  #onResponse(req: SipMessage, rs: SipMessage): void {
    if (req !== this.#invite) {
      // a late answer to a superseded INVITE (auth/422 retry): only a 2xx matters, end it
      if ((rs.status ?? 0) >= 200 && (rs.status ?? 0) < 300) this.#ackAndBye(req, rs);
      return;
    }
    const st = rs.status ?? 0;
    if (st < 200) {
      if (st > 100 || tagOf(rs.headers.to)) this.#provisional = true;
      if (this.#cancelWanted && !this.#cancelSent && st > 100) this.#sendCancel();
      if (st > 100 && !this.#done) {
        const sdp = contentType(rs) === 'application/sdp' ? bodyText(rs) : undefined;
        this.#o.onProgress?.({
          state: sdp ? 'early' : 'ringing',
          status: st,
          reason: rs.reason ?? '',
          ...(sdp ? { sdp } : {}),
        });
      }
      return;
    }
    if (st < 300) return this.#on2xx(req, rs);
    if ((st === 401 || st === 407) && !rs.local && this.#o.credentials && !this.#authTried && !this.#cancelWanted) {
      this.#authTried = true;
      this.#challenge = rs;
      this.#seq++;
      return this.#send();
    }
    if (st === 422 && this.#minSE === undefined && !this.#cancelWanted) {
      this.#minSE = minSEOf(rs) ?? 90;
      this.#seq++;
      return this.#send();
    }
    const kind = failureKind(rs);
    const why =
      kind === 'dns'
        ? say('leg.cannotResolve', { uri: this.#o.target.uri })
        : kind
          ? `${kind} (${transportReason(rs) ?? rs.reason})`
          : `${st} ${rs.reason ?? ''}`.trim();
    this.#fail(st === 408 ? 'SIP_TIMEOUT' : 'SIP_FAILED', say('leg.callFailed', { uri: this.#o.target.uri, why }), {
      status: st,
      reason: rs.reason,
      ...(kind ? { error: kind } : {}),
    });
  }

  #on2xx(req: SipMessage, rs: SipMessage): void {
    const o = this.#o;
    if (this.#call) {
      if (tagOf(rs.headers.to) === this.#call.remoteTag) this.#call.reAck();
      else this.#ackAndBye(req, rs); // a second fork answered: we keep the first
      return;
    }
    if (this.#done) return this.#ackAndBye(req, rs); // answered after we gave up
    const target = contactUri(rs);
    try {
      if (!target) throw new VcError('SIP_FAILED', say('sip.noContact2xx'));
      routableUri(target, o.target.transport, 'contact2xx');
    } catch (e) {
      const err = e as VcError;
      this.#core.log.warn(
        { callId: this.#callId, err: err.message },
        'peer answered with an unusable Contact; the call cannot be used',
      );
      this.#fail('SIP_FAILED', say('sip.unusableContact', { uri: o.target.uri, why: err.message }), {
        status: rs.status,
      });
      return;
    }
    const dialog = Dialog.asUac(req, rs, o.target.transport, this.#core.contact(o.target.transport));
    const ackSeq = req.headers.cseq!.seq;
    const sdp = contentType(rs) === 'application/sdp' ? bodyText(rs) : '';
    const call = new Call({
      core: this.#core,
      dialog,
      direction: 'outgoing',
      localSdp: o.sdpOffer,
      remoteSdp: sdp,
      credentials: o.credentials,
      endpointId: o.endpointId,
      sessionTimer: uacSessionTimerResult(rs, this.#core.config.sessionTimer),
      remoteAllow: tokens(rs, 'allow'),
      ack: () => this.#core.sendAck(dialog.request('ACK', { seq: ackSeq })),
    });
    this.#call = call;
    call.reAck();
    this.#done = true;
    this.#core.clock.clearTimeout(this.#ringTimer);
    o.onProgress?.({ state: 'connected', status: rs.status! });
    this.#resolve(call);
  }

  #ackAndBye(req: SipMessage, rs: SipMessage): void {
    try {
      const d = Dialog.asUac(req, rs, this.#o.target.transport, this.#core.contact(this.#o.target.transport));
      this.#core.sendAck(d.request('ACK', { seq: req.headers.cseq!.seq }));
      this.#core.send(d.request('BYE'), () => undefined);
    } catch (e) {
      this.#core.log.warn({ callId: this.#callId, err: (e as Error).message }, 'cannot end an unwanted answer');
    }
  }

  #sendCancel(): void {
    if (this.#cancelSent) return;
    this.#cancelSent = true;
    const inv = this.#invite;
    const via = inv.headers.via?.[0];
    if (!via) return;
    const cancel: SipMessage = {
      method: 'CANCEL',
      uri: inv.uri,
      headers: {
        via: [{ ...via, params: { ...via.params } }],
        to: inv.headers.to,
        from: inv.headers.from,
        'call-id': this.#callId,
        cseq: { seq: inv.headers.cseq!.seq, method: 'CANCEL' },
        'max-forwards': '70',
        ...(inv.headers.route ? { route: inv.headers.route } : {}),
      },
    };
    this.#core.send(cancel, () => undefined);
  }

  #fail(code: 'SIP_FAILED' | 'SIP_TIMEOUT', message: string, details: Record<string, unknown>): void {
    if (this.#done) return;
    this.#done = true;
    this.#core.clock.clearTimeout(this.#ringTimer);
    this.#o.onProgress?.({
      state: 'failed',
      reason: String(details.reason ?? message),
      ...(typeof details.status === 'number' ? { status: details.status } : {}),
    });
    this.#reject(new VcError(code, message, details));
  }
}
