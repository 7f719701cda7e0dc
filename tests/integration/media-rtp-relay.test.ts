// RtpRelay on the wire, with UDP sockets on both sides: one plays the room, one plays the mediasoup
// PlainTransport (so the test can send exactly what mediasoup might: probation packets, PLIs).
import { afterEach, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { silentLogger } from '../../daemon/util/logger.js';
import { systemClock } from '../../daemon/util/clock.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { FIR_REPEAT_MS, RtpRelay, type RelayRemote } from '../../daemon/media/RtpRelay.js';
import { DtmfSender } from '../../daemon/media/DtmfSender.js';
import { buildRtp, isRtcp, parseRtp, seqDiff, type RtpView } from '../../daemon/media/rtp/packet.js';
import { buildFir, buildPli, firEntries, keyframeRequestSsrcs } from '../../daemon/media/rtp/rtcp.js';
import { eventPayload, parseEvent } from '../../daemon/media/rtp/telephoneEvent.js';
import { sleep, until } from '../helpers/wait.js';

const log = silentLogger();
const u32 = (x: number): number[] => [x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];
const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.reverse()) f();
  cleanup = [];
});

interface Sock {
  s: dgram.Socket;
  port: number;
  rtp: { v: RtpView; buf: Buffer; from: number }[];
  rtcp: Buffer[];
}

async function sock(): Promise<Sock> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const out: Sock = { s, port: s.address().port, rtp: [], rtcp: [] };
  s.on('message', (m, r) => {
    if (isRtcp(m)) out.rtcp.push(Buffer.from(m));
    else {
      const v = parseRtp(m);
      if (v) out.rtp.push({ v, buf: Buffer.from(m), from: r.port });
    }
  });
  cleanup.push(() => s.close());
  return out;
}

async function relayWith(
  kind: 'audio' | 'video',
  remote: Partial<RelayRemote> & { port: number; rtcpPort: number },
  timeoutMs = 10_000,
): Promise<{ relay: RtpRelay; ms: Sock }> {
  const sockets = await ports.allocate();
  const relay = new RtpRelay({ kind, sockets, log, clock: systemClock, rtpTimeoutMs: timeoutMs });
  cleanup.push(() => {
    relay.close();
    ports.release(sockets);
  });
  await relay.start();
  const ms = await sock();
  relay.setRemote({
    address: '127.0.0.1',
    rtcpMux: false,
    pt: 96,
    clockRate: kind === 'audio' ? 8000 : 90000,
    routerPt: 101,
    expectRtp: true,
    sendRtp: true,
    ...remote,
  });
  relay.setTransport(ms.port);
  return { relay, ms };
}

