// The media of one m-line of one SIP leg, between a room system and a mediasoup PlainTransport.
//
//   room ──RTP/RTCP──▶ [room sockets]  RtpRelay  [internal socket] ──▶ PlainTransport (127.0.0.1)
//
// Why a relay at all (NOTES.md): mediasoup matches incoming RTP by SSRC only and rooms rarely signal
// a=ssrc, so we rename the room's SSRC to one we chose; consumers always send the router's payload
// type, so egress PTs are renamed to what the room negotiated; rooms may change SSRC mid-call, so seq
// and timestamps are rebased to stay continuous; and our RTP leaves from the port in our SDP, which
// symmetric-RTP room systems insist on, towards where the room really sends from (RoomSource).
// SDES-SRTP legs are terminated here (srtp/SrtpGuard): the room's packets are authenticated and
// decrypted before anything reads them, and what leaves for the room is encrypted after the last
// rewrite; the internal hop to mediasoup stays plain RTP.
//
// Ingress: room RTP → SSRC/PT/seq/ts rewritten → transport (producer), and emitted as 'rtp' (the mixer
// taps SIP audio here, one hop less than through mediasoup). Egress: consumer RTP from the transport →
// PT rewritten, probation packets dropped → room; or frames sent directly (mixer audio, DTMF).
// RTCP is renamed both ways so mediasoup's producer and consumer stats and PLI/FIR keep working.
import type dgram from 'node:dgram';
import { mediaSocket, roomyReceive } from './udp.js';
import type { Logger } from '../util/logger.js';
import type { Clock, Timer } from '../util/clock.js';
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { SocketPair } from './RelayPortPool.js';
import type { MediaKind, TransportAddress } from './types.js';
import {
  PROBATION_PT,
  PROBATION_SSRC,
  isRtcp,
  parseRtp,
  randomSsrc,
  setPt,
  setSeq,
  setSsrc,
  setTs,
} from './rtp/packet.js';
import { OutboundStream } from './rtp/OutboundStream.js';
import { StreamRebaser } from './rtp/StreamRebaser.js';
import {
  buildFir,
  buildPli,
  firEntries,
  hasKeyframeRequest,
  hasRfc2032,
  rfc2032AsPli,
  withoutFir,
  withoutPli,
  renameSsrc,
  reportBlocks,
  rttFromBlock,
  type ReportBlock,
} from './rtp/rtcp.js';
import { digitOf, parseEvent } from './rtp/telephoneEvent.js';
import { SrtpGuard, type SrtpCounters } from './srtp/SrtpGuard.js';
import type { SrtpKeys } from './srtp/SrtpKeys.js';
import { RoomSource } from './RoomSource.js';

/** A room's FIR repeating its last seq nr within this long is a retransmission (RFC 5104 §4.3.1). */
export const FIR_REPEAT_MS = 2000;

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
  /** The room receives on this m-line (false when it said sendonly/inactive: we must not send). */
  sendRtp: boolean;
  /** SDES-SRTP keys of this m-line; absent for plain RTP. */
  srtp?: SrtpKeys;
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
  rtpIn: number;
  bytesIn: number;
  rtpOut: number;
  bytesOut: number;
  rtcpIn: number;
  rtcpOut: number;
  dropped: number;
  /** Media packets expected from the room (by sequence number) and received; the gap is loss. */
  expected: number;
  received: number;
  lastRtpAt: number | undefined;
  remoteRtp: TransportAddress | undefined;
  /** The room's last report about our directly sent stream (audio mix), with RTT if known. */
  report: (ReportBlock & { rttMs?: number }) | undefined;
  /** The SRTP suite in use and the packets it refused; undefined on plain RTP. */
  srtp: (SrtpCounters & { suite: string }) | undefined;
}

export type RelayEvents = {
  rtp: [RelayedRtp];
  firstRtp: [];
  rtpTimeout: [{ silentMs: number }];
  rtpResumed: [];
  keyframeRequest: [{ rtcpFeedback: boolean }];
  dtmf: [{ digit: string }];
  ssrcChange: [{ to: number }];
};

export interface RtpRelayOptions {
  kind: MediaKind;
  sockets: SocketPair;
  log: Logger;
  clock: Clock;
  rtpTimeoutMs: number;
  /** Names the leg in the SRTP authentication-failure metric (default 'unknown'). */
  legId?: string;
  /** The SSRC the room's media gets towards mediasoup (default: a random one). */
  ingressSsrc?: number;
}

