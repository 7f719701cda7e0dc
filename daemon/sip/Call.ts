// An established SIP call (one dialog), dialled by us or answered by us. Owns the dialog's
// timers: 2xx retransmission until ACK, session timer (RFC 4028), maximum call duration.
// In-dialog requests from the peer are handled in CallInbound.ts, those we send (but BYE) in
// CallOutbound.ts.
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { Logger } from '../util/logger.js';
import type { Timer } from '../util/clock.js';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { SipMessage } from './sipLibrary.js';
import type { DialogHandler, SipCore } from './SipCore.js';
import type { Dialog } from './Dialog.js';
import type { DigestCredentials } from './digest.js';
import { sendRequest } from './requests.js';
import { Retransmitter } from './Retransmitter.js';
import { SessionTimer, type SessionTimerState } from './SessionTimer.js';
import { isDtmfDigits } from './dtmf.js';
import { originOf, setOriginVersion, telephoneEventOf } from './sdp.js';
import { answerText, bodyText, contentType, parseUri, uriString, type SipSource } from './message.js';
import { CallInbound, type RemoteOffer } from './CallInbound.js';
import { CallOutbound } from './CallOutbound.js';
import type { CallEnded, CallEvents, CallInit, CallProgress, DtmfRtpSender, InfoMessage } from './callTypes.js';

export type { CallProgress, CallEnded, InfoMessage, CallEvents, CallInit, DtmfRtpSender, RemoteOffer };

export class Call extends TypedEmitter<CallEvents> implements DialogHandler {
  readonly direction: 'outgoing' | 'incoming';
  readonly endpointId?: string;
  readonly source?: SipSource;
  readonly startedAt: number;
  /** Set by the media layer to send RFC 4733 DTMF; without it DTMF goes by SIP INFO. */
  dtmfRtpSender?: DtmfRtpSender;

  readonly #core: SipCore;
  readonly #dialog: Dialog;
  readonly #log: Logger;
  readonly #credentials?: DigestCredentials;
  readonly #timer: SessionTimer;
  readonly #inbound: CallInbound;
  readonly #outbound: CallOutbound;
  readonly #ack?: () => void;
  #retrans?: Retransmitter;
  #maxTimer: Timer | undefined;
  #localSdp: string;
  #remoteSdp: string;
  #state: 'confirming' | 'confirmed' | 'terminating' | 'ended' = 'confirmed';
  #hangupAfterAck?: string;
  /** The first ACK arrived (always true for calls we dialled). */
  #confirmedOnce = false;
  #confirmed: Promise<void>;
  #confirm!: { resolve: () => void; reject: (e: VcError) => void };

