// The daemon's stand-in for the audio RtpRelay of a SIP leg that runs in the media plane worker:
// SipMediaLeg drives it as it drives an RtpRelay (remote, transport port, frames), and gets the
// relay's events back. It keeps what it was told, so a restarted worker gets the same relay on the
// same ports (the room's SDP and the mediasoup transport's tuple stay valid), and it keeps the
// counters of the workers that died, so a leg's counters go on from where they were.
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { randomSsrc } from '../rtp/packet.js';
import { isDtmfString } from '../rtp/telephoneEvent.js';
import type { RelayCounters, RelayEvents, RelayRemote } from '../RtpRelay.js';
import type { DtmfOptions } from '../DtmfSender.js';
import type { PortPair, RelayPortPool } from '../RelayPortPool.js';
import type { MediaPlane, RelayClient } from './MediaPlane.js';
import type { RelayEventName, RelayOpen, RelayOpened, WireRemote } from './protocol.js';

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
  #rtcpPort = 0;
  /** The counts of the workers that died, and the current worker's last ones. */
  #base: RelayCounters | undefined;
  #last: RelayCounters | undefined;
  #sawRtp = false;
  #closed = false;

  /**
   * The relay in the worker, on a pair from the pool that the worker binds itself: a pair another
   * process holds is skipped for the pool's next one. Release `relay.ports` to the pool after close.
   */
  static async open(
    plane: MediaPlane,
    o: { legId: string; ports: RelayPortPool; rtpTimeoutMs: number },
  ): Promise<PlaneRelay> {
    const relay = new PlaneRelay(plane, {
      legId: o.legId,
      port: 0,
      address: o.ports.address,
      rtpTimeoutMs: o.rtpTimeoutMs,
    });
    try {
      await o.ports.allocateWith(async (port) => {
        relay.#open.port = port;
        return (await relay.#start()) ? relay.ports : undefined;
      });
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

  /** The room-facing pair the worker bound (what the pool holds for this relay). */
  get ports(): PortPair {
    return { port: this.#open.port, rtcpPort: this.#rtcpPort };
  }
  get localPort(): number {
    return this.#open.port;
  }
  get localRtcpPort(): number {
    return this.#rtcpPort;
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

  /** Counted since the relay opened, across worker restarts (minus up to a second's worth at a failure). */
  async counters(): Promise<RelayCounters> {
    const c = (await this.#plane.request({ op: 'relay.counters', rid: this.rid })) as RelayCounters;
    this.#last = c;
    return addCounters(this.#base, c);
  }

  onCounters(c: RelayCounters): void {
    this.#last = c;
  }

  /** RFC 4733 digits from the worker, in the mix's SSRC and sequence space. */
  async sendDtmf(digits: string, opts: DtmfOptions = {}): Promise<void> {
    if (!isDtmfString(digits))
      throw new VcError('BAD_REQUEST', say('media.notDtmf', { digits: JSON.stringify(digits) }));
    if (this.#remote?.telephoneEventPt === undefined) {
      throw new VcError('MEDIA_FAILED', say('media.noTelephoneEvent'));
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
    // the new worker counts from zero: what the old one counted becomes the base
    if (this.#last) this.#base = addCounters(this.#base, this.#last);
    this.#last = undefined;
    if (!(await this.#start())) {
      // Another process bound the room's port while no worker held it: the room's SDP points at a
      // port we cannot have back. Say so, and report the leg's media as lost so it is dialled again
      // (on new ports) instead of staying connected without audio.
      const why = `relay port ${this.#open.port} was taken by another process while the media plane restarted`;
      this.#plane.log.error({ leg: this.#open.legId, port: this.#open.port }, `${why}; the leg's audio is lost`);
      const last = this.#base?.lastRtpAt;
      this.onEvent('rtpTimeout', { silentMs: last === undefined ? 0 : Math.max(0, Date.now() - last) });
      return;
    }
    if (this.#transport !== undefined) this.setTransport(this.#transport);
  }

  /** Opens the relay in the worker on #open.port; false if another socket holds that port. */
  async #start(): Promise<boolean> {
    const r = (await this.#plane.request({ op: 'relay.open', open: this.#open })) as RelayOpened;
    if ('taken' in r) return false;
    this.#open.port = r.port;
    this.#rtcpPort = r.rtcpPort;
    this.#open.internalPort = r.internalPort;
    if (this.#remote) this.#sendRemote();
    return true;
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

/** Counters of a relay across workers: counts add up, the latest state wins. */
export function addCounters(base: RelayCounters | undefined, c: RelayCounters): RelayCounters {
  if (!base) return c;
  const srtp =
    base.srtp && c.srtp
      ? {
          suite: c.srtp.suite,
          authFailures: base.srtp.authFailures + c.srtp.authFailures,
          replays: base.srtp.replays + c.srtp.replays,
          otherFailures: base.srtp.otherFailures + c.srtp.otherFailures,
        }
      : (c.srtp ?? base.srtp);
  return {
    rtpIn: base.rtpIn + c.rtpIn,
    bytesIn: base.bytesIn + c.bytesIn,
    rtpOut: base.rtpOut + c.rtpOut,
    bytesOut: base.bytesOut + c.bytesOut,
    rtcpIn: base.rtcpIn + c.rtcpIn,
    rtcpOut: base.rtcpOut + c.rtcpOut,
    dropped: base.dropped + c.dropped,
    expected: base.expected + c.expected,
    received: base.received + c.received,
    lastRtpAt: c.lastRtpAt ?? base.lastRtpAt,
    remoteRtp: c.remoteRtp ?? base.remoteRtp,
    report: c.report ?? base.report,
    srtp,
  };
}