export class RtpRelay extends TypedEmitter<RelayEvents> {
  readonly kind: MediaKind;
  readonly ingressSsrc: number;
  readonly #sockets: SocketPair;
  readonly #internal = mediaSocket();
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #legId: string;
  #remote: RelayRemote | undefined;
  #srtp: SrtpGuard | undefined;
  #transportPort: number | undefined;
  #closed = false;
  #timer: Timer | undefined;
  // ingress
  readonly #rebase: StreamRebaser;
  readonly #room = new RoomSource();
  #timedOut = false;
  #timeoutFrom = 0;
  #sawRtp = false;
  #lastDtmfTs: number | undefined;
  #lastKfReqAt = -Infinity;
  #firSeq = 0;
  /** The SSRC of the video mediasoup sends the room (what the room's RFC 2032 FIR is about). */
  #egressSsrc: number | undefined;
  /** The room's last new FIR per media SSRC: a repeat of its seq nr soon after is a retransmission. */
  readonly #firsIn = new Map<number, { seqNr: number; at: number }>();
  // direct egress (mixer frames, DTMF)
  readonly #out = new OutboundStream();
  readonly #c: RelayCounters = {
    rtpIn: 0,
    bytesIn: 0,
    rtpOut: 0,
    bytesOut: 0,
    rtcpIn: 0,
    rtcpOut: 0,
    dropped: 0,
    expected: 0,
    received: 0,
    lastRtpAt: undefined,
    remoteRtp: undefined,
    report: undefined,
    srtp: undefined,
  };

  constructor(o: RtpRelayOptions) {
    super();
    this.kind = o.kind;
    this.ingressSsrc = o.ingressSsrc ?? randomSsrc();
    this.#rebase = new StreamRebaser(o.kind === 'audio' ? 80 : 300);
    this.#sockets = o.sockets;
    this.#log = o.log.child({ kind: o.kind });
    this.#clock = o.clock;
    this.#timeoutMs = o.rtpTimeoutMs;
    this.#legId = o.legId ?? 'unknown';
    for (const s of [o.sockets.rtp, o.sockets.rtcp, this.#internal]) {
      s.on('error', (e) => this.#log.warn({ err: e }, 'relay socket error'));
    }
    o.sockets.rtp.on('message', (m, r) => this.#fromRoom(m, r, false));
    o.sockets.rtcp.on('message', (m, r) => this.#fromRoom(m, r, true));
    this.#internal.on('message', (m, r) => this.#fromInternal(m, r));
  }

  /** Bind the internal socket (on `internalPort` when given: a restarted media plane takes its old one). */
  async start(internalPort = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#internal.once('error', reject);
      this.#internal.bind(internalPort, '127.0.0.1', () => {
        this.#internal.off('error', reject);
        // what mediasoup sends the room: a composed picture's keyframe bursts as it does into the view
        if (this.kind === 'video') roomyReceive(this.#internal);
        resolve();
      });
    });
    this.#schedule();
  }

  get localPort(): number {
    return this.#sockets.port;
  }
  get localRtcpPort(): number {
    return this.#sockets.rtcpPort;
  }
  /** Where the mediasoup PlainTransport must send (127.0.0.1). */
  get internalPort(): number {
    return this.#internal.address().port;
  }
  /** SSRC of frames sent with sendFrame() (the room reports on it). */
  get outboundSsrc(): number {
    return this.#out.ssrc;
  }
  get remote(): RelayRemote | undefined {
    return this.#remote;
  }
  get roomSsrc(): number | undefined {
    return this.#rebase.ssrc;
  }

  counters(): RelayCounters {
    const srtp = this.#srtp && { suite: this.#srtp.suite, ...this.#srtp.counters };
    return { ...this.#c, remoteRtp: this.#room.rtp ?? this.#c.remoteRtp, srtp };
  }

  /** The SRTP suite of this m-line, or undefined when it carries plain RTP. */
  get srtpSuite(): string | undefined {
    return this.#srtp?.suite;
  }

  /** Apply the negotiated remote; undefined stops the m-line (rejected or removed). */
  setRemote(remote: RelayRemote | undefined): void {
    this.#setKeys(remote?.srtp);
    if (!remote) {
      this.#remote = undefined;
      return;
    }
    const changedAddress =
      !this.#remote || this.#remote.address !== remote.address || this.#remote.port !== remote.port;
    this.#remote = remote;
    this.#c.remoteRtp = { address: remote.address, port: remote.port };
    if (changedAddress) this.#room.reset();
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
    const pkt = this.#out.frame(r?.pt ?? 0, payload, samples, this.#clock.now(), marker);
    if (pkt && r) this.#sendOut(pkt);
  }

  /** Start of a telephone-event: frames are held back until endEvent(); returns the event timestamp. */
  beginEvent(): number {
    return this.#out.beginEvent();
  }

  sendEventPacket(payload: Buffer, ts: number, marker: boolean): void {
    const pt = this.#remote?.telephoneEventPt;
    if (pt !== undefined) this.#sendOut(this.#out.event(pt, payload, ts, marker, this.#clock.now()));
  }

  /** End of an event lasting `duration` clock units from `ts`: audio resumes after it. */
  endEvent(ts: number, duration: number): void {
    this.#out.endEvent(ts, duration);
  }

  /** Ask the room for a keyframe: RTCP PLI (or FIR for FIR-only rooms) and a keyframeRequest event. */
  requestKeyFrame(): void {
    const now = this.#clock.now();
    if (now - this.#lastKfReqAt < 200) return;
    this.#lastKfReqAt = now;
    if (this.#rebase.ssrc !== undefined) {
      const fb = this.#remote?.rtcpFb;
      if (!fb || fb.pli || !fb.fir) this.#sendRtcpToRoom(buildPli(this.ingressSsrc, this.#rebase.ssrc));
      if (fb?.fir) this.#sendRtcpToRoom(buildFir(this.ingressSsrc, this.#rebase.ssrc, this.#firSeq++));
    }
    this.#emitKeyframeRequest();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#setKeys(undefined);
    this.#clock.clearTimeout(this.#timer);
    this.#internal.close();
    this.removeAllListeners();
  }

  /** New keys (first answer, or a re-key) replace the contexts; the same keys keep them running. */
  #setKeys(keys: SrtpKeys | undefined): void {
    if (keys && keys.sameAs(this.#srtp?.keys)) return;
    if (keys && this.#srtp && this.#srtp.suite === keys.suite) {
      this.#srtp.rekey(keys);
      this.#log.info({ suite: keys.suite }, 'SRTP re-keyed');
      return;
    }
    this.#srtp?.close();
    this.#srtp = undefined;
    if (!keys) return;
    this.#srtp = new SrtpGuard(keys, this.#legId);
    this.#srtp.onKeyExpired = () =>
      this.#log.warn({ suite: keys.suite }, 'SRTP key lifetime reached: packets refused until the room re-keys');
    this.#log.info({ suite: keys.suite }, 'SRTP on');
  }

  #emitKeyframeRequest(): void {
    const fb = this.#remote?.rtcpFb;
    this.emit('keyframeRequest', { rtcpFeedback: Boolean(fb && (fb.pli || fb.fir)) });
  }

  #fromRoom(raw: Buffer, rinfo: dgram.RemoteInfo, onRtcpSocket: boolean): void {
    const r = this.#remote;
    if (!r || this.#closed) return;
    const rtcp = onRtcpSocket || isRtcp(raw);
    // authenticate before anything else reads the packet: garbage must not latch or count as media
    const msg = this.#srtp ? this.#srtp.unprotect(raw, rtcp) : raw;
    if (!msg) {
      this.#c.dropped++;
      return;
    }
    if (rtcp) return this.#rtcpFromRoom(msg, rinfo);
    const v = parseRtp(msg);
    const isMedia = v?.pt === r.pt;
    const isEvent = v !== undefined && r.telephoneEventPt !== undefined && v.pt === r.telephoneEventPt;
    if (!v || (!isMedia && !isEvent)) {
      this.#c.dropped++;
      return;
    }
    const now = this.#clock.now();
    const source = this.#room.rtpFrom(rinfo, now);
    if (source === 'drop') {
      this.#c.dropped++; // a second source while the first is alive: not ours to mix in
      return;
    }
    if (source === 'latched') this.#log.debug({ from: this.#room.rtp }, 'latched room RTP source');
    const verdict = this.#rebase.accept(v.ssrc, v.seq, v.ts, now, r.clockRate);
    if (verdict === 'drop') {
      this.#c.dropped++;
      return;
    }
    if (verdict === 'switched') this.#onSsrcSwitch(v.ssrc);
    this.#rebase.touch(now);
    this.#room.heard(now);
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
    const { seq, ts, advanced } = this.#rebase.map(v.seq, v.ts);
    this.#c.expected += advanced; // RFC 3550 A.3: expected = extended highest - base + 1
    this.#c.received++;
    setSsrc(msg, this.ingressSsrc);
    setPt(msg, r.routerPt);
    setSeq(msg, seq);
    setTs(msg, ts);
    if (this.#transportPort !== undefined) this.#internal.send(msg, this.#transportPort, '127.0.0.1');
    if (this.listenerCount('rtp') > 0) {
      this.emit('rtp', {
        packet: msg,
        payload: msg.subarray(v.payloadOffset, v.payloadEnd),
        seq,
        ts,
        marker: v.marker,
      });
    }
  }

  #onSsrcSwitch(to: number): void {
    this.#log.info({ to }, 'room changed SSRC; stream rebased');
    this.emit('ssrcChange', { to });
    if (this.kind === 'video') this.requestKeyFrame();
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
    if (r && !this.#room.rtcpFrom(rinfo, r, now)) return;
    this.#c.rtcpIn++;
    for (const b of reportBlocks(msg)) {
      if (b.ssrc === this.#out.ssrc)
        this.#c.report = { ...b, rttMs: rttFromBlock(b, Date.now()) ?? this.#c.report?.rttMs };
    }
    let out: Buffer | undefined = msg;
    // a room without rtcp-fb (RFC 2032 FIR, PT 192) asks for a picture as a PLI would: mediasoup then
    // treats it like any room's PLI (the composed picture's encoder, or the switched source)
    if (hasRfc2032(msg)) {
      out = rfc2032AsPli(msg, this.ingressSsrc, this.kind === 'video' ? this.#egressSsrc : undefined);
      if (!out) return;
    }
    if (this.#repeatsOnly(out, now)) {
      out = withoutFir(out);
      if (!out) return;
    }
    if (this.#rebase.ssrc !== undefined) renameSsrc(out, this.#rebase.ssrc, this.ingressSsrc);
    if (this.#transportPort !== undefined) this.#internal.send(out, this.#transportPort, '127.0.0.1');
  }

  /**
   * True when every FIR entry of the compound repeats the seq nr of the room's last FIR for that stream
   * within FIR_REPEAT_MS: RFC 5104 §4.3.1, a retransmitted request must not make another keyframe
   * (mediasoup reads no seq nr). After that long the same seq nr counts as new again: a room that
   * never counts up (seen in the wild) still gets pictures, and one whose keyframe was lost too.
   */
  #repeatsOnly(msg: Buffer, now: number): boolean {
    const entries = firEntries(msg);
    if (entries.length === 0) return false;
    let repeats = 0;
    for (const e of entries) {
      const last = this.#firsIn.get(e.ssrc);
      if (last && last.seqNr === e.seqNr && now - last.at < FIR_REPEAT_MS) repeats++;
      else this.#firsIn.set(e.ssrc, { seqNr: e.seqNr, at: now });
    }
    return repeats === entries.length;
  }

  #fromInternal(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const r = this.#remote;
    if (!r || this.#closed || rinfo.port !== this.#transportPort) return;
    if (isRtcp(msg)) {
      if (this.#rebase.ssrc !== undefined)
        renameSsrc(msg, this.ingressSsrc, this.#rebase.ssrc, { feedbackSender: false });
      const keyframe = hasKeyframeRequest(msg);
      // mediasoup asks our producer for keyframes by PLI: a room that negotiated only ccm fir gets a FIR
      // instead (as from requestKeyFrame), never feedback it did not agree to
      const firOnly = Boolean(r.rtcpFb?.fir && !r.rtcpFb.pli);
      const out = keyframe && firOnly ? withoutPli(msg) : msg;
      if (out) this.#sendRtcpToRoom(out);
      if (keyframe) {
        if (firOnly && this.#rebase.ssrc !== undefined) {
          this.#sendRtcpToRoom(buildFir(this.ingressSsrc, this.#rebase.ssrc, this.#firSeq++));
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
    this.#egressSsrc = v.ssrc;
    setPt(msg, r.pt);
    this.#sendOut(msg);
  }

  #sendOut(plain: Buffer): void {
    const r = this.#remote;
    if (!r || this.#closed || !r.sendRtp) return;
    const dest = this.#room.rtpDest(r);
    if (dest.port === 0) return;
    const pkt = this.#srtp ? this.#srtp.protectRtp(plain) : plain;
    if (!pkt) return;
    this.#sockets.rtp.send(pkt, dest.port, dest.address);
    this.#c.rtpOut++;
    this.#c.bytesOut += pkt.length;
  }

  #sendRtcpToRoom(plain: Buffer): void {
    const r = this.#remote;
    if (!r || this.#closed || r.port === 0) return;
    const pkt = this.#srtp ? this.#srtp.protectRtcp(plain) : plain;
    if (!pkt) return;
    const dest = r.rtcpMux ? this.#room.rtpDest(r) : this.#room.rtcpDest(r);
    (r.rtcpMux ? this.#sockets.rtp : this.#sockets.rtcp).send(pkt, dest.port, dest.address);
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
    const sr = r && this.#out.senderReport(now, Date.now(), r.clockRate);
    if (sr) this.#sendRtcpToRoom(sr);
  }
}
