// One SIP Call as the conference sees it (SignalCall): media descriptions instead of SDP text,
// re-INVITEs in both directions answered with the leg's same relay ports.
import type { Endpoint } from '../../config/schema.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { toVcError } from '../../errors.js';
import type { Call, CallEnded, RemoteOffer } from '../../sip/Call.js';
import type { LocalMedia, NegotiatedMedia } from '../../media/types.js';
import { originOf } from '../../sip/sdp.js';
import { answerFor, negotiateFor, offerFor, toMediaNegotiated } from './sipMedia.js';
import type { LegSdes } from './sipSrtp.js';
import type { SignalCall, SignalCallEvents } from '../Signalling.js';

export class SipCall extends TypedEmitter<SignalCallEvents> implements SignalCall {
  readonly #call: Call;
  readonly #ep: Endpoint;
  readonly #log: Logger;
  readonly #sdes: LegSdes;
  #local: LocalMedia;
  #remote: NegotiatedMedia;
  #off: () => void;

  constructor(call: Call, ep: Endpoint, local: LocalMedia, remote: NegotiatedMedia, log: Logger, sdes: LegSdes) {
    super();
    this.#call = call;
    this.#ep = ep;
    this.#sdes = sdes;
    this.#local = local;
    this.#remote = remote;
    this.#log = log.child({ component: 'conference.sip', endpoint: ep.id, callId: call.callId });
    const onEnded = (e: CallEnded): void => {
      this.#off();
      this.emit('ended', { by: e.by, reason: e.reason, ...(e.status !== undefined ? { status: e.status } : {}) });
    };
    const onReinvite = (o: RemoteOffer): void => this.#answerReinvite(o);
    const onKeyframe = (): void => void this.emit('keyframeRequest');
    const onDtmf = (d: { digit: string }): void => void this.emit('dtmf', { digit: d.digit });
    call.on('ended', onEnded);
    call.on('dtmf', onDtmf);
    call.on('reinvite', onReinvite);
    call.on('keyframeRequest', onKeyframe);
    this.#off = () => {
      call.off('ended', onEnded);
      call.off('reinvite', onReinvite);
      call.off('keyframeRequest', onKeyframe);
      call.off('dtmf', onDtmf);
    };
  }

  get callId(): string {
    return this.#call.callId;
  }
  get remote(): NegotiatedMedia {
    return this.#remote;
  }

  async reinvite(local: LocalMedia): Promise<NegotiatedMedia> {
    const answer = await this.#call.reinvite(offerFor(this.#ep, local, this.#nextOrigin(), this.#sdes));
    this.#local = local;
    const neg = negotiateFor(this.#ep, answer);
    this.#sdes.takeAnswer(neg);
    this.#remote = toMediaNegotiated(neg, this.#sdes);
    return this.#remote;
  }

  async hangup(reason: string): Promise<void> {
    this.#off();
    try {
      await this.#call.hangup(reason);
    } catch (err) {
      // The call is over for us either way; the peer may simply be gone.
      this.#log.info({ err: toVcError(err).message }, 'BYE not confirmed');
    }
  }

  sendDtmfInfo(digits: string): Promise<void> {
    return this.#call.sendDtmf(digits, { method: 'info' });
  }

  requestKeyframe(): void {
    this.#call
      .requestKeyframe()
      .catch((err: unknown) => this.#log.debug({ err: toVcError(err).message }, 'picture_fast_update refused'));
  }

  /** Same o= session id as our last SDP, next version (RFC 3264 8). */
  #nextOrigin(): { sessionId?: string; version?: number } {
    const o = originOf(this.#call.localSdp);
    return o ? { sessionId: o.sessionId, version: o.version + 1 } : {};
  }

  /** The room re-offered (hold, codec change, new address): answer with our same ports. */
  #answerReinvite(o: RemoteOffer): void {
    try {
      const neg = negotiateFor(this.#ep, o.sdp);
      o.accept(answerFor(neg, this.#local, this.#nextOrigin(), this.#sdes));
      this.#remote = toMediaNegotiated(neg, this.#sdes);
      this.emit('media', this.#remote);
    } catch (err) {
      const e = toVcError(err);
      this.#log.warn({ err: e.message }, 're-INVITE from the room refused');
      o.reject(e.code === 'SDP_NO_COMMON_CODEC' || e.code === 'SDP_INVALID' ? 488 : 500);
    }
  }
}
