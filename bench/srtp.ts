// What SRTP adds per SIP leg: one leg's traffic, both directions, through SrtpGuard (libsrtp2 via
// koffi) as the relay runs it: audio PCMA 20 ms (50 packets/s each way, 172-byte RTP) and CIF video
// at 256 kbit/s (≈ 30 packets/s each way of ≈ 1,080 bytes), plus RTCP (1/s per stream and direction).
// Room→bridge packets are unprotected, bridge→room packets protected, as in a call.
//   npx tsx bench/srtp.ts           BENCH_SECONDS=600 simulated seconds (run as fast as possible)
// Figure: CPU time per simulated second of one leg = share of one core per leg, for each suite.
import { SrtpKeys } from '../daemon/media/srtp/SrtpKeys.js';
import { SrtpGuard } from '../daemon/media/srtp/SrtpGuard.js';
import { supportedSuites, type SrtpSuiteName } from '../daemon/media/srtp/libsrtp.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 600);
const KEY_BYTES: Record<SrtpSuiteName, number> = {
  AES_CM_128_HMAC_SHA1_80: 30,
  AES_CM_128_HMAC_SHA1_32: 30,
  AEAD_AES_128_GCM: 28,
};

function rtp(ssrc: number, pt: number, seq: number, ts: number, payload: number): Buffer {
  const p = Buffer.alloc(12 + payload, seq & 0xff);
  p[0] = 0x80;
  p[1] = pt;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE(ts >>> 0, 4);
  p.writeUInt32BE(ssrc, 8);
  return p;
}

function rtcp(ssrc: number): Buffer {
  const p = Buffer.alloc(52, 0);
  p[0] = 0x81;
  p[1] = 200;
  p.writeUInt16BE(52 / 4 - 1, 2);
  p.writeUInt32BE(ssrc, 4);
  return p;
}

function runSuite(suite: SrtpSuiteName): { cpuMs: number; wallMs: number; packets: number } {
  const a = Buffer.alloc(KEY_BYTES[suite], 1);
  const b = Buffer.alloc(KEY_BYTES[suite], 2);
  const bridge = new SrtpGuard(new SrtpKeys(suite, { key: a }, { key: b }), 'bench');
  const room = new SrtpGuard(new SrtpKeys(suite, { key: b }, { key: a }), 'room');
  let packets = 0;
  let cpu = 0;
  const t0 = performance.now();
  const step = (fn: () => void): void => {
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    cpu += (d.user + d.system) / 1000;
  };
  for (let s = 0; s < SECONDS; s++) {
    // the room's side is prepared outside the measured part: only the bridge's work counts
    const fromRoom: { pkt: Buffer; rtcp: boolean }[] = [];
    for (let i = 0; i < 50; i++)
      fromRoom.push({ pkt: room.protectRtp(rtp(0x1111, 8, s * 50 + i, (s * 50 + i) * 160, 160))!, rtcp: false });
    for (let i = 0; i < 30; i++)
      fromRoom.push({ pkt: room.protectRtp(rtp(0x2222, 96, s * 30 + i, (s * 30 + i) * 3000, 1067))!, rtcp: false });
    fromRoom.push(
      { pkt: room.protectRtcp(rtcp(0x1111))!, rtcp: true },
      { pkt: room.protectRtcp(rtcp(0x2222))!, rtcp: true },
    );
    const toRoom: { pkt: Buffer; rtcp: boolean }[] = [];
    for (let i = 0; i < 50; i++) toRoom.push({ pkt: rtp(0x3333, 8, s * 50 + i, (s * 50 + i) * 160, 160), rtcp: false });
    for (let i = 0; i < 30; i++)
      toRoom.push({ pkt: rtp(0x4444, 96, s * 30 + i, (s * 30 + i) * 3000, 1067), rtcp: false });
    toRoom.push({ pkt: rtcp(0x3333), rtcp: true }, { pkt: rtcp(0x4444), rtcp: true });
    step(() => {
      for (const p of fromRoom) {
        if (!bridge.unprotect(p.pkt, p.rtcp)) throw new Error('unprotect failed');
      }
      for (const p of toRoom) {
        if (!(p.rtcp ? bridge.protectRtcp(p.pkt) : bridge.protectRtp(p.pkt))) throw new Error('protect failed');
      }
    });
    packets += fromRoom.length + toRoom.length;
  }
  const wallMs = performance.now() - t0;
  bridge.close();
  room.close();
  return { cpuMs: cpu, wallMs, packets };
}

console.log(
  `SRTP per leg: audio PCMA 20 ms + CIF video 256 kbit/s + RTCP, both directions, ${SECONDS} simulated seconds per suite`,
);
for (const suite of supportedSuites()) {
  runSuite(suite); // warm-up (JIT, koffi call paths)
  const r = runSuite(suite);
  const perLegPct = (r.cpuMs / (SECONDS * 1000)) * 100;
  const perPacketUs = (r.cpuMs * 1000) / r.packets;
  console.log(
    `${suite.padEnd(24)} ${perLegPct.toFixed(3)} % of a core per leg (${perPacketUs.toFixed(2)} µs CPU per packet, ${r.packets} packets)`,
  );
}
