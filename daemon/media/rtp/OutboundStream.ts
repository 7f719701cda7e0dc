// The RTP stream a relay originates itself (the mixer's audio for a room, and DTMF events in the same
// SSRC and sequence space), with the sender reports that let the room's receiver reports carry RTT.
import { buildRtp, randomSsrc, tsDiff } from './packet.js';
import { buildSr } from './rtcp.js';

const SR_INTERVAL_MS = 5000;

export class OutboundStream {
  readonly ssrc = randomSsrc();
  #seq = Math.floor(Math.random() * 0xffff);
  #ts = randomSsrc();
  #packets = 0;
  #octets = 0;
  #lastAt = 0;
  #srPackets = 0;
  #lastSrAt = -Infinity;
  #suppress = false;

  /** A media frame, or undefined while a telephone-event holds the audio back (the clock still runs). */
  frame(pt: number, payload: Uint8Array, samples: number, nowMs: number, marker = false): Buffer | undefined {
    const ts = this.#ts;
    this.#ts = (this.#ts + samples) >>> 0;
    if (this.#suppress) return undefined;
    return this.#packet(pt, payload, ts, marker, nowMs);
  }

  /** Start of a telephone-event: frames are held back until endEvent(); returns the event timestamp. */
  beginEvent(): number {
    this.#suppress = true;
    return this.#ts;
  }

  event(pt: number, payload: Buffer, ts: number, marker: boolean, nowMs: number): Buffer {
    return this.#packet(pt, payload, ts, marker, nowMs);
  }

  /** The event that started at `ts` lasted `duration` clock units: audio resumes after it. */
  endEvent(ts: number, duration: number): void {
    const after = (ts + duration) >>> 0;
    if (tsDiff(after, this.#ts) > 0) this.#ts = after;
    this.#suppress = false;
  }

  /** An SR + SDES compound when one is due (something sent since the last, 5 s apart). */
  senderReport(nowMs: number, wallMs: number, clockRate: number): Buffer | undefined {
    if (this.#packets === this.#srPackets || nowMs - this.#lastSrAt < SR_INTERVAL_MS) return undefined;
    this.#lastSrAt = nowMs;
    this.#srPackets = this.#packets;
    const rtpTs = (this.#ts + Math.round(((nowMs - this.#lastAt) * clockRate) / 1000)) >>> 0;
    return buildSr({
      ssrc: this.ssrc,
      nowMs: wallMs,
      rtpTs,
      packets: this.#packets,
      octets: this.#octets,
      cname: 'vcbridge',
    });
  }

  #packet(pt: number, payload: Uint8Array, ts: number, marker: boolean, nowMs: number): Buffer {
    const pkt = buildRtp({ pt, marker, seq: this.#seq, ts, ssrc: this.ssrc }, payload);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#packets++;
    this.#octets += payload.length;
    this.#lastAt = nowMs;
    return pkt;
  }
}
