// One site in a conference and its call leg: dialling (or accepting its dial-in), the media leg,
// the call record, and the redial policy (a connected call and its media leg are a LiveCall). States:
//
//   idle ─dial─▶ calling ─180─▶ ringing ─200─▶ connected ─drop─▶ redialing ─timer─▶ calling …
//                   └──────────── failure ──────────────────────▶ redialing | failed (permanent)
//   any ─operator hangup─▶ hungup        any ─conference end─▶ ended
//
// Every attempt has a generation number: whatever an older attempt's promises deliver after a newer
// one began (or the participant was hung up) is cleaned up and otherwise ignored.
import type { Endpoint } from '../config/schema.js';
import type { CdrRepo } from '../store/CdrRepo.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError, toVcError } from '../errors.js';
import { reason, say, type LegState, type LegStats, type Reason } from '../../protocol/index.js';
import type { RelayPortPool } from '../media/RelayPortPool.js';
import type { MediaPlane } from '../media/plane/MediaPlane.js';
import { SipMediaLeg } from '../media/SipMediaLeg.js';
import type { LegStatsSample } from '../media/LegStats.js';
import type { types as ms } from 'mediasoup';
import { toApiStats } from './statsView.js';
import { CallRecord } from './CallRecord.js';
import { failureReason, isPermanentFailure, redialDelayMs, STABLE_CALL_MS } from './redial.js';
import { LiveCall } from './LiveCall.js';
import type {
  DialFailureDetails,
  IncomingSignal,
  ParticipantMediaHooks,
  SignalCall,
  Signalling,
} from './Signalling.js';

export interface ParticipantDeps {
  conferenceId: string;
  endpoint: Endpoint;
  signalling: Signalling;
  ports: RelayPortPool;
  /** Carry the leg's audio on the media plane worker. */
  plane?: MediaPlane;
  router(): ms.Router;
  announcedAddress: string;
  cdr: CdrRepo;
  log: Logger;
  clock: Clock;
  rtpTimeoutMs: number;
  /** Wait after the answer before sending the upstream's DTMF PIN (its voice prompt). */
  pinDelayMs: number;
  media: ParticipantMediaHooks;
}

type ParticipantEvents = {
  /** State or figures changed: publish the participant again. */
  changed: [];
  /** Something an operator wants to read in the conference's event log. */
  event: [Reason | string];
  /** A DTMF digit from the room, by RFC 4733 (in its audio) or SIP INFO. */
  dtmf: [{ digit: string; via: 'rfc4733' | 'info' }];
};

const BYE_WAIT_MS = 2000;

export class Participant extends TypedEmitter<ParticipantEvents> {
  readonly id: string;
  readonly endpoint: Endpoint;
  readonly #d: ParticipantDeps;
  readonly #log: Logger;
  #state: LegState = 'idle';
  #reason: string | undefined;
  #direction: 'out' | 'in' = 'out';
  #attempts = 0;
  #failures = 0;
  #gen = 0;
  #abort: AbortController | undefined;
  #timer: Timer | undefined;
  #nextRedialAt: number | undefined;
  #connectedAt: number | undefined;
  #live: LiveCall | undefined;
  readonly #record: CallRecord;
  #stats: LegStats | undefined;

  constructor(d: ParticipantDeps) {
    super();
    this.#d = d;
    this.id = d.endpoint.id;
    this.endpoint = d.endpoint;
    this.#log = d.log.child({ component: 'conference.leg', conferenceId: d.conferenceId, endpoint: this.id });
    this.#record = new CallRecord({ cdr: d.cdr, clock: d.clock, conferenceId: d.conferenceId, endpointId: this.id });
  }

  get state(): LegState {
    return this.#state;
  }
  get reason(): string | undefined {
    return this.#reason;
  }
  get direction(): 'out' | 'in' {
    return this.#direction;
  }
  get attempts(): number {
    return this.#attempts;
  }
  get connectedAt(): number | undefined {
    return this.#connectedAt;
  }
  get nextRedialAt(): number | undefined {
    return this.#nextRedialAt;
  }
  get stats(): LegStats | undefined {
    return this.#stats;
  }
  get leg(): SipMediaLeg | undefined {
    return this.#live?.leg;
  }
  get callId(): string | undefined {
    return this.#live?.call.callId;
  }
  get connected(): boolean {
    return this.#state === 'connected';
  }
  /** Still part of the meeting (not hung up by the operator, not ended). */
  get wanted(): boolean {
    return this.#state !== 'hungup' && this.#state !== 'ended';
  }

