// Requests the peer sends inside an established call: ACK, BYE, re-INVITE / UPDATE (re-offer or
// session refresh), INFO (DTMF, key frame requests), OPTIONS. Answers them and reports to the
// Call through hooks (the Call keeps its state private).
import type { Timer } from '../util/clock.js';
import { makeResponse, type SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import type { Dialog } from './Dialog.js';
import type { Call } from './Call.js';
import { uasSessionTimer, type SessionTimerState } from './SessionTimer.js';
import { isPictureFastUpdate, parseDtmfInfo } from './dtmf.js';
import { logNoDialog } from './noDialog.js';
import { originOf } from './sdp.js';
import { ACCEPT, ALLOW, SUPPORTED, bodyText, contentType, setBody, type SipSource } from './message.js';

/** A re-offer from the peer. Answer exactly once: accept(sdp) or reject(). */
export interface RemoteOffer {
  readonly sdp: string;
  readonly method: 'INVITE' | 'UPDATE';
  accept(answerSdp: string): void;
  reject(status?: number, reason?: string): void;
}

export interface InboundHooks {
  core: SipCore;
  dialog: Dialog;
  state(): 'confirming' | 'confirmed' | 'terminating' | 'ended';
  localSdp(): string;
  remoteSdp(): string;
  reinviteBusy(): boolean;
  onAck(ack: SipMessage): void;
  onBye(): void;
  /** We answered an offer: new local/remote SDP, session timer, and (re-INVITE) the 2xx awaiting ACK. */
  answered(
    localSdp: string,
    remoteSdp: string | undefined,
    timer: SessionTimerState | undefined,
    response: SipMessage | undefined,
  ): void;
  refreshed(timer: SessionTimerState | undefined): void;
  setRemoteSdp(sdp: string): void;
}

/** How long the application may take to answer a re-offer before we answer 500 ourselves. */
const OFFER_ANSWER_MS = 30_000;

export class CallInbound {
  readonly #call: Call;
  readonly #h: InboundHooks;
  #pending: { timer: Timer | undefined } | undefined;

  constructor(call: Call, hooks: InboundHooks) {
    this.#call = call;
    this.#h = hooks;
  }

  /** A re-offer from the peer is waiting for the application's answer. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  close(): void {
    if (this.#pending) this.#h.core.clock.clearTimeout(this.#pending.timer);
  }

  onRequest(req: SipMessage, src: SipSource): void {
    const d = this.#h.dialog;
    if (req.method === 'ACK') {
      if (d.matches(req)) this.#h.onAck(req);
      return;
    }
    if (!d.matches(req) || this.#h.state() === 'ended') {
      logNoDialog(this.#h.core.log, req, src);
      return void this.#reply(req, 481, 'Call/Transaction Does Not Exist');
    }
    if (!d.acceptRemoteSeq(req)) return void this.#reply(req, 500, 'CSeq Out Of Order');
    switch (req.method) {
      case 'BYE':
        this.#reply(req, 200, 'OK');
        this.#h.onBye();
        return;
      case 'INVITE':
      case 'UPDATE':
        return this.#onOffer(req, req.method);
      case 'INFO':
        return this.#onInfo(req);
      case 'OPTIONS':
        return void this.#reply(req, 200, 'OK', { allow: ALLOW, accept: ACCEPT, supported: SUPPORTED });
      default:
        return void this.#reply(req, 405, 'Method Not Allowed', { allow: ALLOW });
    }
  }

  #reply(
    req: SipMessage,
    status: number,
    reason: string,
    headers: Record<string, unknown> = {},
    body?: string,
  ): SipMessage {
    const rs = makeResponse(req, status, reason, {
      headers: { 'user-agent': this.#h.core.config.userAgent, ...headers },
    });
    if (body !== undefined) setBody(rs, body, 'application/sdp');
    this.#h.core.respond(rs);
    return rs;
  }

  #onOffer(req: SipMessage, method: 'INVITE' | 'UPDATE'): void {
    const h = this.#h;
    if (h.state() === 'terminating') return void this.#reply(req, 481, 'Call/Transaction Does Not Exist');
    if (h.reinviteBusy()) return void this.#reply(req, 491, 'Request Pending');
    if (this.#pending)
      return void this.#reply(req, 500, 'Server Internal Error', {
        'retry-after': String(1 + Math.floor(Math.random() * 9)),
      });
    const st = uasSessionTimer(req, h.core.config.sessionTimer);
    if (st.reject) return void this.#reply(req, 422, 'Session Interval Too Small', { 'min-se': String(st.minSE) });
    h.dialog.refreshTarget(req);
    const offer = contentType(req) === 'application/sdp' ? bodyText(req) : '';
    const okHeaders = { contact: [h.dialog.contact], allow: ALLOW, supported: SUPPORTED, ...st.headers };

    if (!offer) {
      if (method === 'UPDATE') {
        this.#reply(req, 200, 'OK', okHeaders);
        h.refreshed(st.state);
        return;
      }
      // re-INVITE without SDP: we offer our current SDP in the 2xx, the answer comes in the ACK
      const rs = this.#reply(req, 200, 'OK', okHeaders, h.localSdp());
      h.answered(h.localSdp(), undefined, st.state, rs);
      return;
    }

    const answer = (sdp: string): void => {
      const rs = this.#reply(req, 200, 'OK', okHeaders, sdp);
      h.answered(sdp, offer, st.state, method === 'INVITE' ? rs : undefined);
    };
    const was = originOf(h.remoteSdp());
    const now = originOf(offer);
    if (was && now && was.sessionId === now.sessionId && was.version === now.version) {
      // same session version: a refresh, not a new offer (RFC 3264 8): answer as before
      answer(h.localSdp());
      return;
    }
    const pending: { timer: Timer | undefined } = { timer: undefined };
    this.#pending = pending;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      h.core.clock.clearTimeout(pending.timer);
      if (this.#pending === pending) this.#pending = undefined;
      return true;
    };
    pending.timer = h.core.clock.setTimeout(() => {
      if (settle()) this.#reply(req, 500, 'Server Internal Error');
    }, OFFER_ANSWER_MS);
    const remoteOffer: RemoteOffer = {
      sdp: offer,
      method,
      accept: (sdp) => {
        if (settle() && h.state() !== 'ended') answer(sdp);
      },
      reject: (status = 488, reason = 'Not Acceptable Here') => {
        if (settle()) this.#reply(req, status, reason);
      },
    };
    const deliver = (again: boolean): void => {
      if (settled) return;
      if (this.#call.listenerCount('reinvite') > 0) {
        this.#call.emit('reinvite', remoteOffer);
      } else if (again) {
        // the application may attach its listener when accept()/dial() resolves, a microtask
        // after an offer that came right behind the ACK: look once more on the next turn
        setImmediate(() => deliver(false));
      } else {
        h.core.log.warn(
          { callId: h.dialog.callId },
          're-offer from the peer refused: nobody handles re-INVITEs for this call',
        );
        remoteOffer.reject(488, 'Not Acceptable Here');
      }
    };
    deliver(true);
  }

  #onInfo(req: SipMessage): void {
    const type = contentType(req);
    const body = bodyText(req);
    this.#reply(req, 200, 'OK');
    const dtmf = parseDtmfInfo(type, body);
    if (dtmf) this.#call.emit('dtmf', { ...dtmf, via: 'info' });
    if (isPictureFastUpdate(type, body)) this.#call.emit('keyframeRequest');
    this.#call.emit('info', { contentType: type, body });
  }
}
