// One connected call of a site with its media leg: the call's and the leg's events wired to each
// other and to the conference's media (renegotiation, keyframe requests both ways, DTMF from either
// path), DTMF sent the way the room negotiated, and the teardown (media off, BYE). Participant owns
// the states and the redial policy; it makes one LiveCall per connected attempt and hears from it
// by events.
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { SipMediaLeg } from '../media/SipMediaLeg.js';
import type { NegotiatedMedia } from '../media/types.js';
import { srtpLabel } from '../media/srtp/SrtpKeys.js';
import type { CallEnded, ParticipantMediaHooks, SignalCall } from './Signalling.js';

type LiveCallEvents = {
  /** The dialog is over (BYE either way, session timer, transport failure). */
  ended: [CallEnded];
  /** The media that counts went silent: the audio, or the video of a call without audio. */
  silent: [{ silentMs: number }];
  /** A DTMF digit from the room, by RFC 4733 (in its audio) or SIP INFO. */
  dtmf: [{ digit: string; via: 'rfc4733' | 'info' }];
};

export interface LiveCallOptions {
  /** The participant's (endpoint's) id, as the media hooks know it. */
  id: string;
  call: SignalCall;
  leg: SipMediaLeg;
  media: ParticipantMediaHooks;
  log: Logger;
}

export class LiveCall extends TypedEmitter<LiveCallEvents> {
  readonly id: string;
  readonly call: SignalCall;
  readonly leg: SipMediaLeg;
  readonly #media: ParticipantMediaHooks;
  readonly #log: Logger;
  readonly #off: () => void;
  #closed = false;

  constructor(o: LiveCallOptions) {
    super();
    this.id = o.id;
    this.call = o.call;
    this.leg = o.leg;
    this.#media = o.media;
    this.#log = o.log;
    const { call, leg } = o;
    const onEnded = (e: CallEnded): void => void this.emit('ended', e);
    const onMedia = (m: NegotiatedMedia): void => {
      void this.applyRemote(m).catch((err: unknown) => this.#log.warn({ err }, 'cannot apply renegotiated media'));
    };
    const onKeyframe = (): void => this.#media.keyframeWanted(this.id);
    const onTimeout = (e: { kind: string; silentMs: number }): void => {
      if (e.kind !== 'audio' && leg.remote?.audio?.port) return;
      this.emit('silent', { silentMs: e.silentMs });
    };
    const onLegKeyframe = (e: { rtcpFeedback: boolean }): void => {
      if (!e.rtcpFeedback) call.requestKeyframe();
    };
    const onInfoDtmf = (d: { digit: string }): void => void this.emit('dtmf', { digit: d.digit, via: 'info' });
    const onRtpDtmf = (d: { digit: string }): void => void this.emit('dtmf', { digit: d.digit, via: 'rfc4733' });
    call.on('ended', onEnded);
    call.on('media', onMedia);
    call.on('keyframeRequest', onKeyframe);
    leg.on('rtpTimeout', onTimeout);
    leg.on('keyframeRequest', onLegKeyframe);
    call.on('dtmf', onInfoDtmf);
    leg.on('dtmf', onRtpDtmf);
    this.#off = () => {
      call.off('dtmf', onInfoDtmf);
      leg.off('dtmf', onRtpDtmf);
      call.off('ended', onEnded);
      call.off('media', onMedia);
      call.off('keyframeRequest', onKeyframe);
      leg.off('rtpTimeout', onTimeout);
      leg.off('keyframeRequest', onLegKeyframe);
    };
  }

  /** What the call agreed, for the call record and the log. */
  agreed(): { audio: string | null; video: string | null; srtp: string | null } {
    const remote = this.call.remote;
    return { audio: codecOf(remote.audio), video: codecOf(remote.video), srtp: srtpLabel(remote) };
  }

  /** The room's (re)negotiated media: into the leg, then the conference refreshes what it consumes. */
  async applyRemote(remote: NegotiatedMedia): Promise<void> {
    await this.leg.setRemote(remote);
    await this.#media.renegotiated(this.id);
  }

  /** After a media rebuild: re-INVITE with our (same) addresses, apply the answer, ask for a keyframe. */
  async reinvite(): Promise<void> {
    const remote = await this.call.reinvite(this.leg.localDescription());
    if (this.#closed) return;
    await this.applyRemote(remote);
    this.leg.requestKeyFrame();
  }

  /** DTMF the way the room negotiated it: RFC 4733 in the audio, else SIP INFO. Resolves with the way. */
  async sendDtmf(digits: string): Promise<'RFC 4733' | 'SIP INFO'> {
    if (this.leg.remote?.audio?.telephoneEventPt !== undefined) {
      await this.leg.sendDtmf(digits);
      return 'RFC 4733';
    }
    await this.call.sendDtmfInfo(digits);
    return 'SIP INFO';
  }

  /** Stop the media and (optionally) BYE the call. Returns the BYE's promise (a failure is logged). */
  close(reason: string, sendBye: boolean): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#off();
    this.#media.detach(this.id);
    this.leg.close();
    if (!sendBye) return Promise.resolve();
    return Promise.resolve(this.call.hangup(reason)).catch((err: unknown) => this.#log.warn({ err }, 'BYE failed'));
  }
}

function codecOf(s: NegotiatedMedia['audio']): string | null {
  return s && s.port !== 0 ? s.codec : null;
}