  constructor(init: CallInit) {
    super();
    this.#core = init.core;
    this.#dialog = init.dialog;
    this.direction = init.direction;
    this.endpointId = init.endpointId;
    this.source = init.source;
    this.#credentials = init.credentials;
    this.#localSdp = init.localSdp;
    this.#remoteSdp = init.remoteSdp;
    this.#ack = init.ack;
    this.startedAt = init.core.clock.now();
    this.#log = init.core.log.child({ callId: init.dialog.callId, endpoint: init.endpointId });
    this.#confirmed = new Promise((resolve, reject) => (this.#confirm = { resolve, reject }));
    this.#confirmed.catch(() => undefined); // observed through accept(); never unhandled here
    this.#timer = new SessionTimer({
      clock: init.core.clock,
      refresh: () => void this.#outbound.refreshSession(),
      expire: () => void this.#hangupQuietly('session-expired'),
    });
    this.#inbound = new CallInbound(this, this.#hooks());
    this.#outbound = new CallOutbound({
      core: init.core,
      dialog: init.dialog,
      log: this.#log,
      credentials: init.credentials,
      timer: this.#timer,
      ownsCallId: init.direction === 'outgoing',
      remoteAllow: init.remoteAllow ?? [],
      confirmed: () => this.#state === 'confirmed',
      localSdp: () => this.#localSdp,
      inboundBusy: () => this.#inbound.busy,
      assertActive: (what) => this.#assertActive(what),
      hangupQuietly: (reason) => this.#hangupQuietly(reason),
    });
    init.core.addDialog(init.dialog.key, this);
    if (init.awaitAck) {
      this.#startAckWait(init.awaitAck);
    } else {
      this.#confirmedOnce = true;
      this.#confirm.resolve();
    }
    this.#timer.arm(init.sessionTimer);
    this.#maxTimer = init.core.clock.setTimeout(
      () => void this.#hangupQuietly('max-duration'),
      init.core.config.maxCallSeconds * 1000,
    );
  }

  get callId(): string {
    return this.#dialog.callId;
  }
  get localSdp(): string {
    return this.#localSdp;
  }
  get remoteSdp(): string {
    return this.#remoteSdp;
  }
  /** @internal The peer's dialog tag. */
  get remoteTag(): string {
    return this.#dialog.remoteTag;
  }
  get remoteUri(): string {
    return uriString(this.#dialog.remote.uri);
  }
  get localUri(): string {
    return uriString(this.#dialog.local.uri);
  }
  /** 'ended' from the moment 'ended' is emitted (our BYE may still be on its way). */
  get state(): 'confirming' | 'confirmed' | 'ended' {
    return this.#state === 'terminating' ? 'ended' : this.#state;
  }
  get sessionTimer(): SessionTimerState | undefined {
    return this.#timer.state;
  }
  /** Resolves when the call is confirmed (ACK received, for calls we answered). */
  get confirmed(): Promise<void> {
    return this.#confirmed;
  }

  onRequest(req: SipMessage, src: SipSource): void {
    this.#inbound.onRequest(req, src);
  }

  /** The address the call came from, or the host of the peer's current Contact (an IP). */
  isPeer(src: SipSource): boolean {
    if (this.source && this.source.address === src.address) return true;
    const host = parseUri(this.#dialog.remoteTarget)?.host;
    return host !== undefined && host === src.address;
  }

  /** @internal (Re-)send the ACK of the initial 2xx (calls we dialled). */
  reAck(): void {
    if (this.#state === 'ended') return;
    try {
      this.#ack?.();
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'cannot send the ACK');
    }
  }

  /** Re-offer (e.g. new media addresses after a media worker died); resolves with the remote answer. */
  async reinvite(sdp: string): Promise<string> {
    this.#assertActive('re-INVITE');
    if (this.#outbound.busy || this.#inbound.busy)
      throw new VcError('SIP_FAILED', say('sip.reinviteBusy', { callId: this.callId }));
    const cur = originOf(this.#localSdp);
    const next = originOf(sdp);
    const offer = cur && next && next.version <= cur.version ? setOriginVersion(sdp, cur.version + 1) : sdp;
    const rs = await this.#outbound.reinvite(offer);
    const st = rs.status ?? 0;
    if (st >= 200 && st < 300) {
      this.#localSdp = offer;
      const answer = bodyText(rs);
      if (answer && contentType(rs) === 'application/sdp') this.#setRemoteSdp(answer);
      return this.#remoteSdp;
    }
    if (st === 408 || st === 481) await this.#hangupQuietly(st === 408 ? 'reinvite-timeout' : 'dialog-gone');
    throw new VcError(
      st === 408 ? 'SIP_TIMEOUT' : 'SIP_FAILED',
      say('sip.reinviteFailed', { callId: this.callId, answer: answerText(st, rs.reason) }),
      { status: st },
    );
  }

  /** End the call with BYE. Rejects with VcError when the BYE could not be sent (the call ends anyway). */
  async hangup(reason = 'normal'): Promise<void> {
    if (this.#state === 'ended' || this.#state === 'terminating') return;
    if (this.#state === 'confirming') {
      // RFC 3261 15: no BYE before the ACK of our 2xx (or its timeout)
      this.#hangupAfterAck = reason;
      return;
    }
    this.#state = 'terminating';
    this.#finish('local', reason);
    let rs: SipMessage;
    try {
      rs = await sendRequest(
        this.#core,
        () => this.#dialog.request('BYE', { headers: { 'user-agent': this.#core.config.userAgent } }),
        {
          credentials: this.#credentials,
          timeoutMs: 64 * this.#core.config.timers.t1,
        },
      );
    } catch (e) {
      throw new VcError(
        'SIP_FAILED',
        say('sip.byeNotSent', { callId: this.callId, detail: (e as Error).message }),
        undefined,
        { cause: e },
      );
    } finally {
      this.#state = 'ended';
      this.#core.removeDialog(this.#dialog.key, this);
    }
    if (rs.local && rs.status !== 408) {
      throw new VcError(
        'SIP_FAILED',
        say('sip.byeFailed', {
          callId: this.callId,
          target: this.#dialog.remoteTarget,
          detail: rs.transportError ?? rs.resolveError ?? answerText(rs.status ?? 0, rs.reason),
        }),
        { status: rs.status },
      );
    }
  }

  /** Send DTMF: 'rfc4733' needs a negotiated telephone-event and a dtmfRtpSender; 'auto' falls back to INFO. */
  async sendDtmf(digits: string, { method = 'auto' }: { method?: 'rfc4733' | 'info' | 'auto' } = {}): Promise<void> {
    if (!isDtmfDigits(digits)) throw new VcError('USAGE', say('sip.dtmfDigits', { digits }));
    this.#assertActive('DTMF');
    const te = telephoneEventOf(this.#remoteSdp);
    if (method !== 'info' && te && this.dtmfRtpSender) return this.dtmfRtpSender(digits, te);
    if (method === 'rfc4733') {
      throw new VcError(
        'SIP_FAILED',
        te ? say('sip.dtmfNoSender') : say('sip.noTelephoneEvent', { callId: this.callId }),
      );
    }
    await this.#outbound.dtmfInfo(digits);
  }

  /** Ask the far end for a key frame (SIP INFO picture_fast_update, RFC 5168). */
  requestKeyframe(): Promise<void> {
    return this.#outbound.requestKeyframe();
  }

  /** Send an INFO in the dialog; resolves with the final response. */
  sendInfo(type: string, body: string): Promise<SipMessage> {
    return this.#outbound.info(type, body);
  }

  #assertActive(what: string): void {
    if (this.#state === 'ended' || this.#state === 'terminating')
      throw new VcError('SIP_FAILED', say('sip.callEnded', { what, callId: this.callId }));
  }

  #hooks(): ConstructorParameters<typeof CallInbound>[1] {
    return {
      core: this.#core,
      dialog: this.#dialog,
      state: () => this.#state,
      localSdp: () => this.#localSdp,
      remoteSdp: () => this.#remoteSdp,
      reinviteBusy: () => this.#outbound.busy,
      onAck: (ack) => this.#onAck(ack),
      onBye: () => {
        if (this.#state === 'ended') return;
        const was = this.#state;
        this.#state = 'ended';
        this.#core.removeDialog(this.#dialog.key, this);
        if (was !== 'terminating') this.#finish('remote', 'bye');
      },
      answered: (localSdp, remoteSdp, timer, response) => {
        this.#localSdp = localSdp;
        if (remoteSdp !== undefined && remoteSdp !== this.#remoteSdp) this.#setRemoteSdp(remoteSdp);
        if (timer !== undefined) this.#timer.arm(timer);
        if (response) this.#startAckWait(response);
      },
      refreshed: (timer) => this.#timer.arm(timer ?? this.#timer.state),
      setRemoteSdp: (sdp) => this.#setRemoteSdp(sdp),
    };
  }

  #setRemoteSdp(sdp: string): void {
    this.#remoteSdp = sdp;
    this.emit('remoteSdp', sdp);
  }

  #startAckWait(response: SipMessage): void {
    this.#retrans?.stop();
    // a re-INVITE we answered uses the same machinery; the call stays confirmed meanwhile
    if (!this.#confirmedOnce) this.#state = 'confirming';
    this.#retrans = new Retransmitter({
      clock: this.#core.clock,
      timers: this.#core.config.timers,
      reliable: this.#dialog.transport !== 'udp',
      resend: () => this.#core.respond(response),
      giveUp: () => {
        this.#log.warn('no ACK for our 2xx within 64*T1; ending the call');
        if (!this.#confirmedOnce) {
          this.#confirm.reject(new VcError('SIP_TIMEOUT', say('sip.noAck', { callId: this.callId })));
          this.#state = 'confirmed';
        }
        void this.#hangupQuietly(this.#hangupAfterAck ?? 'no-ack');
      },
    });
    this.#retrans.start();
  }

  #onAck(ack: SipMessage): void {
    if (!this.#retrans?.running) return;
    this.#retrans.stop();
    const sdp = contentType(ack) === 'application/sdp' ? bodyText(ack) : '';
    if (sdp) this.#setRemoteSdp(sdp);
    if (!this.#confirmedOnce) {
      this.#confirmedOnce = true;
      this.#state = 'confirmed';
      this.#confirm.resolve();
      this.emit('progress', { state: 'connected', status: 200 });
      if (this.#hangupAfterAck !== undefined) void this.#hangupQuietly(this.#hangupAfterAck);
    }
  }

  async #hangupQuietly(reason: string): Promise<void> {
    try {
      await this.hangup(reason);
    } catch (e) {
      this.#log.warn({ err: (e as Error).message, reason }, 'BYE failed');
    }
  }

  #finish(by: 'local' | 'remote', reason: string, status?: number): void {
    this.#retrans?.stop();
    this.#timer.stop();
    this.#core.clock.clearTimeout(this.#maxTimer);
    this.#inbound.close();
    if (!this.#confirmedOnce && this.direction === 'incoming')
      this.#confirm.reject(
        new VcError(
          'SIP_FAILED',
          reason === 'bye'
            ? say('sip.endedUnconfirmedBye', { callId: this.callId })
            : say('sip.endedUnconfirmed', { callId: this.callId, reason }),
        ),
      );
    this.#log.debug({ by, reason }, 'call ended');
    this.emit('ended', status === undefined ? { by, reason } : { by, reason, status });
  }
}
