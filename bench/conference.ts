// A 21-site conference through the whole bridge: real SIP (the daemon's stack) to 19 baresip room
// systems (audio PCMA tones; BENCH_VIDEO of them also send H.264) plus 2 probe sites simulated in
// this process (real RTP, signalled in-process) that time the media paths.
//   npx tsx bench/conference.ts            BENCH_SECONDS=10 BENCH_VIDEO=3 by default
//   BENCH_SRTP=1 npx tsx bench/conference.ts   the same with every room on SDES-SRTP (mediaenc=srtp-mand)
// Figures: time from conference.start to every site connected; CPU and RSS of the bridge (this
// process) and of the mediasoup worker; bridge CPU per site; added one-way latency of the mix path
// (probe A's tone onset → probe B's mix) and of the SFU path (probe A's video tag change → probe B's
// view), both against this process's clock.
import fs from 'node:fs';
import { BaresipRoom } from '../tests/peers/baresipRoom.js';
import { startBridge } from '../tests/helpers/conferenceBridge.js';
import { SimSignalling } from '../tests/helpers/simSignalling.js';
import { toneDb } from '../tests/helpers/simRoom.js';
import { tagOf } from '../tests/helpers/simVideo.js';
import alawmulaw from 'alawmulaw';
import type { DialRequest, IncomingSignal, SignalCall, Signalling } from '../daemon/conference/Signalling.js';
import type { Endpoint } from '../daemon/config/schema.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const VIDEO = Number(process.env.BENCH_VIDEO ?? 3);
const ROOMS = 19;
const SRTP = Boolean(process.env.BENCH_SRTP);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ on Linux
const ulaw = (b: Uint8Array): Int16Array => (b.length ? alawmulaw.mulaw.decode(b) : new Int16Array(0));

