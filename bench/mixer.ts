// Mixer and media-path cost with 21 simulated sites (PCMA, then G.722, then Opus).
//   npx tsx bench/mixer.ts [PCMA|G722|opus ...]     BENCH_SECONDS=10 by default
//
// The sites run in a child process (so this process's CPU is the bridge's): each sends 20 ms RTP
// frames to its SipMediaLeg and receives its mix. Site 0 sends a 1 kHz burst every second over
// silence-level tones from the others; site 1 times the burst's arrival in its mix (mix-path latency:
// relay + jitter buffer + mixer tick + encode, against the same clock). Site 20 is muted in the mix and
// sends frames stamped with a counter; a PlainTransport consumer of its producer sends them back to the
// child (SFU-path latency: relay + one mediasoup hop).
import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import alawmulaw from 'alawmulaw';
import { silentLogger } from '../daemon/util/logger.js';
import { WorkerPool } from '../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../daemon/media/SipMediaLeg.js';
import { AudioMixer } from '../daemon/media/AudioMixer.js';
import { createAudioCodec } from '../daemon/media/codecs/createAudioCodec.js';
import { buildRtp, isRtcp, parseRtp } from '../daemon/media/rtp/packet.js';

type Codec = 'PCMA' | 'G722' | 'opus';
const SITES = 21;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PT: Record<Codec, number> = { PCMA: 8, G722: 9, opus: 111 };
const CLOCK: Record<Codec, number> = { PCMA: 8000, G722: 8000, opus: 48000 };
const RATE: Record<Codec, number> = { PCMA: 8000, G722: 16000, opus: 16000 };

interface Hello {
  sitePorts: number[];
  probePort: number;
}
interface Go {
  legPorts: number[];
  seconds: number;
}
interface Result {
  mixMs: number[];
  sfuMs: number[];
  received: number;
}

// ---------------------------------------------------------------- the sites (child process)

async function sites(codec: Codec): Promise<void> {
  const socks = await Promise.all(Array.from({ length: SITES }, () => bind()));
  const probe = await bind();
  const rate = RATE[codec];
  const n = (rate * 20) / 1000;
  const encode = encoder(codec);
  const frames = (hz: number, amp: number): Buffer[] =>
    Array.from({ length: 50 }, (_, k) => {
      const pcm = new Int16Array(n);
      for (let i = 0; i < n; i++) pcm[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * (k * n + i)) / rate));
      return Buffer.from(encode(pcm));
    });
  const quiet = Array.from({ length: SITES }, (_, i) => frames(300 + i * 37, 300));
  const burst = frames(1000, 16000);
  const silence = frames(1000, 0);
  const decoder = createAudioCodec(codec);
  const result: Result = { mixMs: [], sfuMs: [], received: 0 };
  let burstSentAt = 0;
  let inBurst = false;
  socks[1]!.on('message', (m) => {
    const v = parseRtp(m);
    if (!v || isRtcp(m)) return;
    result.received++;
    const pcm = decoder.decode(m.subarray(v.payloadOffset, v.payloadEnd));
    let e = 0;
    for (const x of pcm) e += x * x;
    const loud = Math.sqrt(e / Math.max(1, pcm.length)) > 5000;
    if (loud && !inBurst && burstSentAt > 0) result.mixMs.push(performance.now() - burstSentAt);
    inBurst = loud;
  });
  const stampedAt = new Map<number, number>();
  probe.on('message', (m) => {
    const v = parseRtp(m);
    if (!v || isRtcp(m)) return;
    const at = stampedAt.get(m.readUInt32BE(v.payloadOffset));
    if (at !== undefined) result.sfuMs.push(performance.now() - at);
  });
  process.send!({ sitePorts: socks.map((s) => s.address().port), probePort: probe.address().port } satisfies Hello);
  const go = await new Promise<Go>((resolve) => process.once('message', (m) => resolve(m as Go)));
  const t0 = performance.now();
  const ssrcs = socks.map(() => (Math.random() * 0xffffffff) >>> 0);
  for (let tick = 0; tick < go.seconds * 50; tick++) {
    const k = tick % 50;
    for (let s = 0; s < SITES; s++) {
      let payload = quiet[s]![k]!;
      if (s === 0) {
        payload = k < 5 ? burst[k]! : silence[k]!;
        if (k === 0) burstSentAt = performance.now();
      }
      if (s === SITES - 1) {
        payload = Buffer.from(payload);
        payload.writeUInt32BE(tick, 0);
        stampedAt.set(tick, performance.now());
      }
      const ts = tick * ((CLOCK[codec] * 20) / 1000);
      socks[s]!.send(
        buildRtp({ pt: PT[codec], seq: tick, ts, ssrc: ssrcs[s]! }, payload),
        go.legPorts[s]!,
        '127.0.0.1',
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + (tick + 1) * 20 - performance.now())));
  }
  await new Promise((r) => setTimeout(r, 200));
  process.send!(result);
  for (const s of [...socks, probe]) s.close();
  process.exit(0);
}

