// N-1 audio mixer for SIP legs. Design:
//
//   SIP room ─▶ RtpRelay ─┬─▶ PlainTransport ─▶ Producer ─▶ (browsers consume it through mediasoup)
//                         └─▶ tap (in-process) ─▶ JitterBuffer ─┐
//   browser ─▶ WebRtcTransport ─▶ Producer ─▶ Consumer on the   │   every 20 ms: pop each source,
//              mixer's PlainTransport ─▶ mixer socket ─▶ JB ────┤   sum the unmuted ones, per SIP
//                                                               │   listener subtract its own frame,
//   SIP room ◀─ RtpRelay ◀── encoded mix (room's codec) ◀───────┘   soft-clip, encode, send
//
// Every SIP leg still produces its audio into the router, so browsers hear rooms through the SFU;
// the mixer takes SIP audio straight from the relay (one decode, no extra mediasoup hop each way) and
// browser audio (Opus) through one PlainTransport consuming their producers. Only SIP legs are
// listeners: browsers get per-source consumers from mediasoup. Internal format: 16 kHz mono, 20 ms
// (see codecs/AudioCodec.ts). Mute is a per-source flag: a muted source still drains its buffer.
// The 20 ms clock is a real timer (performance.now based), not the injectable Clock.
import type dgram from 'node:dgram';
import { mediaSocket } from './udp.js';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { VcError } from '../errors.js';
import { FRAME_MS, FRAME_SAMPLES, type AudioCodec } from './codecs/AudioCodec.js';
import { createAudioCodec } from './codecs/createAudioCodec.js';
import { JitterBuffer, type JitterStats } from './JitterBuffer.js';
import { SpeakerDetector, type SpeakerDetectorOptions } from './SpeakerDetector.js';
import { isRtcp, parseRtp, PROBATION_PT } from './rtp/packet.js';
import { plainConsumeCaps, producerCodec } from './mediaCodecs.js';
import type { SipMediaLeg } from './SipMediaLeg.js';

export interface AudioMixerOptions {
  log: Logger;
  /** Needed only for browser (producer) sources. */
  router?: ms.Router;
  speaker?: SpeakerDetectorOptions;
}

export interface MixerMemberStats extends JitterStats {
  id: string;
  codec: string;
  muted: boolean;
  dBov: number;
}

type MixerEvents = {
  activeSpeaker: [{ id: string; dBov: number }];
};

interface Member {
  id: string;
  codec: AudioCodec;
  jb: JitterBuffer;
  muted: boolean;
  frame: Int16Array | null;
  leg?: SipMediaLeg;
  untap?: () => void;
  consumer?: ms.Consumer;
}

const KNEE = 24576;
const MAX_CATCH_UP = 5;

let silence = new Int16Array(FRAME_SAMPLES * 3);
/** n samples of silence (read-only, shared). */
function zeros(n: number): Int16Array {
  if (n > silence.length) silence = new Int16Array(n);
  return silence.subarray(0, n);
}

function softClip(v: number): number {
  const a = v < 0 ? -v : v;
  if (a <= KNEE) return v;
  const y = KNEE + (32767 - KNEE) * Math.tanh((a - KNEE) / (32767 - KNEE));
  return v < 0 ? -Math.round(y) : Math.round(y);
}

export class AudioMixer extends TypedEmitter<MixerEvents> {
  readonly #log: Logger;
  readonly #members = new Map<string, Member>();
  readonly #bySsrc = new Map<number, Member>();
  readonly #speaker: SpeakerDetector;
  readonly #sum = new Int32Array(FRAME_SAMPLES);
  readonly #out = new Int16Array(FRAME_SAMPLES);
  readonly #everyone = new Int16Array(FRAME_SAMPLES);
  readonly #sharedFrames = new Map<string, Uint8Array>();
  readonly #sharedCodecs = new Map<string, AudioCodec>();
  #router: ms.Router | undefined;
  #tap: { socket: dgram.Socket; transport: ms.PlainTransport } | undefined;
  #tapPending: Promise<{ socket: dgram.Socket; transport: ms.PlainTransport }> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #t0 = 0;
  #ticks = 0;
  #lateTicks = 0;
  #busyMs = 0;
  #closed = false;
  /** Listeners of the full mix (everyone unmuted, nobody subtracted): the program feed's audio. */
  readonly #fullMix = new Set<(sum: Int32Array) => void>();

  constructor(o: AudioMixerOptions) {
    super();
    this.#log = o.log.child({ component: 'media.mixer' });
    this.#router = o.router;
    this.#speaker = new SpeakerDetector(o.speaker);
    this.#speaker.on('activeSpeaker', (e) => this.emit('activeSpeaker', e));
  }

