// A simulated SIP room's audio: a UDP socket pair on 127.0.0.1 that sends a sine tone as real RTP in
// the room's codec every 20 ms and records (and decodes) what it receives. Encoding and decoding use
// the real codec libraries (alawmulaw, libspandsp, libopus), not the bridge's mixer path.
import dgram from 'node:dgram';
import alawmulaw from 'alawmulaw';
import { G722Codec } from '../../daemon/media/codecs/G722Codec.js';
import { OpusCodec } from '../../daemon/media/codecs/OpusCodec.js';
import { buildRtp, isRtcp, parseRtp, type RtpView } from '../../daemon/media/rtp/packet.js';
import { bindUdp, pace } from './udpSim.js';

export type SimCodec = 'PCMA' | 'PCMU' | 'G722' | 'opus';

export interface SimRoomOptions {
  codec: SimCodec;
  pt: number;
  toneHz: number;
  amplitude?: number;
  /** Simulated network loss: every Nth packet is not sent (seq and ts still advance). */
  loseEvery?: number;
}

export const SIM_CLOCK: Record<SimCodec, number> = { PCMA: 8000, PCMU: 8000, G722: 8000, opus: 48000 };
/** Sample rate of the PCM a room plays and records. */
export const SIM_RATE: Record<SimCodec, number> = { PCMA: 8000, PCMU: 8000, G722: 16000, opus: 16000 };

export class SimRoom {
  readonly codec: SimCodec;
  readonly pt: number;
  toneHz: number;
  readonly amplitude: number;
  readonly loseEvery: number;
  ssrc = (Math.random() * 0xffffffff) >>> 0;
  seq = Math.floor(Math.random() * 60000);
  ts = (Math.random() * 0xffffffff) >>> 0;
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
  /** Received RTP packets with arrival time (performance.now()). */
  readonly packets: { at: number; v: RtpView; payload: Buffer }[] = [];
  readonly rtcpPackets: Buffer[] = [];
  #phase = 0;
  #pacer: { stop(): void } | undefined;
  #enc: G722Codec | OpusCodec | undefined;
  sending = true;

  private constructor(o: SimRoomOptions, rtp: dgram.Socket, rtcp: dgram.Socket) {
    this.codec = o.codec;
    this.pt = o.pt;
    this.toneHz = o.toneHz;
    this.amplitude = o.amplitude ?? 8000;
    this.loseEvery = o.loseEvery ?? 0;
    this.rtp = rtp;
    this.rtcp = rtcp;
    if (o.codec === 'G722') this.#enc = new G722Codec();
    if (o.codec === 'opus') this.#enc = new OpusCodec();
    rtp.on('message', (m) => this.#onRtp(m));
    rtcp.on('message', (m) => this.rtcpPackets.push(Buffer.from(m)));
  }

  static async create(o: SimRoomOptions): Promise<SimRoom> {
    return new SimRoom(o, await bindUdp(), await bindUdp());
  }

  get port(): number {
    return this.rtp.address().port;
  }
  get rtcpPort(): number {
    return this.rtcp.address().port;
  }

  /** Start sending one 20 ms packet per tick to dest. */
  start(dest: { address: string; port: number }): void {
    this.#pacer = pace(20, () => {
      if (this.sending) this.sendFrame(dest);
    });
  }

  sendFrame(dest: { address: string; port: number }): void {
    const rate = SIM_RATE[this.codec];
    const n = (rate * 20) / 1000;
    const pcm = new Int16Array(n);
    for (let i = 0; i < n; i++) {
      pcm[i] = Math.round(this.amplitude * Math.sin(this.#phase));
      this.#phase += (2 * Math.PI * this.toneHz) / rate;
    }
    this.#phase %= 2 * Math.PI;
    let payload: Uint8Array;
    if (this.codec === 'PCMA') payload = alawmulaw.alaw.encode(pcm);
    else if (this.codec === 'PCMU') payload = alawmulaw.mulaw.encode(pcm);
    else payload = this.#enc!.encode(pcm);
    if (!this.loseEvery || this.seq % this.loseEvery !== 0) {
      this.rtp.send(
        buildRtp({ pt: this.pt, seq: this.seq, ts: this.ts, ssrc: this.ssrc }, payload),
        dest.port,
        dest.address,
      );
    }
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + (SIM_CLOCK[this.codec] * 20) / 1000) >>> 0;
  }

  /** Restart the stream as a phone does after a reboot of its RTP stack: new SSRC, seq and ts. */
  changeSsrc(): void {
    this.ssrc = (Math.random() * 0xffffffff) >>> 0;
    this.seq = Math.floor(Math.random() * 60000);
    this.ts = (Math.random() * 0xffffffff) >>> 0;
  }

  /** Decoded audio received since `sinceMs` (performance.now() time). */
  audioSince(sinceMs: number): Int16Array {
    const out: number[] = [];
    const dec = this.codec === 'G722' ? new G722Codec() : this.codec === 'opus' ? new OpusCodec() : undefined;
    for (const p of this.packets) {
      const pcm = this.#decode(p.payload, dec);
      if (p.at >= sinceMs) for (const v of pcm) out.push(v);
    }
    dec?.close();
    return Int16Array.from(out);
  }

  stop(): void {
    this.#pacer?.stop();
    this.#pacer = undefined;
  }

  close(): void {
    this.stop();
    this.rtp.close();
    this.rtcp.close();
    this.#enc?.close();
  }

  #decode(payload: Buffer, dec: G722Codec | OpusCodec | undefined): Int16Array {
    if (this.codec === 'PCMA') return alawmulaw.alaw.decode(payload);
    if (this.codec === 'PCMU') return alawmulaw.mulaw.decode(payload);
    return dec!.decode(payload);
  }

  #onRtp(m: Buffer): void {
    if (isRtcp(m)) {
      this.rtcpPackets.push(Buffer.from(m));
      return;
    }
    const v = parseRtp(m);
    if (v)
      this.packets.push({ at: performance.now(), v, payload: Buffer.from(m.subarray(v.payloadOffset, v.payloadEnd)) });
  }
}

/** Level of one frequency in a signal, dB relative to a full-scale sine (Goertzel). */
export function toneDb(x: Int16Array, rate: number, hz: number): number {
  if (x.length === 0) return -200;
  const w = (2 * Math.PI * hz) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - c * s1 * s2;
  const amp = (2 * Math.sqrt(Math.max(power, 0))) / x.length;
  return 20 * Math.log10(Math.max(amp, 1e-6) / 32768);
}