function encoder(codec: Codec): (pcm: Int16Array) => Uint8Array {
  if (codec === 'PCMA') return (pcm) => alawmulaw.alaw.encode(pcm);
  const c = createAudioCodec(codec); // 16 kHz in, as the room's own encoder would take
  return (pcm) => c.encode(pcm);
}

async function bind(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

// ---------------------------------------------------------------- the bridge (this process)

function procTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

function summary(xs: number[]): string {
  if (xs.length === 0) return 'n=0';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): string => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
  return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s.at(-1)!.toFixed(1)} ms (n=${s.length})`;
}

async function run(codec: Codec): Promise<void> {
  const log = silentLogger();
  const pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  const router = await pool.routerFor('bench');
  const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
  const mixer = new AudioMixer({ log, router });
  const child: ChildProcess = fork(process.argv[1]!, ['--sites', codec], { stdio: 'inherit' });
  const hello = await new Promise<Hello>((resolve) => child.once('message', (m) => resolve(m as Hello)));
  const legs: SipMediaLeg[] = [];
  for (let i = 0; i < SITES; i++) {
    const leg = await SipMediaLeg.create({
      id: `site${i}`,
      router,
      ports,
      log,
      announcedAddress: '127.0.0.1',
      kinds: ['audio'],
    });
    await leg.setRemote({
      address: '127.0.0.1',
      audio: { port: hello.sitePorts[i]!, pt: PT[codec], codec, clockRate: CLOCK[codec] },
    });
    mixer.addSipLeg(`site${i}`, leg);
    legs.push(leg);
  }
  mixer.setMuted(`site${SITES - 1}`, true);
  const probeT = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: false,
  });
  await probeT.connect({ ip: '127.0.0.1', port: hello.probePort });
  await probeT.consume({ producerId: legs[SITES - 1]!.audioProducer!.id, rtpCapabilities: router.rtpCapabilities });

  const done = new Promise<Result>((resolve) => child.once('message', (m) => resolve(m as Result)));
  child.send({ legPorts: legs.map((l) => l.localDescription().audio!.port), seconds: SECONDS } satisfies Go);
  await new Promise((r) => setTimeout(r, 2000)); // warm-up: buffers primed, JIT warm
  const workerPid = pool.workers[0]!.pid!;
  const u0 = mixer.stats().reduce((a, s) => a + s.underruns, 0);
  const late0 = mixer.lateTicks;
  const c0 = process.cpuUsage();
  const w0 = procTicks(workerPid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, (SECONDS - 3) * 1000));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const workerTicks = procTicks(workerPid) - w0;
  const result = await done;
  const bridgePct = ((cpu.user + cpu.system) / 1e6 / wall) * 100;
  const workerPct = (workerTicks / 100 / wall) * 100; // CLK_TCK is 100 on Linux
  const jb = mixer.stats();
  const underruns = jb.reduce((a, s) => a + s.underruns, 0) - u0;
  const lateTicks = mixer.lateTicks - late0;
  console.log(`${codec.padEnd(5)} ${SITES} sites, ${wall.toFixed(1)} s measured`);
  console.log(
    `  bridge process (relays + mixer): ${bridgePct.toFixed(1)} % of a core = ${(bridgePct / SITES).toFixed(2)} % per site`,
  );
  console.log(`  mediasoup worker (${SITES} producers + 1 consumer): ${workerPct.toFixed(1)} % of a core`);
  console.log(`  mix path latency (site 0 burst → site 1's mix): ${summary(result.mixMs)}`);
  console.log(`  SFU path latency (site 20 → relay → mediasoup → consumer): ${summary(result.sfuMs)}`);
  console.log(
    `  while measured: jitter-buffer underruns ${underruns} (all ${SITES} sources), mixer ticks > 1 frame late ${lateTicks}; targets now ${[...new Set(jb.map((s) => s.targetFrames))].join('/')} frames; site 1 got ${result.received} mix packets`,
  );
  console.log(
    `  machine load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${os.availableParallelism()} cores`,
  );
  mixer.close();
  for (const l of legs) l.close();
  pool.close();
}

if (process.argv[2] === '--sites') {
  await sites(process.argv[3] as Codec);
} else {
  const which = (process.argv.slice(2).length ? process.argv.slice(2) : ['PCMA', 'G722', 'opus']) as Codec[];
  for (const c of which) await run(c);
}
