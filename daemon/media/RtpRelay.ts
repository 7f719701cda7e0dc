// The media of one m-line of one SIP leg, between a room system and a mediasoup PlainTransport.
//
//   room ──RTP/RTCP──▶ [room sockets]  RtpRelay  [internal socket] ──▶ PlainTransport (127.0.0.1)
//
// Why a relay at all (NOTES.md): mediasoup matches incoming RTP by SSRC only and rooms rarely signal
// a=ssrc, so we rename the room's SSRC to one we chose; consumers always send the router's payload
// type, so egress PTs are renamed to what the room negotiated; rooms may change SSRC mid-call, so seq
// and timestamps are rebased to stay continuous; and our RTP leaves from the port in our SDP, which
// symmetric-RTP room systems insist on. The relay does no crypto (see SipMediaLeg for SRTP).
//
// Ingress: room RTP → SSRC/PT/seq/ts rewritten → transport (producer), and emitted as 'rtp' (the mixer
// taps SIP audio here, one hop less than through mediasoup). Egress: consumer RTP from the transport →
// PT rewritten, probation packets dropped → room; or frames sent directly (mixer audio, DTMF).
// RTCP is renamed both ways so mediasoup's producer and consumer stats and PLI/FIR keep working.
import dgram from 'node:dgram';
import type { Logger } from '../util/logger.js';
import type { Clock, Timer } from '../util/clock.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { SocketPair } from './RelayPortPool.js';
import type { Endpoint, MediaKind } from './types.js';
import { PROBATION_PT, PROBATION_SSRC, buildRtp, isRtcp, parseRtp, randomSsrc, seqDiff, setPt, setSeq, setSsrc, setTs, tsDiff } from './rtp/packet.js';
import { buildFir, buildPli, buildSr, hasKeyframeRequest, renameSsrc, reportBlocks, rttFromBlock, type ReportBlock } from './rtp/rtcp.js';
import { digitOf, parseEvent } from './rtp/telephoneEvent.js';

export interface RelayRemote {
  address: string;
  port: number;
  rtcpPort: number;
  rtcpMux: boolean;
  /** The room's PT for the media codec. */
  pt: number;
  clockRate: number;
  telephoneEventPt?: number;
  /** The router's PT for the same codec. */
  routerPt: number;
  rtcpFb?: { nack?: boolean; pli?: boolean; fir?: boolean };
  /** The room sends on this m-line (timeouts apply). */
  expectRtp: boolean;
}

/** One ingress packet after rewriting; `packet` must not be modified by listeners. */
export interface RelayedRtp {
  packet: Buffer;
  payload: Buffer;
  seq: number;
  ts: number;
  marker: boolean;
}

export interface RelayCounters {
  rtpIn: number; bytesIn: number; rtpOut: number; bytesOut: number;
  rtcpIn: number; rtcpOut: number; dropped: number;
  lastRtpAt: number | undefined;
  remoteRtp: Endpoint | undefined;
  /** The room's last report about our directly sent stream (audio mix), with RTT if known. */
  report: (ReportBlock & { rttMs?: number }) | undefined;
}

type RelayEvents = {
  rtp: [RelayedRtp];
  firstRtp: [];
  rtpTimeout: [{ silentMs: number }];
  rtpResumed: [];
  keyframeRequest: [{ rtcpFeedback: boolean }];
  dtmf: [{ digit: string }];
  ssrcChange: [{ from: number; to: number }];
};

export interface RtpRelayOptions {
  kind: MediaKind;
  sockets: SocketPair;
  log: Logger;
  clock: Clock;
  rtpTimeoutMs: number;
}

const RELATCH_MS = 1000;
const SR_INTERVAL_MS = 5000;
const SAME = (a: Endpoint, b: dgram.RemoteInfo): boolean => a.port === b.port && a.address === b.address;