  /** Dial now (first dial, operator redial). No-op while a call is up or being set up. */
  dial(): void {
    if (this.#state === 'ended') throw new VcError('CONFERENCE_ENDED', say('err.participantEnded', { id: this.id }));
    if (this.#state === 'calling' || this.#state === 'ringing' || this.#state === 'connected') return;
    const gen = this.#begin();
    this.#direction = 'out';
    void this.#dialOut(gen);
  }

  /** The room dialled in: take this call instead of whatever was going on. */
  acceptIncoming(sig: IncomingSignal): void {
    const gen = this.#begin();
    this.#direction = 'in';
    void this.#dialIn(gen, sig);
  }

  /** Operator hang-up: BYE and no redial until dialled again. */
  async hangup(reason = say('leg.hungUpByOperator')): Promise<void> {
    await this.#stop('hungup', reason);
  }

  /** The conference ends: BYE, and this participant is finished. */
  async end(reason: string): Promise<void> {
    await this.#stop('ended', reason);
  }

  /** After a worker death the media moved to a new router: send our (same) addresses again. */
  async reinvite(): Promise<void> {
    const live = this.#live;
    if (!live || this.#state !== 'connected') return;
    const gen = this.#gen;
    try {
      await live.reinvite();
    } catch (err) {
      if (gen !== this.#gen) return;
      this.#log.warn({ err }, 're-INVITE after a media rebuild failed');
      this.#dropped(say('leg.reinviteFailed', { reason: failureReason(err) }), true);
    }
  }

  /** A stats sample of this leg (every 2 s): kept for the view and the CDR summary. */
  recordStats(sample: LegStatsSample): LegStats {
    const s = toApiStats(sample);
    this.#stats = s;
    this.#record.sample(s);
    return s;
  }

  /** Forget whatever attempt or redial timer is in flight: its late results are ignored (#gen). */
  #cancelPending(): void {
    this.#gen++;
    this.#abort?.abort();
    this.#abort = undefined;
    this.#d.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextRedialAt = undefined;
  }

  #begin(): number {
    this.#cancelPending();
    // the BYE goes out in the background (its failure is logged in #teardown)
    if (this.#live) void this.#teardown('replaced by a new call', true);
    this.#attempts++;
    return this.#gen;
  }

  async #dialOut(gen: number): Promise<void> {
    const ep = this.#d.endpoint;
    const startedAt = this.#d.clock.now();
    let leg: SipMediaLeg | undefined;
    let callId: string | undefined;
    const abort = new AbortController();
    this.#abort = abort;
    this.#set('calling', undefined);
    try {
      if (ep.register) {
        // The upstream wants us registered before it takes our call (and again after a drop).
        await this.#d.signalling.register(ep);
        if (gen !== this.#gen) return;
      }
      leg = await this.#createLeg();
      if (gen !== this.#gen) return leg.close();
      const call = await this.#d.signalling.dial({
        endpoint: ep,
        local: leg.localDescription(),
        signal: abort.signal,
        onProgress: (p) => {
          if (gen !== this.#gen) return;
          if (p.callId && callId === undefined) {
            callId = p.callId;
            this.#record.start(p.callId, 'out', startedAt);
          }
          if (p.state === 'ringing' && this.#state === 'calling') this.#set('ringing', undefined);
        },
      });
      if (gen !== this.#gen) {
        leg.close();
        await call.hangup('cancelled');
        return;
      }
      if (callId === undefined) {
        callId = call.callId;
        this.#record.start(call.callId, 'out', startedAt);
      }
      await this.#connect(gen, call, leg);
    } catch (err) {
      if (!this.#cleanupFailed(gen, leg, err)) return;
      const details = (toVcError(err).details ?? {}) as DialFailureDetails;
      if (callId === undefined) this.#record.start(details.callId ?? '', 'out', startedAt);
      this.#failed(err);
    }
  }

  async #dialIn(gen: number, sig: IncomingSignal): Promise<void> {
    const startedAt = this.#d.clock.now();
    let leg: SipMediaLeg | undefined;
    this.#set('ringing', undefined);
    this.#record.start(sig.callId, 'in', startedAt);
    try {
      sig.ring();
      leg = await this.#createLeg();
      if (gen !== this.#gen) {
        leg.close();
        sig.reject(486, 'Busy Here');
        return;
      }
      const call = await sig.accept(leg.localDescription(), this.#d.endpoint);
      if (gen !== this.#gen) {
        leg.close();
        await call.hangup('superseded');
        return;
      }
      await this.#connect(gen, call, leg);
    } catch (err) {
      if (this.#cleanupFailed(gen, leg, err)) this.#failed(err);
    }
  }

  /** After a failed attempt: free its media (and BYE a call that was answered). False when stale. */
  #cleanupFailed(gen: number, leg: SipMediaLeg | undefined, err: unknown): boolean {
    if (gen !== this.#gen) {
      leg?.close();
      return false;
    }
    if (leg && this.#live?.leg === leg) void this.#teardown(failureReason(err), true);
    else leg?.close();
    return true;
  }

  #createLeg(): Promise<SipMediaLeg> {
    return SipMediaLeg.create({
      id: this.id,
      router: this.#d.router(),
      ports: this.#d.ports,
      ...(this.#d.plane ? { plane: this.#d.plane } : {}),
      log: this.#d.log,
      clock: this.#d.clock,
      announcedAddress: this.#d.announcedAddress,
      rtpTimeoutMs: this.#d.rtpTimeoutMs,
    });
  }

  async #connect(gen: number, call: SignalCall, leg: SipMediaLeg): Promise<void> {
    const router = this.#d.router();
    // A worker may have died while we dialled: build the media where the conference is now.
    if (leg.router !== router) await leg.moveTo(router);
    const live = new LiveCall({ id: this.id, call, leg, media: this.#d.media, log: this.#log });
    live
      .on('ended', (e) => {
        if (gen === this.#gen)
          this.#dropped(e.by === 'remote' ? say('leg.endedBySite', { reason: e.reason }) : e.reason, false);
      })
      .on('silent', (e) => {
        if (gen === this.#gen) this.#dropped(say('leg.noRtp', { seconds: Math.round(e.silentMs / 1000) }), true);
      })
      .on('dtmf', (d) => {
        if (gen === this.#gen) this.emit('dtmf', d);
      });
    this.#live = live;
    await leg.setRemote(call.remote);
    if (gen !== this.#gen) return;
    this.#connectedAt = this.#d.clock.now();
    const agreed = live.agreed();
    this.#record.answered(this.#connectedAt, agreed);
    await this.#d.media.attach(this.id, leg);
    if (gen !== this.#gen) return;
    this.#set('connected', undefined);
    this.emit('event', reason('ev.joined', { id: this.id }));
    this.#log.info({ callId: call.callId, direction: this.#direction, ...agreed }, 'leg connected');
    if (this.#d.endpoint.pin) this.#sendPin(gen, this.#d.endpoint.pin);
  }

  #sendPin(gen: number, pin: string): void {
    this.#d.clock.setTimeout(() => {
      const live = this.#live;
      if (gen !== this.#gen || !live) return;
      live.sendDtmf(pin).then(
        (via) => this.emit('event', reason('ev.pinSent', { id: this.id, via })),
        (err: unknown) => {
          this.#log.warn({ err }, 'sending the PIN failed');
          this.emit('event', reason('ev.pinFailed', { id: this.id, reason: failureReason(err) }));
        },
      );
    }, this.#d.pinDelayMs);
  }

  /** A connected call went away (BYE, no RTP, failed re-INVITE): record it and redial. */
  #dropped(why: string, sendBye: boolean): void {
    const stable = this.#connectedAt !== undefined && this.#d.clock.now() - this.#connectedAt >= STABLE_CALL_MS;
    if (stable) this.#failures = 0;
    this.#gen++;
    void this.#teardown(why, sendBye);
    this.#log.warn({ reason: why }, 'leg dropped');
    this.emit('event', reason('ev.dropped', { id: this.id, reason: why }));
    this.#scheduleRedial(why);
  }

  #failed(err: unknown): void {
    const why = failureReason(err);
    this.#record.close(why);
    this.#log.warn({ err: toVcError(err) }, 'dial failed');
    if (isPermanentFailure(err)) {
      this.#set('failed', why);
      this.emit('event', reason('ev.failedFinal', { id: this.id, reason: why }));
      return;
    }
    this.emit('event', reason('ev.failed', { id: this.id, reason: why }));
    this.#scheduleRedial(why);
  }

  #scheduleRedial(why: string): void {
    this.#failures++;
    const delay = redialDelayMs(this.#failures);
    this.emit(
      'event',
      reason('ev.redial', { id: this.id, seconds: Math.round(delay / 1000), attempt: this.#failures + 1 }),
    );
    this.#nextRedialAt = this.#d.clock.now() + delay;
    const gen = this.#gen;
    this.#timer = this.#d.clock.setTimeout(() => {
      if (gen !== this.#gen || this.#state !== 'redialing') return;
      this.#timer = undefined;
      const g = this.#begin();
      this.#direction = 'out';
      void this.#dialOut(g);
    }, delay);
    this.#set('redialing', why);
  }

  async #stop(state: 'hungup' | 'ended', reason: string): Promise<void> {
    if (this.#state === 'ended') return;
    this.#cancelPending();
    const bye = this.#teardown(reason, true);
    this.#record.close(reason);
    this.#set(state, reason);
    // a BYE to a room that is gone runs 32 s; answer the operator sooner, it carries on alone
    let timer: Timer | undefined;
    await Promise.race([
      bye,
      new Promise<void>((resolve) => {
        timer = this.#d.clock.setTimeout(resolve, BYE_WAIT_MS);
      }),
    ]);
    this.#d.clock.clearTimeout(timer);
  }

  /** Stop the media and (optionally) BYE the call; closes the CDR. Returns the BYE's promise. */
  #teardown(reason: string, sendBye: boolean): Promise<void> {
    const live = this.#live;
    this.#live = undefined;
    this.#connectedAt = undefined;
    this.#stats = undefined;
    const bye = live ? live.close(reason, sendBye) : Promise.resolve();
    this.#record.close(reason);
    return bye;
  }

  #set(state: LegState, reason: string | undefined): void {
    this.#state = state;
    this.#reason = reason;
    if (state !== 'redialing') this.#nextRedialAt = undefined;
    this.emit('changed');
  }
}
