// The emergency meeting of the example site (issue #14): the `emergency` template of
// configs/gongyi.example.yaml — every site, 76 legs — through the whole bridge (ConferenceManager,
// relays, mixer, views, stats, real mediasoup worker), with simulated rooms.
//   npx tsx bench/conference-emergency.ts      BENCH_SECONDS=20 by default, BENCH_SETTLE_S=3 before it
//   BENCH_RT=1 ...                             the plane thread and the probes at real-time priority
//   BENCH_PLANE=0 npx tsx bench/conference-emergency.ts   audio relays and mixer in the main thread
//                                                         (as before the media plane worker), to compare
//
// The rooms run in child processes (so this process's CPU is the bridge's): each sends PCMA tones
// (20 ms) and VP8 "CIF" video (25 fps, 2 packets of 1000 bytes a frame ≈ 400 kbit/s) to its leg's
// relay ports and receives its N-1 mix and the broadcast picture. Signalling is in-process (the
// real SIP path is covered by bench/conference.ts with baresip). One site (probe A) sends a 1 kHz
// burst every 300 ms; another (probe B) times its arrival in its mix: the mix path, relay → jitter
// buffer → mixer tick → encode → relay, both ends on one clock. The two probes live in a child of
// their own, so the 74 other rooms' traffic does not delay the probes' own timing. The mixer traces
// its ticks as probe A's source sees them (MixCore.trace), which splits each burst's path into: to
// the mixer's thread, waiting in the jitter buffer for its tick, the tick's lateness, the tick's own
// work, and back to probe B (wall-clock times, comparable across the processes).
// Figures: CPU of this process per thread (/proc/self/task: the main thread, the media plane worker,
// the rest), of the mediasoup worker and of the rooms; mixer ticks late; event-loop delay of the main
// thread and of the media plane worker; GC pauses of the main thread; mix path latency; packets each
// room received; the load average.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import alawmulaw from 'alawmulaw';
import { loadConfig } from '../daemon/config/load.js';
import { VcError } from '../daemon/errors.js';
import { createLogger } from '../daemon/util/logger.js';
import { TypedEmitter } from '../daemon/util/TypedEmitter.js';
import { buildRtp, isRtcp, parseRtp } from '../daemon/media/rtp/packet.js';
import { hasKeyframeRequest } from '../daemon/media/rtp/rtcp.js';
import type { LocalMedia, NegotiatedMedia } from '../daemon/media/types.js';
import type { TickTrace } from '../daemon/media/MixCore.js';
import type {
  DialRequest,
  IncomingSignal,
  SignalCall,
  SignalCallEvents,
  Signalling,
} from '../daemon/conference/Signalling.js';
import { startBridge } from '../tests/helpers/conferenceBridge.js';
import { toneDb } from '../tests/helpers/simRoom.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PLANE = process.env.BENCH_PLANE !== '0';
/** Seconds between every site connected and the measured window (the meeting's start-up left out). */
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 3);
const PLANE_NICE = process.env.BENCH_PLANE_NICE === undefined ? undefined : Number(process.env.BENCH_PLANE_NICE);
/**
 * BENCH_RT=1: the media plane thread (config media.realtime) and the probes' process at real-time
 * priority (SCHED_RR 10), the
 * way a deployment with cores of its own gets them scheduled on time: the figures then show the
 * design rather than a shared machine's queue for its cores. Needs CAP_SYS_NICE.
 */
const RT = process.env.BENCH_RT === '1';
const PROBE_A = 'zhuhuichang'; // the chair: in a broadcast meeting everyone else is muted
const PROBE_B = 'jiaoyu';
const VIDEO_FPS = 25;
const VIDEO_PACKETS = 2;
const VIDEO_BYTES = 1000;
/** Probe A's burst: BURST_FRAMES loud frames every BURST_EVERY (20 ms) frames. */
const BURST_EVERY = 15;
const BURST_FRAMES = 5;
/** A traced frame of probe A is its burst when its loudest sample is above this (the burst peaks near 12,000). */
const LOUD = 2000;
const wallNow = (): number => performance.timeOrigin + performance.now();