  get members(): string[] {
    return [...this.#members.keys()];
  }
  get activeSpeaker(): string | undefined {
    return this.#speaker.current;
  }
  /** Mixer ticks that ran more than one frame late (event loop stalls). */
  get lateTicks(): number {
    return this.#lateTicks;
  }
  /** Milliseconds spent receiving, decoding, mixing and encoding so far (metrics: mixer CPU). */
  get busyMs(): number {
    return this.#busyMs;
  }

  /** A SIP leg: its room's audio goes into the mix and it hears everyone else. Call after setRemote(). */
  addSipLeg(id: string, leg: SipMediaLeg): void {
    this.#assertNew(id);
    const fmt = leg.audioFormat;
    if (!fmt) throw new VcError('MEDIA_FAILED', `leg ${leg.id} has no negotiated audio to mix`);
    const m = this.#member(id, fmt.codec);
    m.leg = leg;
    m.untap = leg.tapAudio((p) => m.jb.push(p.ts, p.payload));
    this.#members.set(id, m);
    this.#start();
  }

  /** A browser's (or any router) audio producer as a source; it hears nothing from the mixer. */
  async addProducer(id: string, producer: ms.Producer): Promise<void> {
    this.#assertNew(id);
    const router = this.#router;
    if (!router) throw new VcError('MEDIA_FAILED', 'the mixer was created without a router');
    const codec = producerCodec(router.rtpCapabilities, producer);
    const tap = await this.#tapTransport(router);
    const consumer = await tap.transport.consume({ producerId: producer.id, rtpCapabilities: plainConsumeCaps(codec) });
    const m = this.#member(id, codec.mimeType.split('/')[1] ?? '');
    m.consumer = consumer;
    const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
    if (ssrc !== undefined) this.#bySsrc.set(ssrc, m);
    consumer.on('producerclose', () => this.remove(id));
    consumer.on('transportclose', () => this.remove(id));
    this.#members.set(id, m);
    this.#start();
  }

  /**
   * Hear the full mix every 20 ms (the unclipped sum, valid only during the call; the mixer ticks
   * while anyone listens, members or not, so a listener gets a steady clock). Returns the unsubscribe.
   */
  onFullMix(listener: (sum: Int32Array) => void): () => void {
    this.#fullMix.add(listener);
    this.#start();
    return () => void this.#fullMix.delete(listener);
  }

  remove(id: string): void {
    const m = this.#members.get(id);
    if (!m) return;
    this.#members.delete(id);
    m.untap?.();
    for (const [ssrc, x] of this.#bySsrc) if (x === m) this.#bySsrc.delete(ssrc);
    if (m.consumer && !m.consumer.closed) m.consumer.close();
    m.codec.close();
    this.#speaker.remove(id);
  }

  setMuted(id: string, muted: boolean): void {
    const m = this.#members.get(id);
    if (!m) throw new VcError('PARTICIPANT_UNKNOWN', `no mixer source ${id}`);
    m.muted = muted;
  }

  isMuted(id: string): boolean {
    return this.#members.get(id)?.muted ?? false;
  }

  stats(): MixerMemberStats[] {
    return [...this.#members.values()].map((m) => ({
      id: m.id,
      codec: m.codec.name,
      muted: m.muted,
      dBov: Math.round(this.#speaker.level(m.id) * 10) / 10,
      ...m.jb.stats(),
    }));
  }

  /** After a worker death: browser sources are dropped (re-add them); SIP legs keep mixing. */
  setRouter(router: ms.Router): void {
    for (const m of [...this.#members.values()]) if (m.consumer) this.remove(m.id);
    this.#closeTap();
    this.#router = router;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const id of [...this.#members.keys()]) this.remove(id);
    for (const c of this.#sharedCodecs.values()) c.close();
    this.#sharedCodecs.clear();
    this.#closeTap();
    this.removeAllListeners();
  }

  #assertNew(id: string): void {
    if (this.#closed) throw new VcError('MEDIA_FAILED', 'the mixer is closed');
    if (this.#members.has(id)) throw new VcError('MEDIA_FAILED', `mixer source ${id} already present`);
  }

  #member(id: string, codecName: string): Member {
    const m = { id, muted: false, frame: null } as Member;
    this.#setCodec(m, codecName);
    return m;
  }

  /** A codec and an empty jitter buffer for the member (at creation and when its codec changes). */
  #setCodec(m: Member, codecName: string): void {
    const codec = createAudioCodec(codecName);
    let errors = 0;
    const decode = (p: Uint8Array): Int16Array => {
      // Nobody hears a muted source: a stateless codec's packet is only timed, not decoded.
      if (m.muted && codec.samplesOf) return zeros(codec.samplesOf(p));
      try {
        return codec.decode(p);
      } catch (e) {
        // One room's garbage must not silence the mix for everyone: play silence for that packet.
        if (errors++ % 500 === 0)
          this.#log.warn({ id: m.id, codec: codec.name, errors, err: e }, 'undecodable audio packet');
        return new Int16Array(0);
      }
    };
    m.codec = codec;
    m.jb = new JitterBuffer({ clockRate: codec.clockRate, samplesPerTs: FRAME_SAMPLES / codec.frameTs, decode });
  }

  async #tapTransport(router: ms.Router): Promise<{ socket: dgram.Socket; transport: ms.PlainTransport }> {
    if (this.#tap) return this.#tap;
    this.#tapPending ??= (async () => {
      const socket = mediaSocket();
      socket.on('error', (e) => this.#log.warn({ err: e }, 'mixer socket error'));
      socket.on('message', (msg) => this.#fromTap(msg));
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
      this.#tap = { socket, transport };
      return this.#tap;
    })().finally(() => {
      this.#tapPending = undefined;
    });
    return this.#tapPending;
  }

  #fromTap(msg: Buffer): void {
    if (isRtcp(msg)) return;
    const t = performance.now();
    const v = parseRtp(msg);
    if (!v || v.pt === PROBATION_PT) return;
    this.#bySsrc.get(v.ssrc)?.jb.push(v.ts, msg.subarray(v.payloadOffset, v.payloadEnd));
    this.#busyMs += performance.now() - t;
  }

  #closeTap(): void {
    const tap = this.#tap;
    this.#tap = undefined;
    if (!tap) return;
    if (!tap.transport.closed) tap.transport.close();
    tap.socket.close();
  }

  #start(): void {
    if (this.#timer || this.#closed) return;
    this.#t0 = performance.now();
    this.#ticks = 0;
    this.#schedule();
  }

  #schedule(): void {
    const due = this.#t0 + (this.#ticks + 1) * FRAME_MS;
    // setImmediate: mix after the event loop's poll phase, so packets that arrived while the timer
    // waited (or while the loop was stalled) are in the jitter buffers before they are popped.
    this.#timer = setTimeout(() => setImmediate(() => this.#run()), Math.max(0, due - performance.now()));
  }

