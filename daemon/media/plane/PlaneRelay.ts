// The daemon's stand-in for the audio RtpRelay of a SIP leg that runs in the media plane worker:
// SipMediaLeg drives it as it drives an RtpRelay (remote, transport port, frames), and gets the
// relay's events back. It keeps what it was told, so a restarted worker gets the same relay on the
// same ports (the room's SDP and the mediasoup transport's tuple stay valid).
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { VcError } from '../../errors.js';
import { randomSsrc } from '../rtp/packet.js';
import { isDtmfString } from '../rtp/telephoneEvent.js';
import type { RelayCounters, RelayEvents, RelayRemote } from '../RtpRelay.js';
import type { DtmfOptions } from '../DtmfSender.js';
import type { SocketPair } from '../RelayPortPool.js';
import type { MediaPlane, RelayClient } from './MediaPlane.js';
import type { RelayEventName, RelayOpen, WireRemote } from './protocol.js';

/** DTMF strings the plane sends at once, and so the longest a send request may take. */
const DTMF_TIMEOUT_MS = 60_000;

export class PlaneRelay extends TypedEmitter<RelayEvents> implements RelayClient {
  readonly kind = 'audio' as const;
  readonly ingressSsrc = randomSsrc();
  readonly rid: number;
  readonly #plane: MediaPlane;
  readonly #open: RelayOpen;
  #remote: RelayRemote | undefined;
  #codec: string | undefined;
  #transport: number | undefined;
  #sawRtp = false;
  #closed = false;

  /**
   * The relay on the pair's ports, in the worker. The pair was bound by the daemon's RelayPortPool
   * (which keeps it reserved until the leg releases it); its sockets are closed here so the worker
   * can bind the same ports.
   */
  static async open(
    plane: MediaPlane,
    o: { legId: string; sockets: SocketPair; address: string; rtpTimeoutMs: number },
  ): Promise<PlaneRelay> {
    const { port, rtcpPort } = o.sockets;
    o.sockets.rtp.close();
    o.sockets.rtcp.close();
    const relay = new PlaneRelay(plane, {
      legId: o.legId,
      port,
      rtcpPort,
      address: o.address,
      rtpTimeoutMs: o.rtpTimeoutMs,
    });
    try {
      await relay.#start();
    } catch (e) {
      relay.close();
      throw e;
    }
    return relay;
  }

  private constructor(plane: MediaPlane, o: Omit<RelayOpen, 'rid' | 'ingressSsrc' | 'internalPort'>) {
    super();
    this.#plane = plane;
    this.rid = plane.addRelay(this);
    this.#open = { ...o, rid: this.rid, ingressSsrc: this.ingressSsrc, internalPort: 0 };
  }

  get localPort(): number {
    return this.#open.port;
  }
  get localRtcpPort(): number {
    return this.#open.rtcpPort;
  }
  /** Where the mediasoup PlainTransport must send (127.0.0.1). */
  get internalPort(): number {
    return this.#open.internalPort;
  }
  get remote(): RelayRemote | undefined {
    return this.#remote;
  }
  get srtpSuite(): string | undefined {
    return this.#remote?.srtp?.suite;
  }

  /** The negotiated remote and the codec the mixer decodes (undefined stops the m-line). */
  setRemote(remote: RelayRemote | undefined, codec?: string): void {
    this.#remote = remote;
    this.#codec = remote ? codec : undefined;
    this.#sendRemote();
  }

  setTransport(port: number | undefined): void {
    this.#transport = port;
    this.#plane.command({ op: 'relay.transport', rid: this.rid, port });
  }

  sendFrame(payload: Uint8Array, samples: number): void {
    this.#plane.command({ op: 'relay.frame', rid: this.rid, payload, samples });
  }

  /** Audio: nothing to ask for. */
  requestKeyFrame(): void {}

  counters(): Promise<RelayCounters> {
    return this.#plane.request({ op: 'relay.counters', rid: this.rid }) as Promise<RelayCounters>;
  }

  /** RFC 4733 digits from the worker, in the mix's SSRC and sequence space. */
  async sendDtmf(digits: string, opts: DtmfOptions = {}): Promise<void> {
    if (!isDtmfString(digits)) throw new VcError('BAD_REQUEST', `not a DTMF string: ${JSON.stringify(digits)}`);
    if (this.#remote?.telephoneEventPt === undefined) {
      throw new VcError(
        'MEDIA_FAILED',
        'the room did not negotiate telephone-event (RFC 4733); send DTMF by SIP INFO instead',
      );
    }
    await this.#plane.request({ op: 'relay.dtmf', rid: this.rid, digits, opts }, DTMF_TIMEOUT_MS);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#plane.command({ op: 'relay.close', rid: this.rid });
    this.#plane.removeRelay(this.rid);
    this.removeAllListeners();
  }

  onEvent(ev: RelayEventName, data: unknown): void {
    if (this.#closed) return;
    if (ev === 'firstRtp') {
      if (this.#sawRtp) return; // a restarted worker's relay sees its first packet again
      this.#sawRtp = true;
    }
    const emit = this.emit as (e: string, ...d: unknown[]) => boolean;
    if (data === undefined) emit.call(this, ev);
    else emit.call(this, ev, data);
  }

  async replay(): Promise<void> {
    if (this.#closed || this.#open.internalPort === 0) return;
    await this.#start();
    if (this.#transport !== undefined) this.setTransport(this.#transport);
  }

  async #start(): Promise<void> {
    const r = (await this.#plane.request({ op: 'relay.open', open: this.#open })) as { internalPort: number };
    this.#open.internalPort = r.internalPort;
    if (this.#remote) this.#sendRemote();
  }

  #sendRemote(): void {
    const r = this.#remote;
    let wire: WireRemote | undefined;
    if (r) {
      const { srtp, ...rest } = r;
      wire = srtp ? { ...rest, srtp: srtp.toParams() } : rest;
    }
    this.#plane.command({ op: 'relay.remote', rid: this.rid, remote: wire, codec: this.#codec });
  }
}