interface Ports {
  audio: { port: number; rtcpPort: number };
  video: { port: number; rtcpPort: number };
}
type ToRooms =
  { t: 'dial'; id: string; local: LocalMedia } | { t: 'hangup'; id: string } | { t: 'mark' } | { t: 'report' };
type FromRooms =
  | { t: 'ready'; ports: Record<string, Ports> }
  | { t: 'dialed'; id: string }
  | {
      t: 'report';
      mixMs: number[];
      /** Wall-clock times of probe A's burst starts and of their arrivals at probe B. */
      bursts: number[];
      arrivals: number[];
      cpuMs: number;
      rx: Record<string, { audio: number; video: number }>;
    };

// ---------------------------------------------------------------- the rooms (child process)

interface Room {
  id: string;
  audio: dgram.Socket;
  audioRtcp: dgram.Socket;
  video: dgram.Socket;
  videoRtcp: dgram.Socket;
  dest?: LocalMedia;
  frame: Buffer;
  aSsrc: number;
  vSsrc: number;
  aSeq: number;
  vSeq: number;
  frames: number;
  wantKey: boolean;
  rxAudio: number;
  rxVideo: number;
}

async function bind(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

function pcmaTone(hz: number, amp: number): Buffer {
  const pcm = new Int16Array(160); // hz is a multiple of 50: every 20 ms frame is the same
  for (let i = 0; i < 160; i++) pcm[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / 8000));
  return Buffer.from(alawmulaw.alaw.encode(pcm));
}