export class RtpRelay extends TypedEmitter<RelayEvents> {
  readonly kind: MediaKind;
  readonly ingressSsrc = randomSsrc();
  readonly #sockets: SocketPair;
  readonly #internal = dgram.createSocket('udp4');
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  #remote: RelayRemote | undefined;
  #transportPort: number | undefined;
  #closed = false;
  #timer: Timer | undefined;
  // ingress
  #roomSsrc: number | undefined;
  #seqOff = 0;
  #tsOff = 0;
  #lastOutSeq = 0;
  #lastOutTs = 0;
  #lastMediaAt = 0;
  #latchedRtp: Endpoint | undefined;
  #latchedRtcp: Endpoint | undefined;
  #lastRtcpAt = 0;
  #timedOut = false;
  #timeoutFrom = 0;
  #sawRtp = false;
  #sawMedia = false;
  #lastDtmfTs: number | undefined;
  #lastKfReqAt = -Infinity;
  #firSeq = 0;
  // direct egress (mixer frames, DTMF)
  readonly #outSsrc = randomSsrc();
  #outSeq = Math.floor(Math.random() * 0xffff);
  #outTs = randomSsrc();
  #outPackets = 0;
  #outOctets = 0;
  #outLastAt = 0;
  #srPacketsAt = 0;
  #lastSrAt = 0;
  #suppressFrames = false;
  readonly #c: RelayCounters = {
    rtpIn: 0, bytesIn: 0, rtpOut: 0, bytesOut: 0, rtcpIn: 0, rtcpOut: 0, dropped: 0,
    lastRtpAt: undefined, remoteRtp: undefined, report: undefined,
  };

  constructor(o: RtpRelayOptions) {
    super();
    this.kind = o.kind;
    this.#sockets = o.sockets;
    this.#log = o.log.child({ kind: o.kind });
    this.#clock = o.clock;
    this.#timeoutMs = o.rtpTimeoutMs;
    for (const s of [o.sockets.rtp, o.sockets.rtcp, this.#internal]) {
      s.on('error', (e) => this.#log.warn({ err: e }, 'relay socket error'));
    }
    o.sockets.rtp.on('message', (m, r) => this.#fromRoom(m, r, false));
    o.sockets.rtcp.on('message', (m, r) => this.#fromRoom(m, r, true));
    this.#internal.on('message', (m, r) => this.#fromInternal(m, r));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#internal.bind(0, '127.0.0.1', resolve));
    this.#schedule();
  }

  get localPort(): number { return this.#sockets.port; }
  get localRtcpPort(): number { return this.#sockets.rtcpPort; }
  /** Where the mediasoup PlainTransport must send (127.0.0.1). */
  get internalPort(): number { return this.#internal.address().port; }
  /** SSRC of frames sent with sendFrame() (the room reports on it). */
  get outboundSsrc(): number { return this.#outSsrc; }
  get remote(): RelayRemote | undefined { return this.#remote; }
  get roomSsrc(): number | undefined { return this.#roomSsrc; }

  counters(): RelayCounters {
    return { ...this.#c, remoteRtp: this.#latchedRtp ?? this.#c.remoteRtp };
  }

  /** Apply the negotiated remote; undefined stops the m-line (rejected or removed). */
  setRemote(remote: RelayRemote | undefined): void {
    if (!remote) {
      this.#remote = undefined;
      return;
    }
    const changedAddress = !this.#remote || this.#remote.address !== remote.address || this.#remote.port !== remote.port;
    this.#remote = remote;
    this.#c.remoteRtp = { address: remote.address, port: remote.port };
    if (changedAddress) {
      // A re-INVITE moved the room: the SDP address wins until the new source shows itself.
      this.#latchedRtp = undefined;
      this.#latchedRtcp = undefined;
    }
    this.#timeoutFrom = this.#clock.now();
    this.#timedOut = false;
  }

  /** The mediasoup PlainTransport's local port on 127.0.0.1 (undefined while rebuilding). */
  setTransport(port: number | undefined): void {
    this.#transportPort = port;
  }

  /** Send one encoded frame to the room with our SSRC; `samples` advances the RTP clock. */
  sendFrame(payload: Uint8Array, samples: number, marker = false): void {
    const r = this.#remote;
    if (!r || this.#suppressFrames) {
      this.#outTs = (this.#outTs + samples) >>> 0;
      return;
    }
    this.#sendOut(buildRtp({ pt: r.pt, marker, seq: this.#outSeq, ts: this.#outTs, ssrc: this.#outSsrc }, payload));
    this.#outSeq = (this.#outSeq + 1) & 0xffff;
    this.#outTs = (this.#outTs + samples) >>> 0;
  }

  /** Start of a telephone-event: frames are held back until endEvent(); returns the event timestamp. */
  beginEvent(): number {
    this.#suppressFrames = true;
    return this.#outTs;
  }

  sendEventPacket(payload: Buffer, ts: number, marker: boolean): void {
    const pt = this.#remote?.telephoneEventPt;
    if (pt === undefined) return;
    this.#sendOut(buildRtp({ pt, marker, seq: this.#outSeq, ts, ssrc: this.#outSsrc }, payload));
    this.#outSeq = (this.#outSeq + 1) & 0xffff;
  }

  /** End of an event lasting `duration` clock units from `ts`: audio resumes after it. */
  endEvent(ts: number, duration: number): void {
    const after = (ts + duration) >>> 0;
    if (tsDiff(after, this.#outTs) > 0) this.#outTs = after;
    this.#suppressFrames = false;
  }

  /** Ask the room for a keyframe: RTCP PLI (or FIR for FIR-only rooms) and a keyframeRequest event. */
  requestKeyFrame(): void {
    const now = this.#clock.now();
    if (now - this.#lastKfReqAt < 200) return;
    this.#lastKfReqAt = now;
    if (this.#roomSsrc !== undefined) {
      const fb = this.#remote?.rtcpFb;
      if (!fb || fb.pli || !fb.fir) this.#sendRtcpToRoom(buildPli(this.ingressSsrc, this.#roomSsrc));
      if (fb?.fir) this.#sendRtcpToRoom(buildFir(this.ingressSsrc, this.#roomSsrc, this.#firSeq++));
    }
    this.#emitKeyframeRequest();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#internal.close();
    this.removeAllListeners();
  }

  #emitKeyframeRequest(): void {
    const fb = this.#remote?.rtcpFb;
    this.emit('keyframeRequest', { rtcpFeedback: Boolean(fb && (fb.pli || fb.fir)) });
  }

  #fromRoom(msg: Buffer, rinfo: dgram.RemoteInfo, onRtcpSocket: boolean): void {
    const r = this.#remote;
    if (!r || this.#closed) return;
    if (onRtcpSocket || isRtcp(msg)) return this.#rtcpFromRoom(msg, rinfo);
    const v = parseRtp(msg);
    const isMedia = v?.pt === r.pt;
    const isEvent = v !== undefined && r.telephoneEventPt !== undefined && v.pt === r.telephoneEventPt;
    if (!v || (!isMedia && !isEvent)) {
      this.#c.dropped++;
      return;
    }
    const now = this.#clock.now();
    if (this.#latchedRtp && !SAME(this.#latchedRtp, rinfo) && now - this.#lastMediaAt < RELATCH_MS) {
      this.#c.dropped++; // a second source while the first is alive: not ours to mix in
      return;
    }
    if (!this.#latchedRtp || !SAME(this.#latchedRtp, rinfo)) {
      this.#latchedRtp = { address: rinfo.address, port: rinfo.port };
      this.#log.debug({ from: this.#latchedRtp }, 'latched room RTP source');
    }
    if (!this.#acceptSsrc(v.ssrc, v.seq, v.ts, now)) {
      this.#c.dropped++;
      return;
    }
    this.#lastMediaAt = now;
    this.#c.rtpIn++;
    this.#c.bytesIn += msg.length;
    this.#c.lastRtpAt = now;
    if (!this.#sawRtp) {
      this.#sawRtp = true;
      this.emit('firstRtp');
    }
    if (this.#timedOut) {
      this.#timedOut = false;
      this.emit('rtpResumed');
    }
    if (isEvent) return this.#dtmfFromRoom(msg.subarray(v.payloadOffset, v.payloadEnd), v.ts);
    const seq = (v.seq + this.#seqOff) & 0xffff;
    const ts = (v.ts + this.#tsOff) >>> 0;
    if (!this.#sawMedia || seqDiff(seq, this.#lastOutSeq) > 0) {
      this.#sawMedia = true;
      this.#lastOutSeq = seq;
      this.#lastOutTs = ts;
    }
    setSsrc(msg, this.ingressSsrc);
    setPt(msg, r.routerPt);
    setSeq(msg, seq);
    setTs(msg, ts);
    if (this.#transportPort !== undefined) this.#internal.send(msg, this.#transportPort, '127.0.0.1');
    if (this.listenerCount('rtp') > 0) {
      this.emit('rtp', { packet: msg, payload: msg.subarray(v.payloadOffset, v.payloadEnd), seq, ts, marker: v.marker });
    }
  }

  /**
   * Follow a room that changes SSRC: the new one is accepted once the old one has gone quiet, and its
   * seq/ts are rebased to continue ours, so mediasoup and the mixer see one unbroken stream.
   */
  #acceptSsrc(ssrc: number, seq: number, ts: number, now: number): boolean {
    if (this.#roomSsrc === undefined) {
      this.#roomSsrc = ssrc;
      return true;
    }
    if (ssrc === this.#roomSsrc) return true;
    const quietMs = this.kind === 'audio' ? 80 : 300;
    if (now - this.#lastMediaAt < quietMs) return false;
    const elapsed = Math.max(1, Math.round(((now - this.#lastMediaAt) * (this.#remote?.clockRate ?? 8000)) / 1000));
    this.#seqOff = (this.#lastOutSeq + 1 - seq) & 0xffff;
    this.#tsOff = (this.#lastOutTs + elapsed - ts) >>> 0;
    const from = this.#roomSsrc;
    this.#roomSsrc = ssrc;
    this.#log.info({ from, to: ssrc }, 'room changed SSRC; stream rebased');
    this.emit('ssrcChange', { from, to: ssrc });
    if (this.kind === 'video') this.requestKeyFrame();
    return true;
  }

  #dtmfFromRoom(payload: Buffer, ts: number): void {
    const e = parseEvent(payload);
    if (!e || !e.end || this.#lastDtmfTs === ts) return; // end packets come three times
    this.#lastDtmfTs = ts;
    const digit = digitOf(e.code);
    if (digit) this.emit('dtmf', { digit });
  }

  #rtcpFromRoom(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 8 || msg[0]! >> 6 !== 2) return;
    const now = this.#clock.now();
    const r = this.#remote;
    if (r && !r.rtcpMux) {
      if (this.#latchedRtcp && !SAME(this.#latchedRtcp, rinfo) && now - this.#lastRtcpAt < 3 * RELATCH_MS) return;
      this.#latchedRtcp = { address: rinfo.address, port: rinfo.port };
    }
    this.#lastRtcpAt = now;
    this.#c.rtcpIn++;
    for (const b of reportBlocks(msg)) {
      if (b.ssrc === this.#outSsrc) this.#c.report = { ...b, rttMs: rttFromBlock(b, Date.now()) ?? this.#c.report?.rttMs };
    }
    if (this.#roomSsrc !== undefined) renameSsrc(msg, this.#roomSsrc, this.ingressSsrc);
    if (this.#transportPort !== undefined) this.#internal.send(msg, this.#transportPort, '127.0.0.1');
  }

  #fromInternal(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const r = this.#remote;
    if (!r || this.#closed || rinfo.port !== this.#transportPort) return;
    if (isRtcp(msg)) {
      if (this.#roomSsrc !== undefined) renameSsrc(msg, this.ingressSsrc, this.#roomSsrc);
      this.#sendRtcpToRoom(msg);
      if (hasKeyframeRequest(msg)) {
        // mediasoup asked our producer for a keyframe: the PLI went along above; FIR-only rooms get a FIR.
        const fb = r.rtcpFb;
        if (fb?.fir && !fb.pli && this.#roomSsrc !== undefined) {
          this.#sendRtcpToRoom(buildFir(this.ingressSsrc, this.#roomSsrc, this.#firSeq++));
        }
        this.#emitKeyframeRequest();
      }
      return;
    }
    const v = parseRtp(msg);
    if (!v || v.ssrc === PROBATION_SSRC || v.pt === PROBATION_PT || v.pt !== r.routerPt) {
      this.#c.dropped++;
      return;
    }
    setPt(msg, r.pt);
    this.#sendOut(msg);
  }

  #sendOut(pkt: Buffer): void {
    const dest = this.#latchedRtp ?? this.#remote;
    if (!dest || this.#closed || dest.port === 0) return;
    this.#sockets.rtp.send(pkt, dest.port, dest.address);
    this.#c.rtpOut++;
    this.#c.bytesOut += pkt.length;
    if (pkt.readUInt32BE(8) === this.#outSsrc) {
      this.#outPackets++;
      this.#outOctets += pkt.length - 12;
      this.#outLastAt = this.#clock.now();
    }
  }

  #sendRtcpToRoom(pkt: Buffer): void {
    const r = this.#remote;
    if (!r || this.#closed || r.port === 0) return;
    if (r.rtcpMux) {
      const dest = this.#latchedRtp ?? r;
      this.#sockets.rtp.send(pkt, dest.port, dest.address);
    } else {
      const dest = this.#latchedRtcp ?? { address: this.#latchedRtp?.address ?? r.address, port: r.rtcpPort };
      this.#sockets.rtcp.send(pkt, dest.port, dest.address);
    }
    this.#c.rtcpOut++;
  }

  #schedule(): void {
    const every = Math.min(1000, Math.max(50, Math.floor(this.#timeoutMs / 4)));
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return;
      this.#housekeeping();
      this.#schedule();
    }, every);
    this.#timer.unref?.();
  }

  #housekeeping(): void {
    const now = this.#clock.now();
    const r = this.#remote;
    if (r?.expectRtp && !this.#timedOut) {
      const silentMs = now - Math.max(this.#c.lastRtpAt ?? 0, this.#timeoutFrom);
      if (silentMs >= this.#timeoutMs) {
        this.#timedOut = true;
        this.emit('rtpTimeout', { silentMs });
      }
    }
    // Sender reports for what we send directly, so the room's receiver reports carry RTT.
    if (r && this.#outPackets > this.#srPacketsAt && now - this.#lastSrAt >= SR_INTERVAL_MS) {
      this.#lastSrAt = now;
      this.#srPacketsAt = this.#outPackets;
      const rtpTs = (this.#outTs + Math.round(((now - this.#outLastAt) * r.clockRate) / 1000)) >>> 0;
      this.#sendRtcpToRoom(buildSr({ ssrc: this.#outSsrc, nowMs: Date.now(), rtpTs, packets: this.#outPackets, octets: this.#outOctets, cname: 'vcbridge' }));
    }
  }
}
