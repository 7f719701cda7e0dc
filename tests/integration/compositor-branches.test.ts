// The compositor's source branches (real GStreamer controller, a real H.264 RTP stream from a
// gst-launch sender): canvases come and go while a source streams, and the source never stops.
// Issue #13's dark pane: a canvas was linked to a source's tee before its queue ran; when the busy
// machine preempted the controller between the two steps, the tee's next push was answered FLUSHING and
// the source's jitter-buffer and udpsrc threads paused for good (every element still PLAYING, nothing
// posted): the pane stayed dark for the rest of the meeting. The first test widens that gap on purpose
// (the old order fails it every time); the second stops a branch the same way and checks the
// controller's guard starts the source again. The last two do the same for a canvas: the CI run of
// 2026-12-02 hung the controller here. A canvas's elements were set PLAYING upstream first; preempted
// between its compositor and the next element, the compositor's first picture was answered FLUSHING
// and its thread paused for good (that canvas sent nothing), and removing the canvas later waited
// for ever on its background source, blocked pushing into the stopped compositor.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GstProcess } from '../../daemon/media/compositor/GstProcess.js';
import { cjkFontFamily } from '../../daemon/media/compositor/cjkFont.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { until } from '../helpers/wait.js';

interface SourceStats {
  frames: number;
  live: boolean;
  restarts: number;
  branches: Record<string, number>;
}

let proc: GstProcess;
let sender: ChildProcess | undefined;
let sink: dgram.Socket;
const saved = { test: process.env['VCBRIDGE_COMPOSITOR_TEST'], diag: process.env['VCBRIDGE_COMPOSITOR_DIAG'] };

async function canvas(id: string): Promise<void> {
  await proc.request('add_canvas', {
    canvas: id,
    codec: 'H264/1',
    width: 320,
    height: 240,
    fps: 15,
    kbps: 200,
    pt: 96,
    ssrc: 4321,
    port: sink.address().port,
    font: cjkFontFamily(),
  });
  await proc.request('scene', {
    canvas: id,
    panes: [{ x: 0, y: 0, w: 320, h: 240, source: 'town', label: '小关镇' }],
    banner: null,
    keyframe: false,
  });
}

async function stats(): Promise<SourceStats> {
  const r = await proc.request('stats');
  return (r['sources'] as Record<string, SourceStats>)['town']!;
}

/** Packets the canvas has sent so far (0 when it is not there), and how often a canvas was made again. */
async function canvasStats(id: string): Promise<{ frames: number; restarts: number }> {
  const r = await proc.request('stats');
  const c = (r['canvases'] as Record<string, { frames: number }>)[id];
  return { frames: c?.frames ?? 0, restarts: Number(r['canvas_restarts']) };
}

/** The canvas sends: `n` more packets than now. */
async function keepsSending(id: string, what: string, n = 30): Promise<void> {
  const from = (await canvasStats(id)).frames;
  await until(what, async () => (await canvasStats(id)).frames >= from + n, 60_000, 200);
}

/** The source decodes again: `n` more pictures than now, and it is live. */
async function keepsDecoding(what: string, n = 30): Promise<SourceStats> {
  const from = (await stats()).frames;
  let s = await stats();
  await until(
    what,
    async () => {
      s = await stats();
      return s.live && s.frames >= from + n;
    },
    60_000,
    200,
  );
  return s;
}

beforeAll(async () => {
  process.env['VCBRIDGE_COMPOSITOR_TEST'] = '1';
  process.env['VCBRIDGE_COMPOSITOR_DIAG'] = '1';
  sink = dgram.createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  proc = await GstProcess.start({ log: silentLogger() });
  await canvas('first');
  const port = Number((await proc.request('add_source', { source: 'town', codec: 'H264/1', pt: 96 }))['port']);
  // a keyframe every second: a decoder restarted mid-stream has a picture again within a second
  sender = spawn(
    'gst-launch-1.0',
    [
      '-q',
      ...'videotestsrc is-live=true pattern=ball ! video/x-raw,width=160,height=120,framerate=30/1'.split(' '),
      ...'! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=100'.split(' '),
      ...`! rtph264pay pt=96 config-interval=-1 ! udpsink host=127.0.0.1 port=${port}`.split(' '),
    ],
    { stdio: 'ignore' },
  );
  await keepsDecoding('the source decoded at all');
}, 90_000);