async function rooms(ids: string[]): Promise<void> {
  const send = (m: FromRooms): void => void process.send!(m);
  const all = new Map<string, Room>();
  const burst = pcmaTone(1000, 12000);
  const silence = pcmaTone(1000, 0);
  for (const [i, id] of ids.entries()) {
    const [audio, audioRtcp, video, videoRtcp] = await Promise.all([bind(), bind(), bind(), bind()]);
    const hz = 1200 + 50 * (i % 40); // quiet tones away from the probe's 1 kHz
    const r: Room = {
      id,
      audio: audio!,
      audioRtcp: audioRtcp!,
      video: video!,
      videoRtcp: videoRtcp!,
      frame: id === PROBE_A ? silence : pcmaTone(hz, 250),
      aSsrc: (Math.random() * 0xffffffff) >>> 0,
      vSsrc: (Math.random() * 0xffffffff) >>> 0,
      aSeq: 0,
      vSeq: 0,
      frames: 0,
      wantKey: true,
      rxAudio: 0,
      rxVideo: 0,
    };
    const onRtcp = (m: Buffer): void => {
      if (hasKeyframeRequest(m)) r.wantKey = true;
    };
    r.audio.on('message', (m) => {
      if (isRtcp(m)) return;
      r.rxAudio++;
      if (id === PROBE_B) probeB(m);
    });
    r.video.on('message', (m) => (isRtcp(m) ? onRtcp(m) : r.rxVideo++));
    r.videoRtcp.on('message', onRtcp);
    all.set(id, r);
  }
  const mixMs: number[] = [];
  const bursts: number[] = [];
  const arrivals: number[] = [];
  let burstAt = 0;
  let inBurst = false;
  function probeB(m: Buffer): void {
    const v = parseRtp(m);
    if (!v) return;
    const loud = toneDb(alawmulaw.alaw.decode(m.subarray(v.payloadOffset, v.payloadEnd)), 8000, 1000) > -30;
    if (loud && !inBurst && burstAt > 0) {
      mixMs.push(performance.now() - burstAt);
      arrivals.push(wallNow());
    }
    inBurst = loud;
  }
  const ports: Record<string, Ports> = {};
  for (const r of all.values()) {
    ports[r.id] = {
      audio: { port: r.audio.address().port, rtcpPort: r.audioRtcp.address().port },
      video: { port: r.video.address().port, rtcpPort: r.videoRtcp.address().port },
    };
  }
  // One pacer for every room's audio (20 ms) and one for video (40 ms): cheap for this process.
  const t0 = performance.now();
  let tick = 0;
  const audioTick = (): void => {
    tick++;
    const k = tick % BURST_EVERY; // probe A: 100 ms of 1 kHz every 300 ms
    const a = all.get(PROBE_A);
    if (a) {
      a.frame = k < BURST_FRAMES ? burst : silence;
      if (k === 0 && a.dest) {
        burstAt = performance.now();
        bursts.push(wallNow());
      }
    }
    for (const r of all.values()) {
      if (!r.dest?.audio) continue;
      r.aSeq = (r.aSeq + 1) & 0xffff;
      const pkt = buildRtp({ pt: 8, seq: r.aSeq, ts: (tick * 160) >>> 0, ssrc: r.aSsrc }, r.frame);
      r.audio.send(pkt, r.dest.audio.port, r.dest.address);
    }
    setTimeout(audioTick, Math.max(0, t0 + (tick + 1) * 20 - performance.now()));
  };
  let vtick = 0;
  const payload = Buffer.alloc(VIDEO_BYTES, 0x55);
  const videoTick = (): void => {
    vtick++;
    for (const r of all.values()) {
      if (!r.dest?.video) continue;
      const key = r.wantKey || r.frames % 50 === 0;
      r.wantKey = false;
      r.frames++;
      for (let i = 0; i < VIDEO_PACKETS; i++) {
        const p = Buffer.from(payload);
        p[0] = i === 0 ? 0x10 : 0x00; // VP8 descriptor: S on the first packet
        p[1] = key ? 0x10 : 0x11; // frame tag: P bit clear on keyframes
        p[2] = 0x02;
        p[3] = 0x00;
        if (key) p.set([0x9d, 0x01, 0x2a], 4);
        r.vSeq = (r.vSeq + 1) & 0xffff;
        const pkt = buildRtp(
          { pt: 96, marker: i === VIDEO_PACKETS - 1, seq: r.vSeq, ts: (vtick * 3600) >>> 0, ssrc: r.vSsrc },
          p,
        );
        r.video.send(pkt, r.dest.video.port, r.dest.address);
      }
    }
    setTimeout(videoTick, Math.max(0, t0 + (vtick + 1) * (1000 / VIDEO_FPS) - performance.now()));
  };
  audioTick();
  videoTick();
  let cpu0 = process.cpuUsage();
  process.on('message', (m: ToRooms) => {
    if (m.t === 'dial') {
      all.get(m.id)!.dest = m.local;
      send({ t: 'dialed', id: m.id });
    } else if (m.t === 'hangup') {
      const r = all.get(m.id);
      if (r) r.dest = undefined;
    } else if (m.t === 'mark') {
      mixMs.length = 0;
      bursts.length = 0;
      arrivals.length = 0;
      for (const r of all.values()) r.rxAudio = r.rxVideo = 0;
      cpu0 = process.cpuUsage();
    } else if (m.t === 'report') {
      const u = process.cpuUsage(cpu0);
      const rx: Record<string, { audio: number; video: number }> = {};
      for (const r of all.values()) rx[r.id] = { audio: r.rxAudio, video: r.rxVideo };
      send({ t: 'report', mixMs, bursts, arrivals, cpuMs: (u.user + u.system) / 1000, rx });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ t: 'ready', ports });
}

// ---------------------------------------------------------------- signalling to the rooms

class BenchCall extends TypedEmitter<SignalCallEvents> implements SignalCall {
  constructor(
    readonly callId: string,
    readonly remote: NegotiatedMedia,
    readonly onHangup: () => void,
  ) {
    super();
  }
  async reinvite(): Promise<NegotiatedMedia> {
    return this.remote;
  }
  hangup(): void {
    this.onHangup();
  }
  async sendDtmfInfo(): Promise<void> {}
  requestKeyframe(): void {}
}

/** The room processes: the probes' and everyone else's. */
class RoomProcs {
  readonly ports: Record<string, Ports> = {};
  readonly #of = new Map<string, ChildProcess>();
  private constructor(readonly children: ChildProcess[]) {}

  static async start(groups: string[][]): Promise<RoomProcs> {
    const children = groups.map((ids) =>
      fork(process.argv[1]!, ['--rooms', JSON.stringify(ids)], { stdio: 'inherit' }),
    );
    const procs = new RoomProcs(children);
    await Promise.all(
      children.map(async (child, i) => {
        const ready = await new Promise<Extract<FromRooms, { t: 'ready' }>>((resolve) =>
          child.once('message', (m) => resolve(m as Extract<FromRooms, { t: 'ready' }>)),
        );
        Object.assign(procs.ports, ready.ports);
        for (const id of groups[i]!) procs.#of.set(id, child);
      }),
    );
    return procs;
  }

  of(id: string): ChildProcess {
    return this.#of.get(id)!;
  }

  all(m: ToRooms): void {
    for (const c of this.children) c.send(m);
  }

  /** Every process's counts, merged. */
  async report(): Promise<Extract<FromRooms, { t: 'report' }>> {
    const each = await Promise.all(
      this.children.map(
        (child) =>
          new Promise<Extract<FromRooms, { t: 'report' }>>((resolve) => {
            const on = (m: FromRooms): void => {
              if (m.t !== 'report') return;
              child.off('message', on);
              resolve(m);
            };
            child.on('message', on);
            child.send({ t: 'report' } satisfies ToRooms);
          }),
      ),
    );
    return {
      t: 'report',
      mixMs: each.flatMap((r) => r.mixMs),
      bursts: each.flatMap((r) => r.bursts),
      arrivals: each.flatMap((r) => r.arrivals),
      cpuMs: each.reduce((n, r) => n + r.cpuMs, 0),
      rx: Object.assign({}, ...each.map((r) => r.rx)) as Extract<FromRooms, { t: 'report' }>['rx'],
    };
  }

  kill(): void {
    for (const c of this.children) c.kill();
  }
}

class RoomsSignalling implements Signalling {
  readonly #waiting = new Map<string, () => void>();
  constructor(readonly procs: RoomProcs) {
    for (const child of procs.children) {
      child.on('message', (m: FromRooms) => {
        if (m.t === 'dialed') this.#waiting.get(m.id)?.();
      });
    }
  }
  get ports(): Record<string, Ports> {
    return this.procs.ports;
  }
  async dial(req: DialRequest): Promise<SignalCall> {
    const id = req.endpoint.id;
    const p = this.ports[id];
    if (!p) throw new VcError('SIP_FAILED', `no simulated room ${id}`, { status: 404 });
    req.onProgress({ state: 'calling', callId: `bench-${id}` });
    await new Promise<void>((resolve) => {
      this.#waiting.set(id, resolve);
      this.procs.of(id).send({ t: 'dial', id, local: req.local } satisfies ToRooms);
    });
    const remote: NegotiatedMedia = {
      address: '127.0.0.1',
      audio: { ...p.audio, pt: 8, codec: 'PCMA', clockRate: 8000, telephoneEventPt: 101 },
      video: { ...p.video, pt: 96, codec: 'VP8', clockRate: 90000, rtcpFb: { nack: true, pli: true } },
    };
    return new BenchCall(`bench-${id}`, remote, () => this.procs.of(id).send({ t: 'hangup', id } satisfies ToRooms));
  }
  onIncoming(_handler: (call: IncomingSignal) => void): () => void {
    return () => undefined;
  }
  async register(): Promise<void> {}
}

// ---------------------------------------------------------------- the bridge (this process)

const HZ = 100; // USER_HZ

function ticksOf(statPath: string): { comm: string; ticks: number } {
  const s = fs.readFileSync(statPath, 'utf8');
  const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { comm, ticks: Number(f[11]) + Number(f[12]) };
}

function threads(pid: number): Map<number, { comm: string; ticks: number }> {
  const out = new Map<number, { comm: string; ticks: number }>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), ticksOf(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended between readdir and read: it has nothing left to count
    }
  }
  return out;
}

