// Multi-picture compositor cost and delays (issue #13), on a real mediasoup worker.
//   npx tsx bench/compositor.ts          BENCH_SECONDS=10 by default
//
// Sources: H.264 352×288 25 fps produced into mediasoup through plain RTP. All but one are ffmpeg
// copies of pre-encoded solid-colour files (cheap to send); the "probe" source is encoded live by
// ffmpeg from frames this process writes, so it can change colour at a known instant. The composed
// output (4x4, 1280×720, 25 fps, H.264) is consumed back from mediasoup and decoded by ffmpeg into
// small raw frames this process reads.
//   - CPU and RSS of the compositor process over BENCH_SECONDS (decode + compose + label + encode);
//   - added latency: the probe turns from red to blue; time until its pane turns blue in the
//     composed output, minus the same measured on the direct path (probe → mediasoup → decoder);
//   - layout changes 4x4 ⇄ 1+12 and among the big layouts (5x5, 1+12, 1+7, 4x4), the probe moved into
//     a pane of the new layout; time to the first output frame with it there (goal ≤ 500 ms);
//   - restore: the compositor process SIGKILLed; time to its 'restarted' event (every canvas, source
//     and scene back on a new process) and to the first output frame showing the probe's pane again;
//   - auto for 21 sites (5x5): output frames per second.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { types as ms } from 'mediasoup';
import { silentLogger } from '../daemon/util/logger.js';
import { FFMPEG_QUIET, lavfiInput, x264Args } from '../tests/helpers/ffmpegArgs.js';
import { WorkerPool } from '../daemon/media/WorkerPool.js';
import { Compositor, type CanvasSpec, type PaneSpec } from '../daemon/media/compositor/Compositor.js';
import { paneCount, paneRects, type FixedLayout } from '../daemon/media/compositor/layouts.js';
import { plainConsumeCaps, producerParams, routerVideoCodec } from '../daemon/media/mediaCodecs.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const COLOURS = ['red', 'lime', 'blue', 'yellow', 'magenta', 'cyan', 'white', 'orange'];
const W = 1280;
const H = 720;
const OUT_W = 128;
const OUT_H = 72;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
const children: ChildProcess[] = [];
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;

function run(cmd: string, args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  const p = spawn(cmd, args, { stdio: [stdin, 'pipe', 'ignore'] });
  children.push(p);
  return p;
}

function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1]!.trim().split(/\s+/);
  return (Number(f[11]) + Number(f[12])) / 100;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Pre-encoded 352×288 25 fps H.264 of one colour (long enough for the whole run: a looped file would jump back in time). */
async function colourFile(dir: string, colour: string): Promise<void> {
  const r = spawn('ffmpeg', [
    ...FFMPEG_QUIET,
    '-y',
    ...lavfiInput(colour, { width: 352, height: 288, fps: 25 }, 400),
    ...x264Args({ gop: 25 }),
    path.join(dir, `${colour}.h264`),
  ]);
  await new Promise<void>((resolve) => r.on('exit', () => resolve()));
}

async function producerFromRtp(router: ms.Router, ssrc: number): Promise<{ producer: ms.Producer; port: number }> {
  const t = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
  const codec = routerVideoCodec(router.rtpCapabilities, 'H264/1');
  const producer = await t.produce({ kind: 'video', rtpParameters: producerParams(codec, ssrc) });
  return { producer, port: t.tuple.localPort };
}

/** ffmpeg decoding a producer into OUT_W×OUT_H RGB frames; calls back with each frame and its arrival time. */
async function decoder(
  router: ms.Router,
  producer: ms.Producer,
  dir: string,
  name: string,
  onFrame: (px: Buffer, at: number) => void,
  key: 'H264/0' | 'H264/1' = 'H264/1',
): Promise<ms.Consumer> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const port = sock.address().port;
  sock.close();
  const codec = routerVideoCodec(router.rtpCapabilities, key);
  const pt = codec.preferredPayloadType!;
  const sdp = path.join(dir, `${name}.sdp`);
  fs.writeFileSync(
    sdp,
    `v=0\no=- 0 0 IN IP4 127.0.0.1\ns=${name}\nc=IN IP4 127.0.0.1\nt=0 0\nm=video ${port} RTP/AVP ${pt}\na=rtpmap:${pt} H264/90000\na=fmtp:${pt} packetization-mode=${key === 'H264/0' ? 0 : 1}\n`,
  );
  const p = run('ffmpeg', [
    '-loglevel',
    'error',
    '-fflags',
    'nobuffer',
    '-flags',
    'low_delay',
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-protocol_whitelist',
    'file,udp,rtp',
    '-i',
    sdp,
    '-fps_mode',
    'passthrough',
    '-vf',
    `scale=${OUT_W}:${OUT_H}`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ]);
  const size = OUT_W * OUT_H * 3;
  let buf = Buffer.alloc(0);
  p.stdout!.on('data', (d: Buffer) => {
    const at = performance.now();
    buf = Buffer.concat([buf, d]);
    while (buf.length >= size) {
      onFrame(buf.subarray(0, size), at);
      buf = buf.subarray(size);
    }
  });
  await sleep(500);
  const t = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: false,
  });
  await t.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
  const consumer = await t.consume({ producerId: producer.id, rtpCapabilities: plainConsumeCaps(codec) });
  const timer = setInterval(() => void consumer.requestKeyFrame().catch(() => undefined), 1000);
  timer.unref();
  return consumer;
}