afterAll(() => {
  sender?.kill('SIGKILL');
  proc?.close();
  sink?.close();
  process.env['VCBRIDGE_COMPOSITOR_TEST'] = saved.test;
  process.env['VCBRIDGE_COMPOSITOR_DIAG'] = saved.diag;
  if (saved.test === undefined) delete process.env['VCBRIDGE_COMPOSITOR_TEST'];
  if (saved.diag === undefined) delete process.env['VCBRIDGE_COMPOSITOR_DIAG'];
});

describe('compositor source branches', () => {
  it('canvases added while the controller is preempted mid-link, and removed, never stop the source', async () => {
    // 300 ms in the middle of every link: ten pictures arrive while a new branch is half made
    await proc.request('test_link_delay', { ms: 300 });
    for (let i = 0; i < 6; i++) {
      await canvas(`extra${i}`);
      if (i % 2 === 1) await proc.request('remove_canvas', { canvas: `extra${i - 1}` });
    }
    await proc.request('test_link_delay', { ms: 0 });
    const s = await keepsDecoding('the source to keep decoding after the new canvases');
    // the order of the link kept it going, not the guard
    expect(s.restarts).toBe(0);
    // and every canvas that stayed gets its pictures
    const before = s.branches;
    await keepsDecoding('more pictures', 15);
    const after = (await stats()).branches;
    for (const id of ['first', 'extra1', 'extra3', 'extra5'])
      expect(after[id] ?? 0, `pictures into ${id}`).toBeGreaterThan(before[id] ?? 0);
    expect(Object.keys(after).sort()).toEqual(['extra1', 'extra3', 'extra5', 'first']);
  }, 120_000);

  it('a branch that stopped its source anyway is found out and the source started again', async () => {
    const before = await stats();
    await proc.request('test_stop_branch', { source: 'town', canvas: 'first' });
    await until('the guard to restart the source', async () => (await stats()).restarts > before.restarts, 30_000, 100);
    const s = await keepsDecoding('the source to decode again after its restart');
    expect(s.restarts).toBe(before.restarts + 1);
    expect(proc.alive).toBe(true);
  }, 120_000);

  it('canvases made while the controller is preempted after their compositor send pictures, and go away', async () => {
    // 300 ms after each compositor is set PLAYING: with the old order its first picture met a
    // neighbour not yet PLAYING
    await proc.request('test_state_delay', { ms: 300 });
    for (let i = 0; i < 3; i++) await canvas(`late${i}`);
    await proc.request('test_state_delay', { ms: 0 });
    for (let i = 0; i < 3; i++) await keepsSending(`late${i}`, `canvas late${i} to send pictures`);
    // the guard did not have to make them again: they worked from the start
    expect((await canvasStats('late0')).restarts).toBe(0);
    for (let i = 0; i < 3; i++) await proc.request('remove_canvas', { canvas: `late${i}` });
    await keepsDecoding('the source to keep decoding after the canvases went');
    expect(proc.alive).toBe(true);
  }, 120_000);

  it('a canvas that stopped sending anyway is found out, made again and removed without hanging', async () => {
    await canvas('stuck');
    await keepsSending('stuck', 'the canvas to send at all');
    const before = await canvasStats('stuck');
    await proc.request('test_stop_canvas', { canvas: 'stuck' });
    await until(
      'the guard to make the canvas again',
      async () => (await canvasStats('stuck')).restarts > before.restarts,
      30_000,
      100,
    );
    await keepsSending('stuck', 'the canvas made again to send pictures');
    const again = await canvasStats('stuck');
    expect(again.restarts).toBe(before.restarts + 1);
    // its packets go on from the old sequence numbers (a random new start would look like old packets)
    expect(again.frames).toBeGreaterThan(before.frames);
    expect(again.frames - before.frames).toBeLessThan(5000);
    // and the one made again still takes the source's pictures
    await keepsDecoding('the source to keep decoding into it');
    await proc.request('test_stop_canvas', { canvas: 'stuck' });
    await proc.request('remove_canvas', { canvas: 'stuck' });
    // the removal of a stopped canvas finished: the controller answers and the source goes on
    await keepsDecoding('the source to keep decoding after the stopped canvas went');
    expect(Object.keys((await stats()).branches).sort()).toEqual(['extra1', 'extra3', 'extra5', 'first']);
    expect(proc.alive).toBe(true);
  }, 120_000);
});