function summary(xs: number[]): string {
  if (xs.length === 0) return 'n=0';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): string => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
  return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s.at(-1)!.toFixed(1)} ms (n=${s.length})`;
}

/** Where each burst's time went, from the mixer's trace of probe A's source (see the header). */
function printBreakdown(trace: TickTrace[], bursts: number[], arrivals: number[]): void {
  const lateness = trace.map((t) => t.start - t.due);
  console.log(
    `mixer ticks traced: ${trace.length}; start after due: ${summary(lateness)}; ${lateness.filter((x) => x > 20).length} more than 20 ms late`,
  );
  console.log(`  tick work (every listener's frame): ${summary(trace.map((t) => t.end - t.start))}`);
  console.log(`  probe A's buffered audio after each pop: ${summary(trace.map((t) => t.depthMs))}`);
  const onsets = trace.filter((t, i) => (t.peak ?? 0) > LOUD && (trace[i - 1]?.peak ?? 0) <= LOUD && t.pushedAt);
  const parts = { toMixer: [] as number[], buffered: [] as number[], late: [] as number[], work: [] as number[] };
  const back: number[] = [];
  const total: number[] = [];
  for (const [i, s] of bursts.entries()) {
    const next = bursts[i + 1] ?? Infinity;
    const o = onsets.find((t) => t.pushedAt! >= s - 2 && t.pushedAt! < next);
    const arr = arrivals.find((x) => x > s && x < next + 1000);
    if (!o || arr === undefined) continue;
    parts.toMixer.push(o.pushedAt! - s);
    parts.buffered.push(o.due - o.pushedAt!);
    parts.late.push(o.start - o.due);
    parts.work.push(o.end - o.start);
    back.push(arr - o.end);
    total.push(arr - s);
  }
  console.log(`  mix path split, ${total.length} of ${bursts.length} bursts traced end to end:`);
  console.log(`    probe A → read by the mixer's thread: ${summary(parts.toMixer)}`);
  console.log(`    read → its tick due (jitter buffer + tick phase): ${summary(parts.buffered)}`);
  console.log(`    tick due → tick ran: ${summary(parts.late)}`);
  console.log(`    tick ran → its last frame sent: ${summary(parts.work)}`);
  // B's frame leaves before the tick's last one, and the processes' clocks agree to about a
  // millisecond: this part can be below zero.
  console.log(`    last frame sent → read by probe B: ${summary(back)}`);
  console.log(`    in all: ${summary(total)}`);
}

