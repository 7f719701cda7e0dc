// The N-1 mixing itself, free of mediasoup and of where packets come from: sources push encoded
// payloads (keyed on RTP timestamp) into their jitter buffers; every 20 ms each is popped and
// decoded, the unmuted ones are summed, and every listener gets the sum minus its own frame,
// soft-clipped and encoded in its codec. AudioMixer runs it in the daemon's thread, the media plane
// worker (plane/planeWorker.ts) on its own. Internal format: 16 kHz mono, 20 ms (codecs/AudioCodec.ts).
// Mute is a per-source flag: a muted source still drains its buffer.
// The 20 ms clock is a real timer (performance.now based), not the injectable Clock.
import type { Logger } from '../util/logger.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { FRAME_MS, FRAME_SAMPLES, type AudioCodec } from './codecs/AudioCodec.js';
import { createAudioCodec } from './codecs/createAudioCodec.js';
import { JitterBuffer, type JitterStats } from './JitterBuffer.js';
import { SpeakerDetector, type SpeakerDetectorOptions } from './SpeakerDetector.js';

export interface MixerMemberStats extends JitterStats {
  id: string;
  codec: string;
  muted: boolean;
  dBov: number;
}

/** How a source hears the mix and tells its codec. */
export interface MixSource {
  /** Send one encoded frame of its N-1 mix (absent: a source only, e.g. a browser). */
  send?: (payload: Uint8Array, frameTs: number) => void;
  /** The codec its stream uses now (a re-INVITE may change it); looked at every tick. */
  codecNow?: () => string | undefined;
}

/**
 * One tick as seen by a traced source (benches: where the mix path's time goes). Times are wall-clock
 * ms (performance.timeOrigin + now), comparable across threads and processes.
 */
export interface TickTrace {
  /** When the tick was due on the mixer's timeline, when it ran, when every listener's frame was sent. */
  due: number;
  start: number;
  end: number;
  /**
   * The traced source's frame played in this tick: its RTP timestamp (as the relay rewrote it), when
   * that packet arrived, and its loudest sample (a bench's probe tone is found by it).
   */
  ts?: number;
  pushedAt?: number;
  peak?: number;
  /** Audio buffered for the source after the pop. */
  depthMs: number;
}

/** Traces kept at most (a minute of ticks), so a trace left on cannot grow without bound. */
const TRACE_MAX = 3000;
const wallNow = (): number => performance.timeOrigin + performance.now();

/** Feeds one encoded RTP payload of a source into its jitter buffer. */
export type MixPush = (ts: number, payload: Uint8Array) => void;

export type MixEvents = {
  activeSpeaker: [{ id: string; dBov: number }];
};

interface Member {
  id: string;
  src: MixSource;
  codec: AudioCodec;
  jb: JitterBuffer;
  muted: boolean;
  frame: Int16Array | null;
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

export class MixCore extends TypedEmitter<MixEvents> {
  readonly #log: Logger;
  readonly #members = new Map<string, Member>();
  readonly #speaker: SpeakerDetector;
  readonly #sum = new Int32Array(FRAME_SAMPLES);
  readonly #out = new Int16Array(FRAME_SAMPLES);
  readonly #everyone = new Int16Array(FRAME_SAMPLES);
  readonly #sharedFrames = new Map<string, Uint8Array>();
  readonly #sharedCodecs = new Map<string, AudioCodec>();
  /** Listeners of the full mix (everyone unmuted, nobody subtracted): the program feed's audio. */
  readonly #fullMix = new Set<(sum: Int32Array) => void>();
  #timer: NodeJS.Timeout | undefined;
  #t0 = 0;
  #ticks = 0;
  #lateTicks = 0;
  #busyMs = 0;
  #closed = false;
  #trace: { id: string; pushedAt: Map<number, number>; ticks: TickTrace[] } | undefined;
  /** The traced source's frame timestamp in the tick being run. */
  #tracedTs: number | undefined;

  constructor(o: { log: Logger; speaker?: SpeakerDetectorOptions }) {
    super();
    this.#log = o.log;
    this.#speaker = new SpeakerDetector(o.speaker);
    this.#speaker.on('activeSpeaker', (e) => this.emit('activeSpeaker', e));
  }