function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}
const pct = (ticks: number, secs: number): string => `${((ticks / TICK / secs) * 100).toFixed(1)} %`;
const stats = (xs: number[]): string => {
  if (!xs.length) return 'no samples';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms (n=${s.length})`;
};

/** SIP for the rooms, in-process signalling for the two probes. */
class RoutedSignalling implements Signalling {
  constructor(
    readonly sip: Signalling,
    readonly sim: SimSignalling,
  ) {}
  dial(req: DialRequest): Promise<SignalCall> {
    return this.sim.sites.has(req.endpoint.id) ? this.sim.dial(req) : this.sip.dial(req);
  }
  onIncoming(handler: (call: IncomingSignal) => void): () => void {
    return this.sip.onIncoming(handler);
  }
  register(ep: Endpoint): Promise<void> {
    return this.sip.register(ep);
  }
}

async function main(): Promise<void> {
  console.log(
    `starting ${ROOMS} baresip rooms (${VIDEO} with H.264 video${SRTP ? ', all on SRTP' : ''}) and 2 probes …`,
  );
  const rooms: BaresipRoom[] = [];
  for (let i = 0; i < ROOMS; i++) {
    rooms.push(
      await BaresipRoom.start({
        name: `room${i}`,
        toneHz: 300 + 37 * i,
        audioCodecs: ['PCMA'],
        toneSeconds: SECONDS + 40,
        ...(SRTP ? { mediaenc: 'srtp-mand' as const } : {}),
        ...(i < VIDEO ? { video: 'H264' as const, color: ['red', 'lime', 'blue', 'yellow'][i % 4] } : {}),
      }),
    );
  }
  const sim = await SimSignalling.create([
    { id: 'probea', toneHz: 0, tag: 0xa0 },
    { id: 'probeb', toneHz: 0, tag: 0xb0 },
  ]);
  const endpoints = [
    ...rooms.map((r, i) => ({
      id: `room${i}`,
      name: { zh: `会场${i}`, en: `Room ${i}` },
      kind: 'town',
      uri: r.uri,
      groups: ['towns'],
      codecs: { audio: ['PCMA'], video: ['H264'] },
    })),
    ...['probea', 'probeb'].map((id) => ({
      id,
      name: { zh: id, en: id },
      kind: 'bureau',
      uri: `sip:${id}@127.0.0.1:9`,
      groups: ['towns'],
      codecs: { audio: ['PCMU'], video: ['VP8'] },
    })),
  ];
  let routed: RoutedSignalling | undefined;
  const bridge = await startBridge({
    endpoints,
    workers: 1,
    signallingWrap: (s) => (routed = new RoutedSignalling(s, sim)),
  });
  try {
    // ---- time to all connected
    const t0 = performance.now();
    const conf = await bridge.manager.start({ title: 'bench', group: 'towns', mode: 'select' });
    const connected = new Map<string, number>();
    while (connected.size < endpoints.length && performance.now() - t0 < 30_000) {
      for (const p of bridge.manager.show(conf.id).participants)
        if (p.state === 'connected' && !connected.has(p.endpointId))
          connected.set(p.endpointId, performance.now() - t0);
      await sleep(5);
    }
    const times = [...connected.values()].sort((a, b) => a - b);
    console.log(
      `\nsites connected: ${connected.size}/${endpoints.length}; all connected after ${times.at(-1)?.toFixed(0)} ms (first ${times[0]?.toFixed(0)} ms, median ${times[Math.floor(times.length / 2)]?.toFixed(0)} ms)`,
    );
    const encrypted = bridge.manager.show(conf.id).participants.filter((p) => p.srtp).length;
    console.log(`legs on SRTP: ${encrypted}/${endpoints.length}`);
    if (!routed) throw new Error('signalling not wired');
    const c = bridge.manager.get(conf.id);
    c.select('probeb', 'probea');
    await sleep(2000);

    // ---- steady-state CPU and RSS
    const worker = bridge.pool.workers[0]!.pid!;
    const self0 = process.cpuUsage();
    const w0 = cpuTicks(worker);
    const r0 = rooms.reduce((n, r) => n + cpuTicks(r.proc!.pid!), 0);
    await sleep(SECONDS * 1000);
    const selfUs = process.cpuUsage(self0);
    const selfPct = ((selfUs.user + selfUs.system) / 1e6 / SECONDS) * 100;
    const w1 = cpuTicks(worker);
    const r1 = rooms.reduce((n, r) => n + cpuTicks(r.proc!.pid!), 0);
    console.log(
      `bridge (node) CPU ${selfPct.toFixed(1)} % of a core, RSS ${rssMb(process.pid)} MB; per site ${(selfPct / endpoints.length).toFixed(2)} %`,
    );
    console.log(`mediasoup worker CPU ${pct(w1 - w0, SECONDS)}, RSS ${rssMb(worker)} MB`);
    console.log(`(the ${ROOMS} baresip rooms together: ${pct(r1 - r0, SECONDS)})`);
    const mix = c.media.mixerStats();
    const codecs = new Map<string, number>();
    for (const m of mix) codecs.set(m.codec, (codecs.get(m.codec) ?? 0) + 1);
    console.log(`mixer: ${mix.length} sources (${[...codecs].map(([k, n]) => `${k}×${n}`).join(', ')})`);

    // ---- mix path: the first toned frame probe A sends → its tone in probe B's mix. The probes'
    // frames are sent from here on a 20 ms timer so the send time of that frame is known exactly.
    const a = sim.site('probea');
    const b = sim.site('probeb');
    const call = a.current!;
    const audioDest = { address: call.local.address, port: call.local.audio!.port };
    const videoDest = { address: call.local.address, port: call.local.video!.port };
    a.audio.stop();
    let toneOnAt: number | undefined;
    let wantTone = false;
    const pump = setInterval(() => {
      if (wantTone && a.audio.toneHz === 0) {
        a.audio.toneHz = 1000;
        toneOnAt = performance.now();
      } else if (!wantTone) a.audio.toneHz = 0;
      a.audio.sendFrame(audioDest);
    }, 20);
    const mixMs: number[] = [];
    for (let k = 0; k < 10; k++) {
      wantTone = false;
      await sleep(500);
      b.audio.packets.splice(0, b.audio.packets.length);
      toneOnAt = undefined;
      wantTone = true;
      const deadline = performance.now() + 600;
      let got: number | undefined;
      while (got === undefined && performance.now() < deadline) {
        await sleep(2);
        for (const p of b.audio.packets) {
          if (toneOnAt === undefined || p.at < toneOnAt) continue;
          const pcm = ulaw(p.payload);
          if (toneDb(pcm, 8000, 1000) > -45) {
            got = p.at;
            break;
          }
        }
      }
      if (got !== undefined && toneOnAt !== undefined) mixMs.push(got - toneOnAt);
    }
    clearInterval(pump);
    console.log(`mix path (relay → jitter buffer → mixer tick → encode → relay), one way: ${stats(mixMs)}`);

    // ---- SFU path: a video frame with a new tag sent by probe A → its first packet at probe B
    a.video.stop();
    const sfuMs: number[] = [];
    for (let k = 0; k < 20; k++) {
      a.video.o.tag = 0xc0 + k;
      const sentAt = performance.now();
      a.video.sendFrame(videoDest);
      let got: number | undefined;
      while (got === undefined && performance.now() < sentAt + 300) {
        await sleep(1);
        got = b.video.received.find((r) => r.at >= sentAt && tagOf('VP8', r.payload) === 0xc0 + k)?.at;
      }
      if (got !== undefined) sfuMs.push(got - sentAt);
      await sleep(60);
    }
    console.log(`SFU path (relay → mediasoup → view → mediasoup → relay), one way: ${stats(sfuMs)}`);
  } finally {
    await bridge.close();
    sim.close();
    await Promise.all(rooms.map((r) => r.stop()));
  }
}

await main();