const pct = (ticks: number, secs: number): string => `${((ticks / HZ / secs) * 100).toFixed(1)} %`;
const load = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const example = loadConfig('configs/gongyi.example.yaml', { env: {} }).config;
  // Every site on the simulated rooms' codecs (PCMA, VP8: the rooms' synthetic VP8 is what
  // mediasoup recognises keyframes in); everything else as the example says.
  const endpoints = example.endpoints.map((e) => ({
    ...e,
    codecs: { audio: ['PCMA'], video: ['VP8'] },
    register: undefined,
    testCall: false,
    srtp: 'off',
  }));
  const ids = endpoints.map((e) => e.id);
  const probes = [PROBE_A, PROBE_B];
  const procs = await RoomProcs.start([ids.filter((id) => !probes.includes(id)), probes]);
  const signalling = new RoomsSignalling(procs);
  const bridge = await startBridge({
    endpoints,
    groups: example.groups,
    templates: example.templates,
    workers: 1,
    plane: PLANE,
    ...(PLANE_NICE !== undefined ? { planeNice: PLANE_NICE } : {}),
    ...(RT ? { planeRealtime: true } : {}),
    ...(process.env.BENCH_LOG
      ? { log: createLogger({ level: process.env.BENCH_LOG, file: '/tmp/emergency-bench.log' }) }
      : {}),
    signallingWrap: () => signalling,
  });
  const report = (): Promise<Extract<FromRooms, { t: 'report' }>> => procs.report();
  if (RT) {
    execFileSync('chrt', ['-r', '-a', '-p', '10', String(procs.of(PROBE_A).pid)]);
  }
  try {
    const t0 = performance.now();
    const conf = await bridge.manager.start({ template: 'emergency' });
    let connected = 0;
    while (performance.now() - t0 < 60_000) {
      connected = bridge.manager.show(conf.id).participants.filter((p) => p.state === 'connected').length;
      if (connected === endpoints.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const view = bridge.manager.show(conf.id);
    console.log(
      `emergency template: ${connected}/${endpoints.length} sites connected after ${(performance.now() - t0).toFixed(0)} ms (mode ${view.mode}, chair ${view.chair})`,
    );
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000)); // views switched, buffers primed, JIT warm
    const c = bridge.manager.get(conf.id);
    const worker = bridge.pool.workers[0]!.pid!;
    const late0 = c.media.mixerLateTicks;
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const gc: number[] = [];
    const gcObs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gc.push(e.duration);
    });
    gcObs.observe({ entryTypes: ['gc'] });
    await bridge.plane?.loopDelay(true);
    await c.media.mixerTrace(PROBE_A);
    const th0 = threads(process.pid);
    const w0 = ticksOf(`/proc/${worker}/stat`).ticks;
    const cpu0 = process.cpuUsage();
    procs.all({ t: 'mark' });
    const m0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const wall = (performance.now() - m0) / 1000;
    const roomsReport = report(); // what the rooms counted in the same window
    const cpu = process.cpuUsage(cpu0);
    const th1 = threads(process.pid);
    const w1 = ticksOf(`/proc/${worker}/stat`).ticks;
    const planeLag = await bridge.plane?.loopDelay();
    const trace = await c.media.mixerTrace(undefined);
    lag.disable();
    gcObs.disconnect();
    const rooms = await roomsReport;
    await new Promise((r) => setTimeout(r, 1100)); // the plane reports its mixers' figures once a second
    const late = c.media.mixerLateTicks - late0;
    const jb = c.media.mixerStats();
    const procPct = ((cpu.user + cpu.system) / 1e6 / wall) * 100;
    if (RT) {
      console.log(
        `real-time priority (SCHED_RR 10): the probes; the media plane thread ${bridge.plane?.realtime ? 'too (media.realtime)' : 'REFUSED'}`,
      );
    }
    console.log(
      `mixer and audio relays: ${bridge.plane ? `media plane worker thread (nice ${bridge.plane.threadNice ?? 'not raised'})` : 'main thread (BENCH_PLANE=0)'}`,
    );
    console.log(`measured ${wall.toFixed(1)} s; load average ${load()} on ${os.availableParallelism()} cores`);
    console.log(
      `bridge process: ${procPct.toFixed(1)} % of a core in all (${(procPct / endpoints.length).toFixed(2)} % per site), RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
    );
    const rows = [...th1]
      .map(([tid, t]) => ({ tid, comm: t.comm, ticks: t.ticks - (th0.get(tid)?.ticks ?? 0) }))
      .filter((t) => t.ticks > 0)
      .sort((a, b) => b.ticks - a.ticks);
    for (const t of rows.slice(0, 8)) {
      const name =
        t.tid === process.pid ? 'main thread' : t.tid === bridge.plane?.threadId ? 'media plane worker' : t.comm;
      console.log(`  thread ${t.tid} (${name}): ${pct(t.ticks, wall)} of a core`);
    }
    console.log(`mediasoup worker: ${pct(w1 - w0, wall)} of a core`);
    console.log(
      `the ${endpoints.length} simulated rooms (2 child processes): ${((rooms.cpuMs / 1000 / wall) * 100).toFixed(1)} %`,
    );
    console.log(`mixer ticks more than one frame late: ${late}`);
    const ms = (ns: number): string => (ns / 1e6).toFixed(1);
    console.log(
      `event loop delay of the main thread: p50 ${ms(lag.percentile(50))} ms, p99 ${ms(lag.percentile(99))} ms, max ${ms(lag.max)} ms`,
    );
    if (planeLag) {
      console.log(
        `event loop delay of the media plane worker: p50 ${planeLag.p50Ms.toFixed(1)} ms, p99 ${planeLag.p99Ms.toFixed(1)} ms, max ${planeLag.maxMs.toFixed(1)} ms; GC pauses ${planeLag.gcPauses}, ${planeLag.gcMs.toFixed(0)} ms in all, longest ${planeLag.gcMaxMs.toFixed(1)} ms`,
      );
    }
    const gcSum = gc.reduce((a, b) => a + b, 0);
    console.log(
      `GC pauses of the main thread: ${gc.length}, ${gcSum.toFixed(0)} ms in all (${((gcSum / 1000 / wall) * 100).toFixed(1)} % of the time), longest ${Math.max(0, ...gc).toFixed(1)} ms`,
    );
    const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(
      `jitter buffers (${jb.length}): target median ${mid(jb.map((x) => x.targetFrames))} frames, max ${Math.max(0, ...jb.map((x) => x.targetFrames))}; depth median ${mid(jb.map((x) => x.depthMs)).toFixed(0)} ms; underruns median ${mid(jb.map((x) => x.underruns))} since the start`,
    );
    console.log(`mix path (probe burst → its arrival in another room's mix), one way: ${summary(rooms.mixMs)}`);
    printBreakdown(trace, rooms.bursts, rooms.arrivals);
    const a = jb.find((x) => x.id === PROBE_A);
    if (a) {
      console.log(
        `  probe A's jitter buffer: target ${a.targetFrames} frames now, ${a.underruns} underruns, ${a.late} late, ${a.dropped} dropped since the start`,
      );
    }
    const perSec = (n: number): number => n / wall;
    const rates = (kind: 'audio' | 'video'): string => {
      const r = Object.entries(rooms.rx)
        .map(([id, x]) => ({ id, pps: perSec(x[kind]) }))
        .sort((a, b) => a.pps - b.pps);
      const mid = r[Math.floor(r.length / 2)]!.pps;
      const low = r.filter((x) => x.pps < 0.9 * mid).map((x) => `${x.id} ${x.pps.toFixed(1)}`);
      return `min ${r[0]!.pps.toFixed(1)}, median ${mid.toFixed(1)}${low.length ? ` (below 90 % of the median: ${low.join(', ')})` : ''}`;
    };
    const shown = new Map<string, number>();
    for (const p of bridge.manager.show(conf.id).participants) {
      if (p.viewing) shown.set(p.viewing, (shown.get(p.viewing) ?? 0) + 1);
    }
    console.log(`packets/s each room received: audio (its mix; 50 sent) ${rates('audio')}`);
    console.log(`  video (the picture it is shown; ${VIDEO_FPS * VIDEO_PACKETS} sent) ${rates('video')}`);
    console.log(`  shown: ${[...shown].map(([id, n]) => `${id} to ${n}`).join(', ')}`);
  } finally {
    await bridge.close();
    procs.kill();
  }
}

if (process.argv[2] === '--rooms') {
  await rooms(JSON.parse(process.argv[3] ?? '[]') as string[]);
} else {
  await main();
}