function meanAt(px: Buffer, fx: number, fy: number): { r: number; g: number; b: number } {
  const x = Math.floor(fx * OUT_W);
  const y = Math.floor(fy * OUT_H);
  const i = 3 * (y * OUT_W + x);
  return { r: px[i]!, g: px[i + 1]!, b: px[i + 2]! };
}
const frac = (r: { x: number; y: number; w: number; h: number }): { x: number; y: number; w: number; h: number } => ({
  x: r.x / W,
  y: r.y / H,
  w: r.w / W,
  h: r.h / H,
});
const isBlue = (c: { r: number; g: number; b: number }): boolean => c.b > 150 && c.r < 100 && c.g < 100;
/** Where a pane is looked at for the probe's blue (fractions of the pane). */
const SAMPLES: [number, number][] = [
  [0.5, 0.4],
  [0.3, 0.3],
];
/** Layout changes measured, in order (from 4x4): the small ⇄ large-pane ones and the big layouts. */
const CHANGES: FixedLayout[] = ['1+12', '4x4', '1+12', '4x4', '5x5', '1+12', '5x5', '1+7', '5x5', '4x4'];

/** The colour a copy source sends (the probe: blue by now). */
const colourOfSource = (id: string): string =>
  id === 'probe' ? 'blue' : COLOURS[Number(id.slice(1)) % COLOURS.length]!;