describe('RtpRelay', () => {
  it('renames SSRC and PT towards mediasoup and keeps seq/ts continuous when the room changes SSRC', async () => {
    const room = await sock();
    const { relay, ms } = await relayWith('audio', { port: room.port, rtcpPort: room.port + 1, pt: 8, routerPt: 8 });
    let seq = 100;
    let ts = 5000;
    for (let i = 0; i < 10; i++)
      room.s.send(
        buildRtp({ pt: 8, seq: seq++, ts: (ts += 160), ssrc: 111 }, Buffer.alloc(160)),
        relay.localPort,
        '127.0.0.1',
      );
    await sleep(150);
    seq = 40000;
    ts = 900000;
    for (let i = 0; i < 10; i++) {
      room.s.send(
        buildRtp({ pt: 8, seq: seq++, ts: (ts += 160), ssrc: 222 }, Buffer.alloc(160)),
        relay.localPort,
        '127.0.0.1',
      );
      await sleep(5);
    }
    await sleep(100);
    const got = ms.rtp.map((p) => p.v);
    expect(got.length).toBe(20);
    expect(got.every((v) => v.ssrc === relay.ingressSsrc && v.pt === 8)).toBe(true);
    for (let i = 1; i < got.length; i++) {
      expect(seqDiff(got[i]!.seq, got[i - 1]!.seq)).toBe(1);
      expect(((got[i]!.ts - got[i - 1]!.ts) | 0) > 0).toBe(true);
    }
    expect(relay.roomSsrc).toBe(222);
  });

  it('latches to the source the room really sends from, drops probation packets and rewrites egress PT', async () => {
    const sdp = await sock(); // what the SDP says
    const real = await sock(); // where the room actually sends from
    const { relay, ms } = await relayWith('video', { port: sdp.port, rtcpPort: sdp.port + 1 });
    real.s.send(buildRtp({ pt: 96, seq: 1, ts: 1, ssrc: 7 }, Buffer.alloc(10)), relay.localPort, '127.0.0.1');
    await sleep(50);
    ms.s.send(buildRtp({ pt: 127, seq: 1, ts: 1, ssrc: 1234 }, Buffer.alloc(10)), relay.internalPort, '127.0.0.1');
    ms.s.send(buildRtp({ pt: 101, seq: 2, ts: 2, ssrc: 99 }, Buffer.alloc(10)), relay.internalPort, '127.0.0.1');
    await sleep(100);
    expect(sdp.rtp).toEqual([]);
    expect(real.rtp.map((p) => [p.v.pt, p.v.ssrc, p.from])).toEqual([[96, 99, relay.localPort]]);
  });

  it("passes mediasoup's PLI on about the room's SSRC to a room that negotiated PLI", async () => {
    const room = await sock();
    const rtcp = await sock();
    const { relay, ms } = await relayWith('video', {
      port: room.port,
      rtcpPort: rtcp.port,
      rtcpFb: { pli: true, fir: true },
    });
    const requests: boolean[] = [];
    relay.on('keyframeRequest', (e) => requests.push(e.rtcpFeedback));
    room.s.send(buildRtp({ pt: 96, seq: 1, ts: 1, ssrc: 0xabc }, Buffer.alloc(10)), relay.localPort, '127.0.0.1');
    await sleep(50);
    // as mediasoup writes it: the stream it asks about as sender and as media
    ms.s.send(buildPli(relay.ingressSsrc, relay.ingressSsrc), relay.internalPort, '127.0.0.1');
    await until('the PLI at the room', () => rtcp.rtcp.length > 0, 5000, 10);
    await sleep(100);
    expect(rtcp.rtcp.flatMap((b) => keyframeRequestSsrcs(b))).toEqual([0xabc]);
    // never the room's own SSRC as the sender (RFC 3550 §8.2 would take it for a collision)
    expect(rtcp.rtcp.filter((b) => b[1] === 206).map((b) => b.readUInt32BE(4))).not.toContain(0xabc);
    expect(rtcp.rtcp.filter((b) => b[1] === 206).map((b) => b[0]! & 0x1f)).toEqual([1]);
    expect(requests).toEqual([true]);
  });

  it("turns mediasoup's PLI into a FIR about the room's SSRC for a room that negotiated only FIR", async () => {
    const room = await sock();
    const rtcp = await sock();
    const { relay, ms } = await relayWith('video', { port: room.port, rtcpPort: rtcp.port, rtcpFb: { fir: true } });
    const requests: boolean[] = [];
    relay.on('keyframeRequest', (e) => requests.push(e.rtcpFeedback));
    room.s.send(buildRtp({ pt: 96, seq: 1, ts: 1, ssrc: 0xabc }, Buffer.alloc(10)), relay.localPort, '127.0.0.1');
    await sleep(50);
    ms.s.send(buildPli(5, relay.ingressSsrc), relay.internalPort, '127.0.0.1');
    await sleep(100);
    const asked = rtcp.rtcp.flatMap((b) => keyframeRequestSsrcs(b));
    expect(asked).toEqual([0xabc]); // a FIR only: the room did not negotiate PLI
    expect(rtcp.rtcp.filter((b) => b[1] === 206).map((b) => b[0]! & 0x1f)).toEqual([4]);
    expect(requests).toEqual([true]);
  });

  it("turns a room's RFC 2032 FIR (PT 192) into a PLI about the video it receives, keeping the compound's rest", async () => {
    const room = await sock();
    const rtcp = await sock();
    const { relay, ms } = await relayWith('video', { port: room.port, rtcpPort: rtcp.port });
    room.s.send(buildRtp({ pt: 96, seq: 1, ts: 1, ssrc: 0xabc }, Buffer.alloc(10)), relay.localPort, '127.0.0.1');
    // a FIR before the room has been sent anything asks about nothing: left out, the rest goes on
    const fir = Buffer.from([0x80, 192, 0, 1, 0, 0, 0x0a, 0xbc]); // as baresip writes it: its own SSRC
    const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0x0a, 0xbc]);
    room.s.send(Buffer.concat([fir, rr]), relay.localRtcpPort, '127.0.0.1');
    await until('the receiver report at mediasoup', () => ms.rtcp.length > 0, 5000, 10);
    expect(ms.rtcp.map((b) => [...b])).toEqual([[0x80, 201, 0, 1, ...u32(relay.ingressSsrc)]]);
    // the consumer's video reaches the room: a FIR now asks for a picture of it
    ms.s.send(buildRtp({ pt: 101, seq: 2, ts: 2, ssrc: 0x5150 }, Buffer.alloc(10)), relay.internalPort, '127.0.0.1');
    await until('the video at the room', () => room.rtp.length > 0, 5000, 10);
    room.s.send(Buffer.concat([fir, rr, fir]), relay.localRtcpPort, '127.0.0.1');
    // an RFC 2032 NACK (PT 193) alone is left out; a FIR whose length runs past its datagram is no
    // request (passed on as it was, as before); neither throws, and the relay goes on
    room.s.send(Buffer.from([0x80, 193, 0, 1, 0, 0, 0x0a, 0xbc]), relay.localRtcpPort, '127.0.0.1');
    const torn = Buffer.from([0x80, 192, 0, 9, 0, 0, 0x0a, 0xbc]);
    room.s.send(Buffer.concat([rr, torn]), relay.localRtcpPort, '127.0.0.1');
    room.s.send(fir, relay.localRtcpPort, '127.0.0.1');
    await until('the last PLI at mediasoup', () => ms.rtcp.length >= 4, 5000, 10);
    await sleep(100);
    const pli = [0x81, 206, 0, 2, ...u32(relay.ingressSsrc), ...u32(0x5150)];
    const renamedRr = [0x80, 201, 0, 1, ...u32(relay.ingressSsrc)];
    expect(ms.rtcp.slice(1).map((b) => [...b])).toEqual([[...pli, ...renamedRr], [...renamedRr, ...torn], pli]);
  });

  it('passes a room’s FIR on once: a repeat of its seq nr soon after is a retransmission (RFC 5104 §4.3.1)', async () => {
    const room = await sock();
    const rtcp = await sock();
    const { relay, ms } = await relayWith('video', { port: room.port, rtcpPort: rtcp.port, rtcpFb: { fir: true } });
    const fir = (seqNr: number, media = 0x5150): Buffer => buildFir(0xabc, media, seqNr);
    const send = (b: Buffer): void => void room.s.send(b, relay.localRtcpPort, '127.0.0.1');
    const firs = (): number[][] => ms.rtcp.flatMap((b) => firEntries(b).map((e) => [e.ssrc, e.seqNr]));
    send(fir(5));
    send(fir(5)); // the same request again (the room saw no keyframe yet)
    send(Buffer.concat([Buffer.from([0x80, 201, 0, 1, 0, 0, 0x0a, 0xbc]), fir(5)])); // its report goes on
    send(fir(6)); // a new request
    send(fir(6, 0x7777)); // another stream's first
    await until('four packets at mediasoup', () => ms.rtcp.length >= 4, 5000, 10);
    await sleep(100);
    expect(firs()).toEqual([
      [0x5150, 5],
      [0x5150, 6],
      [0x7777, 6],
    ]);
    expect(ms.rtcp.map((b) => b[1])).toEqual([206, 201, 206, 206]);
    // long after, the same seq nr is a request again (a room that never counts up still gets pictures)
    await sleep(FIR_REPEAT_MS + 200);
    send(fir(6));
    await until('the late FIR at mediasoup', () => firs().length === 4, 5000, 10);
  });

  it('sends RFC 4733 DTMF in the audio stream, holds audio back meanwhile, and reports received digits', async () => {
    const room = await sock();
    const { relay } = await relayWith('audio', {
      port: room.port,
      rtcpPort: room.port + 1,
      pt: 0,
      routerPt: 0,
      telephoneEventPt: 101,
    });
    const dtmf = new DtmfSender({ relay, clock: systemClock });
    cleanup.push(() => dtmf.close());
    const audio = setInterval(() => relay.sendFrame(Buffer.alloc(160, 0xff), 160), 20);
    cleanup.push(() => clearInterval(audio));
    await sleep(60);
    await dtmf.send('1#', { durationMs: 100, gapMs: 40 });
    await sleep(60);
    clearInterval(audio);
    const pkts = room.rtp.map((p) => p.v);
    expect(new Set(pkts.map((v) => v.ssrc)).size).toBe(1);
    for (let i = 1; i < pkts.length; i++) expect(seqDiff(pkts[i]!.seq, pkts[i - 1]!.seq)).toBe(1);
    const events = room.rtp
      .filter((p) => p.v.pt === 101)
      .map((p) => ({ ts: p.v.ts, m: p.v.marker, ...parseEvent(p.buf.subarray(12))! }));
    expect([...new Set(events.map((e) => e.code))]).toEqual([1, 11]);
    const one = events.filter((e) => e.code === 1);
    expect(one[0]!.m).toBe(true);
    expect(one.filter((e) => e.end).length).toBe(3);
    expect(new Set(one.map((e) => e.ts)).size).toBe(1);
    // No audio packet between the first and last packet of an event.
    const first = room.rtp.findIndex((p) => p.v.pt === 101);
    const lastOne = room.rtp.findIndex((p, i) => i > first && p.v.pt === 101 && parseEvent(p.buf.subarray(12))!.end);
    expect(room.rtp.slice(first, lastOne).every((p) => p.v.pt === 101)).toBe(true);
    // Audio after the event continues at a later timestamp.
    const after = room.rtp.slice(lastOne).find((p) => p.v.pt === 0)!;
    expect(((after.v.ts - one[0]!.ts) | 0) >= one.at(-1)!.duration).toBe(true);

    const digits: string[] = [];
    relay.on('dtmf', (e) => digits.push(e.digit));
    for (const [end, dur] of [
      [false, 160],
      [true, 320],
      [true, 320],
      [true, 320],
    ] as const) {
      room.s.send(
        buildRtp({ pt: 101, seq: 0, ts: 777, ssrc: 5 }, eventPayload(9, end, dur)),
        relay.localPort,
        '127.0.0.1',
      );
    }
    await sleep(50);
    expect(digits).toEqual(['9']);
  });

  it('emits firstRtp, then rtpTimeout after silence, then rtpResumed', async () => {
    const room = await sock();
    const { relay } = await relayWith('audio', { port: room.port, rtcpPort: room.port + 1, pt: 0, routerPt: 0 }, 300);
    const seen: string[] = [];
    relay.on('firstRtp', () => seen.push('first'));
    relay.on('rtpTimeout', () => seen.push('timeout'));
    relay.on('rtpResumed', () => seen.push('resumed'));
    room.s.send(buildRtp({ pt: 0, seq: 1, ts: 1, ssrc: 5 }, Buffer.alloc(160)), relay.localPort, '127.0.0.1');
    await sleep(600);
    room.s.send(buildRtp({ pt: 0, seq: 2, ts: 161, ssrc: 5 }, Buffer.alloc(160)), relay.localPort, '127.0.0.1');
    await sleep(50);
    expect(seen).toEqual(['first', 'timeout', 'resumed']);
  });
});
