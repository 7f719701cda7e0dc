// Where a room is (symmetric RTP). Room systems want our media on the port theirs comes from, which
// is not always the one in their SDP, so the relay latches onto the source of the room's media and
// sends there. A second source is ignored while the first is alive; a re-INVITE that moves the room
// makes the SDP address win again until the new source shows itself. Without rtcp-mux the room's
// RTCP source is latched the same way, on its own socket.
import type { TransportAddress } from './types.js';

/** A second RTP source takes over only after the latched one was silent this long (RTCP: 3 times). */
export const RELATCH_MS = 1000;

const same = (a: TransportAddress, b: TransportAddress): boolean => a.port === b.port && a.address === b.address;

/** The room's addresses as its SDP gives them. */
interface SdpAddress {
  address: string;
  port: number;
  rtcpPort: number;
  rtcpMux: boolean;
}

export class RoomSource {
  #rtp: TransportAddress | undefined;
  #rtcp: TransportAddress | undefined;
  #lastMediaAt = 0;
  #lastRtcpAt = 0;

  /** The source the room's RTP comes from, once seen. */
  get rtp(): TransportAddress | undefined {
    return this.#rtp;
  }

  /** The room's SDP address changed: the SDP wins until the new source shows itself. */
  reset(): void {
    this.#rtp = undefined;
    this.#rtcp = undefined;
  }

  /**
   * RTP from `from` at `now`: 'drop' when another source is alive (not ours to mix in), 'latched' when
   * `from` became the room's source, 'same' when it already was.
   */
  rtpFrom(from: TransportAddress, now: number): 'drop' | 'latched' | 'same' {
    if (this.#rtp && same(this.#rtp, from)) return 'same';
    if (this.#rtp && now - this.#lastMediaAt < RELATCH_MS) return 'drop';
    this.#rtp = { address: from.address, port: from.port };
    return 'latched';
  }

  /** A media packet of the latched source was taken at `now` (it keeps the source alive). */
  heard(now: number): void {
    this.#lastMediaAt = now;
  }

  /** RTCP from `from` at `now`; false when it must be dropped (another RTCP source is alive). */
  rtcpFrom(from: TransportAddress, sdp: SdpAddress, now: number): boolean {
    if (!sdp.rtcpMux) {
      if (this.#rtcp && !same(this.#rtcp, from) && now - this.#lastRtcpAt < 3 * RELATCH_MS) return false;
      this.#rtcp = { address: from.address, port: from.port };
    }
    this.#lastRtcpAt = now;
    return true;
  }

  /** Where our RTP (and muxed RTCP) goes. */
  rtpDest(sdp: SdpAddress): TransportAddress {
    return this.#rtp ?? sdp;
  }

  /** Where our RTCP goes without rtcp-mux: the latched RTCP source, else the RTP source's host at the SDP's RTCP port. */
  rtcpDest(sdp: SdpAddress): TransportAddress {
    return this.#rtcp ?? { address: this.#rtp?.address ?? sdp.address, port: sdp.rtcpPort };
  }
}