  get members(): string[] {
    return [...this.#members.keys()];
  }
  get activeSpeaker(): string | undefined {
    return this.#speaker.current;
  }
  /** Ticks that ran more than one frame late (the loop the mixer runs on stalled). */
  get lateTicks(): number {
    return this.#lateTicks;
  }
  /** Milliseconds spent receiving, decoding, mixing and encoding so far. */
  get busyMs(): number {
    return this.#busyMs;
  }
  /** Time spent elsewhere on the mixer's behalf (receiving browser audio). */
  addBusy(ms: number): void {
    this.#busyMs += ms;
  }

  /** A source in the mix; returns how its packets come in. */
  add(id: string, codecName: string, src: MixSource): MixPush {
    if (this.#closed) throw new VcError('MEDIA_FAILED', say('media.mixerClosed'));
    if (this.#members.has(id)) throw new VcError('MEDIA_FAILED', say('media.mixerHasSource', { id }));
    const m = { id, src, muted: false, frame: null } as Member;
    this.#setCodec(m, codecName);
    this.#members.set(id, m);
    this.#start();
    return (ts, payload) => {
      if (this.#trace?.id === id) this.#tracePush(ts);
      m.jb.push(ts, payload); // m.jb is replaced when the codec changes
    };
  }

  /**
   * Benches: start tracing the ticks as source `id` sees them (undefined stops). Returns what was
   * traced until now.
   */
  trace(id: string | undefined): TickTrace[] {
    const out = this.#trace?.ticks ?? [];
    this.#trace = id === undefined ? undefined : { id, pushedAt: new Map(), ticks: [] };
    return out;
  }

  #tracePush(ts: number): void {
    const p = this.#trace!.pushedAt;
    if (!p.has(ts)) p.set(ts, wallNow());
    if (p.size > 500) p.delete(p.keys().next().value!); // the oldest: long played
  }

  has(id: string): boolean {
    return this.#members.has(id);
  }

  remove(id: string): void {
    const m = this.#members.get(id);
    if (!m) return;
    this.#members.delete(id);
    m.codec.close();
    this.#speaker.remove(id);
  }

  setMuted(id: string, muted: boolean): void {
    const m = this.#members.get(id);
    if (!m) throw new VcError('PARTICIPANT_UNKNOWN', say('media.mixerNoSource', { id }));
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

  /**
   * Hear the full mix every 20 ms (the unclipped sum, valid only during the call; the mixer ticks
   * while anyone listens, members or not, so a listener gets a steady clock). Returns the unsubscribe.
   */
  onFullMix(listener: (sum: Int32Array) => void): () => void {
    this.#fullMix.add(listener);
    this.#start();
    return () => void this.#fullMix.delete(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const id of [...this.#members.keys()]) this.remove(id);
    for (const c of this.#sharedCodecs.values()) c.close();
    this.#sharedCodecs.clear();
    this.#fullMix.clear();
    this.removeAllListeners();
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
      const start = this.#trace ? performance.now() : 0;
      try {
        this.#tick();
      } catch (e) {
        this.#log.error({ err: e }, 'mixer tick failed');
      }
      if (this.#trace) this.#traceTick(this.#t0 + this.#ticks * FRAME_MS, start);
    }
    this.#busyMs += performance.now() - t;
    this.#schedule();
  }

  #traceTick(due: number, start: number): void {
    const tr = this.#trace!;
    if (tr.ticks.length >= TRACE_MAX) return;
    const m = this.#members.get(tr.id);
    const o = performance.timeOrigin;
    const rec: TickTrace = { due: o + due, start: o + start, end: wallNow(), depthMs: m?.jb.stats().depthMs ?? 0 };
    const f = m?.frame;
    if (f && this.#tracedTs !== undefined) {
      rec.ts = this.#tracedTs;
      const at = tr.pushedAt.get(this.#tracedTs);
      if (at !== undefined) rec.pushedAt = at;
      let peak = 0;
      for (let i = 0; i < f.length; i++) peak = Math.max(peak, Math.abs(f[i]!));
      rec.peak = peak;
    }
    tr.ticks.push(rec);
  }

  #tick(): void {
    const sum = this.#sum;
    sum.fill(0);
    const traced = this.#trace?.id;
    for (const m of this.#members.values()) {
      const now = m.src.codecNow?.();
      if (now && now !== m.codec.name) this.#recodec(m, now);
      if (m.id === traced) this.#tracedTs = m.jb.playoutTs;
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
      const send = m.src.send;
      if (!send) continue;
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
        send(payload, m.codec.frameTs);
        continue;
      }
      const own = m.muted ? null : m.frame;
      if (own) for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = softClip(sum[i]! - own[i]!);
      else for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = softClip(sum[i]!);
      send(m.codec.encode(out), m.codec.frameTs);
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

  /** The source renegotiated its audio codec (re-INVITE): new codec state and buffer. */
  #recodec(m: Member, name: string): void {
    this.#log.info({ id: m.id, from: m.codec.name, to: name }, 'mixer source changed codec');
    m.codec.close();
    this.#setCodec(m, name);
  }
}