/** The first pane of `layout` whose sample points showed no blue source in the picture before. */
function probeSlot(layout: FixedLayout, before: { layout: FixedLayout; ids: string[] }): number {
  const old = paneRects(before.layout, W, H);
  const blueAt = (x: number, y: number): boolean => {
    const i = old.findIndex((o) => x >= o.x && x < o.x + o.w && y >= o.y && y < o.y + o.h);
    const id = before.ids[i];
    return id !== undefined && colourOfSource(id) === 'blue';
  };
  const rects = paneRects(layout, W, H);
  const i = rects.findIndex((r) => SAMPLES.every(([sx, sy]) => !blueAt(r.x + r.w * sx, r.y + r.h * sy)));
  return i < 0 ? 0 : i;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vcb-bench-comp-'));
  for (const c of COLOURS) await colourFile(dir, c);
  const pool = new WorkerPool({ log: silentLogger(), workers: 1, rtcPorts: { min: 20000, max: 20999 } });
  await pool.start();
  const router = await pool.routerFor('bench');
  const comp = await Compositor.create({ router, log: silentLogger() });
  const pt = routerVideoCodec(router.rtpCapabilities, 'H264/1').preferredPayloadType!;

  // 20 copy sources + the live probe = 21
  const sources: { id: string; producer: ms.Producer }[] = [];
  for (let i = 0; i < 20; i++) {
    const ssrc = 1000 + i;
    const { producer, port } = await producerFromRtp(router, ssrc);
    run('ffmpeg', [
      '-loglevel',
      'error',
      '-re',
      '-i',
      path.join(dir, `${COLOURS[i % COLOURS.length]}.h264`),
      '-c',
      'copy',
      '-f',
      'rtp',
      '-payload_type',
      String(pt),
      '-ssrc',
      String(ssrc),
      `rtp://127.0.0.1:${port}`,
    ]);
    sources.push({ id: `s${i}`, producer });
  }
  const probeSsrc = 4242;
  const probe = await producerFromRtp(router, probeSsrc);
  const enc = run(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      '352x288',
      '-r',
      '25',
      '-i',
      'pipe:0',
      ...x264Args({ gop: 25 }),
      '-f',
      'rtp',
      '-payload_type',
      String(pt),
      '-ssrc',
      String(probeSsrc),
      `rtp://127.0.0.1:${probe.port}`,
    ],
    'pipe',
  );
  enc.stdin!.on('error', (e) => console.error('probe encoder:', e.message));
  let probeColour: [number, number, number] = [255, 0, 0];
  let turnedBlueAt = 0;
  const frame = Buffer.alloc(352 * 288 * 3);
  const pump = setInterval(() => {
    for (let i = 0; i < frame.length; i += 3) frame.set(probeColour, i);
    enc.stdin!.write(frame);
  }, 40);
  sources.push({ id: 'probe', producer: probe.producer });
  for (const s of sources) await comp.addSource(s.id, s.producer);

  const key = (process.env.BENCH_KEY ?? 'H264/1') as 'H264/1' | 'H264/0';
  const cls = { key, width: W, height: H, fps: 25, kbps: 1500 };
  const spec = (layout: FixedLayout, ids: string[]): CanvasSpec => ({
    cls,
    layout,
    banner: '防汛会商',
    panes: ids.map((id): PaneSpec => ({ sourceId: id, label: `${id} 镇`, site: id })),
  });
  const sixteen = [...sources.slice(0, 15).map((s) => s.id), 'probe'];
  let outputs = await comp.setCanvases(new Map([['grid', spec('4x4', sixteen)]]));

  // direct path for the baseline: the probe decoded without the compositor
  let directBlue = 0;
  await decoder(router, probe.producer, dir, 'direct', (px, at) => {
    if (turnedBlueAt && !directBlue && isBlue(meanAt(px, 0.5, 0.5))) directBlue = at;
  });
  let watch: ((px: Buffer, at: number) => void) | undefined;
  let frames = 0;
  await decoder(
    router,
    outputs.get('grid')!,
    dir,
    'out',
    (px, at) => {
      frames++;
      watch?.(px, at);
      if (process.env.BENCH_DUMP && frames % 50 === 0) fs.writeFileSync(`${process.env.BENCH_DUMP}-${frames}.rgb`, px);
    },
    key,
  );
  await sleep(3000);
  const pid = comp.pid!;

  // CPU and memory, 16 sources → 4x4
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  const f0 = frames;
  await sleep(SECONDS * 1000);
  const cpu = (cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000);
  const fps16 = ((frames - f0) * 1000) / (performance.now() - t0);
  const rss = rssMb(pid);

  // latency by colour change (probe is pane 16: bottom-right)
  const probePane = frac(paneRects('4x4', W, H)[15]!);
  const added: number[] = [];
  const direct: number[] = [];
  for (let k = 0; k < 9; k++) {
    probeColour = [255, 0, 0];
    await sleep(1200);
    let composedBlue = 0;
    directBlue = 0;
    watch = (px, at) => {
      if (!composedBlue && isBlue(meanAt(px, probePane.x + probePane.w / 2, probePane.y + probePane.h * 0.4)))
        composedBlue = at;
    };
    turnedBlueAt = performance.now();
    probeColour = [0, 0, 255];
    const end = performance.now() + 3000;
    while ((!composedBlue || !directBlue) && performance.now() < end) await sleep(10);
    if (composedBlue) added.push(composedBlue - turnedBlueAt);
    if (directBlue) direct.push(directBlue - turnedBlueAt);
    watch = undefined;
    turnedBlueAt = 0;
  }

  // layout changes, the big layouts among them: the probe (blue) moves into a pane of the new layout
  // whose sample points showed no blue in the old one; time to the first output frame with it there
  const changes = new Map<FixedLayout, number[]>();
  let shown: { layout: FixedLayout; ids: string[] } = { layout: '4x4', ids: sixteen };
  for (const layout of CHANGES) {
    const n = paneCount(layout);
    const others = sources.map((s) => s.id).filter((id) => id !== 'probe');
    const at = probeSlot(layout, shown);
    const ids = others.slice(0, n - 1);
    ids.splice(at, 0, 'probe');
    const r = frac(paneRects(layout, W, H)[at]!);
    let seen = 0;
    const t = performance.now();
    watch = (px, at2) => {
      if (!seen && SAMPLES.every(([sx, sy]) => isBlue(meanAt(px, r.x + r.w * sx, r.y + r.h * sy)))) seen = at2;
    };
    outputs = await comp.setCanvases(new Map([['grid', spec(layout, ids)]]));
    shown = { layout, ids };
    const end = performance.now() + 3000;
    while (!seen && performance.now() < end) await sleep(10);
    if (seen) changes.set(layout, [...(changes.get(layout) ?? []), seen - t]);
    watch = undefined;
    await sleep(1000);
  }
  // the restore phase below has the probe in the large pane of 1+12
  await comp.setCanvases(new Map([['grid', spec('1+12', ['probe', ...sixteen.slice(0, 12)])]]));
  await sleep(1000);

  // restore after a SIGKILL: the probe (blue) is in the large pane of 1+12
  const big = frac(paneRects('1+12', W, H)[0]!);
  const restarted: number[] = [];
  const firstFrame: number[] = [];
  const pictureBack: number[] = [];
  for (let k = 0; k < 3; k++) {
    const victim = comp.pid!;
    let restartedMs = 0;
    comp.once('restarted', (e) => (restartedMs = e.ms));
    let first = 0;
    let gone = false;
    let back = 0;
    const t = performance.now();
    watch = (px, at) => {
      const blue = isBlue(meanAt(px, big.x + big.w / 2, big.y + big.h * 0.4));
      // frames of the new process: its first ones show the pane's placeholder (the probe not decoded
      // yet); frames still in flight from the killed one are blue and do not count
      if (!blue && !gone) {
        gone = true;
        first = at;
      }
      if (gone && !back && blue) back = at;
    };
    process.kill(victim, 'SIGKILL');
    const end = performance.now() + 15_000;
    while ((!back || !restartedMs) && performance.now() < end) await sleep(10);
    watch = undefined;
    if (restartedMs) restarted.push(restartedMs);
    if (first) firstFrame.push(first - t);
    if (back) pictureBack.push(back - t);
    await sleep(2000);
  }
  const pidAfter = comp.pid!;

  // auto with 21 sites: 5x5
  await comp.setCanvases(
    new Map([
      [
        'grid',
        spec(
          '5x5',
          sources.map((s) => s.id),
        ),
      ],
    ]),
  );
  await sleep(3000);
  const c1 = cpuSeconds(pidAfter);
  const t1 = performance.now();
  const f1 = frames;
  await sleep(SECONDS * 1000);
  const fps21 = ((frames - f1) * 1000) / (performance.now() - t1);
  const cpu21 = (cpuSeconds(pidAfter) - c1) / ((performance.now() - t1) / 1000);

  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    `compositor, ${os.cpus().length} cores, load ${load} (a shared machine: other engineers' runs at the same time)`,
  );
  console.log(
    `16 × H.264 352x288 → 4x4 1280x720 25 fps H.264: CPU ${(cpu * 100).toFixed(0)} % of one core, RSS ${rss.toFixed(0)} MB, output ${fps16.toFixed(1)} fps`,
  );
  console.log(
    `colour change at the probe's encoder input → seen decoded: through the compositor median ${median(added).toFixed(0)} ms [${added.map((x) => x.toFixed(0)).join(', ')}]; direct (probe → mediasoup → decoder) median ${median(direct).toFixed(0)} ms [${direct.map((x) => x.toFixed(0)).join(', ')}]; added by the compositor ≈ ${(median(added) - median(direct)).toFixed(0)} ms`,
  );
  const all = [...changes.values()].flat();
  console.log(
    `layout change → first frame with the new layout (goal ≤ 500 ms): all ${all.length} of ${CHANGES.length} seen, median ${median(all).toFixed(0)} ms, max ${Math.max(...all).toFixed(0)} ms; ${[
      ...changes,
    ]
      .map(([l, v]) => `to ${l} [${v.map((x) => x.toFixed(0)).join(', ')}]`)
      .join('; ')}`,
  );
  console.log(
    `compositor SIGKILLed (21 sources, 1+12): restored (event) median ${median(restarted).toFixed(0)} ms [${restarted.join(', ')}]; first output frame of the new process (its placeholder) median ${median(firstFrame).toFixed(0)} ms; the probe's pane shows its picture again median ${median(pictureBack).toFixed(0)} ms [${pictureBack.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(
    `auto, 21 sites (5x5): output ${fps21.toFixed(1)} fps, CPU ${(cpu21 * 100).toFixed(0)} % of one core, RSS ${rssMb(pidAfter).toFixed(0)} MB`,
  );
  clearInterval(pump);
  comp.close();
  pool.close();
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  },
);