  #run(): void {
    if (this.#closed) return;
    const behind = Math.floor((performance.now() - this.#t0) / FRAME_MS) - this.#ticks;
    if (behind > MAX_CATCH_UP) {
      // The event loop stalled for long: start a new timeline rather than burst old frames.
      this.#lateTicks++;
      this.#t0 = performance.now() - FRAME_MS;
      this.#ticks = 0;
    } else if (behind > 1) {
      this.#lateTicks++;
    }
    const n = Math.max(1, Math.min(behind, MAX_CATCH_UP));
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      this.#ticks++;
      try {
        this.#tick();
      } catch (e) {
        this.#log.error({ err: e }, 'mixer tick failed');
      }
    }
    this.#busyMs += performance.now() - t;
    this.#schedule();
  }

  #tick(): void {
    const sum = this.#sum;
    sum.fill(0);
    for (const m of this.#members.values()) {
      if (m.leg && m.leg.audioFormat?.codec !== m.codec.name) this.#recodec(m);
      m.frame = m.jb.pop();
      const f = m.muted ? null : m.frame;
      this.#speaker.update(m.id, f ?? undefined);
      if (f) for (let i = 0; i < FRAME_SAMPLES; i++) sum[i]! += f[i]!;
    }
    this.#speaker.decide();
    for (const l of this.#fullMix) l(sum);
    const out = this.#out;
    let everyone: Int16Array | undefined;
    const shared = this.#sharedFrames;
    shared.clear();
    for (const m of this.#members.values()) {
      if (!m.leg) continue;
      if (m.muted && m.codec.stateless) {
        // The muted all hear the same mix: with a stateless codec one encoded frame serves them
        // all (in a broadcast that is every room but two). Only the muted: the shared encoder's
        // filter history holds the unmuted's voices, which would leak back to them at a switch.
        let payload = shared.get(m.codec.name);
        if (!payload) {
          if (!everyone) {
            everyone = this.#everyone;
            for (let i = 0; i < FRAME_SAMPLES; i++) everyone[i] = softClip(sum[i]!);
          }
          payload = this.#sharedCodec(m.codec.name).encode(everyone);
          shared.set(m.codec.name, payload);
        }
        m.leg.sendAudioFrame(payload, m.codec.frameTs);
        continue;
      }
      const own = m.muted ? null : m.frame;
      if (own) for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = softClip(sum[i]! - own[i]!);
      else for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = softClip(sum[i]!);
      m.leg.sendAudioFrame(m.codec.encode(out), m.codec.frameTs);
    }
  }

  /** The encoder of the frame shared by the listeners of one stateless codec (keeps its filter history). */
  #sharedCodec(name: string): AudioCodec {
    let c = this.#sharedCodecs.get(name);
    if (!c) {
      c = createAudioCodec(name);
      this.#sharedCodecs.set(name, c);
    }
    return c;
  }

  /** The leg renegotiated its audio codec (re-INVITE): new codec state and buffer. */
  #recodec(m: Member): void {
    const name = m.leg?.audioFormat?.codec;
    if (!name) return;
    this.#log.info({ id: m.id, from: m.codec.name, to: name }, 'mixer source changed codec');
    m.codec.close();
    this.#setCodec(m, name); // the tap reads m.jb on every packet
  }
}
