// Every multi-picture layout, live, with real peers (issue #13): in one running meeting the operator goes
// through 1, 2x2, 3x3, 4x4, 5x5, 1+5, 1+7, 1+12, auto and back to 1 (`auto` first grows 1 → 2x2 → 3x3 →
// 4x4 as sites connect). For each: two viewing rooms decode a picture whose panes show the right colour
// where `conf show` puts each site, with a label, and labelled placeholders for the sites that are not
// connected — a baresip room (its snapshot) and a light room whose received RTP is decoded by ffmpeg with
// every decoder complaint counted; the stream that room receives must decode without one error across
// all the changes, with no packet missing, and each change must make the encoder produce a keyframe that
// reaches it. No process restarts: the compositor keeps its pid (no `restarted`, no picture made again),
// the mediasoup workers and the media plane theirs, and no room on a layout is ever shown a plain source.
//
// The senders are light: ten rooms are our SipStack answering real dialogs and sending a solid colour
// x264 encoded once per colour (tests/helpers/colourRoom.ts); only the chair-side viewer is a baresip,
// which encodes live. Needs GStreamer, python3-gi, a CJK font and the built CLI (node scripts/build.mjs).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { ColourRoom } from '../helpers/colourRoom.js';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { Picture, type Rgb } from '../helpers/picture.js';
import { sleep, until } from '../helpers/wait.js';
import { autoLayout, paneRects, type FixedLayout } from '../../daemon/media/compositor/layouts.js';
import type { Compositor } from '../../daemon/media/compositor/Compositor.js';
import type { ConferenceView } from '../../protocol/index.js';
import { createLogger } from '../../daemon/util/logger.js';

/** The room whose received stream ffmpeg decodes (it sends gray). */
const WATCH = 'watch';
/** The baresip room (live encoder, magenta): the other viewer. */
const BARESIP = 'city';
/** Light rooms, each its colour. With the two viewers: 11 sites connected → auto 4x4. */
const SENDERS = [
  ['mihe', 'red'],
  ['xiaoguan', 'lime'],
  ['zhulin', 'blue'],
  ['xinzhong', 'yellow'],
  ['huiguo', 'cyan'],
  ['heluo', 'maroon'],
  ['xinhua', 'green'],
  ['zhanjie', 'olive'],
  ['kanggou', 'purple'],
] as const;
/** In the meeting, never answering: labelled placeholders. */
const ABSENT = ['dayukou', 'lugou'];
const COLOUR: Record<string, string> = {
  [WATCH]: 'gray',
  [BARESIP]: 'magenta',
  ...Object.fromEntries(SENDERS),
};
/** What a pane's middle may be: the senders' colours and the placeholder's dark grey (0x1c2026). */
const PALETTE: Record<string, [number, number, number]> = {
  red: [255, 0, 0],
  lime: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  magenta: [255, 0, 255],
  cyan: [0, 255, 255],
  maroon: [128, 0, 0],
  green: [0, 128, 0],
  olive: [128, 128, 0],
  purple: [128, 0, 128],
  gray: [128, 128, 128],
  dark: [28, 32, 38],
};
/** Layouts in the order the operator sets them ('auto' resolves to 4x4 with 11 sites). */
const TOUR = ['1', '2x2', '3x3', '4x4', '5x5', '1+5', '1+7', '1+12', 'auto', '1'] as const;

let bridge: Bridge;
let confId: string;
let baresip: BaresipRoom;
const rooms = new Map<string, ColourRoom>();
let logDir: string;
let logFile: string;
let comp: Compositor;
let compPid: number | undefined;
let compRestarts = 0;
let planeRestarts = 0;
let workerPids: (number | undefined)[] = [];

const cli = (args: string[]): ReturnType<typeof bridgeCli> => bridgeCli(bridge, args);
const show = (): ConferenceView => bridge.manager.show(confId);
const watch = (): NonNullable<ColourRoom['watch']> => rooms.get(WATCH)!.watch!;
const connected = (): string[] =>
  show()
    .participants.filter((p) => p.state === 'connected')
    .map((p) => p.endpointId);

/** The nearest colour of the palette, or undefined when none is near. */
function colourOf(c: Rgb): string | undefined {
  let best: string | undefined;
  let bestD = 70;
  for (const [name, [r, g, b]] of Object.entries(PALETTE)) {
    const d = Math.hypot(c.r - r, c.g - g, c.b - b);
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

/** What is wrong with a 16:9 picture against the panes `conf show` reports for `viewer` ([] = nothing). */
function paneProblems(pic: Picture, viewer: string, labels: boolean): string[] {
  const want = show().multiview?.pictures[viewer];
  if (!want) return [`${viewer} has no composed picture in conf show`];
  const problems: string[] = [];
  paneRects(want.layout as FixedLayout, 1280, 720).forEach((r, i) => {
    const [fx, fy, fw, fh] = [r.x / 1280, r.y / 720, r.w / 1280, r.h / 720];
    const site = want.panes[i] ?? null;
    const expected = (site && COLOUR[site]) ?? 'dark';
    // the middle of the pane, above the label strip
    const seen = colourOf(pic.mean(fx + fw * 0.4, fy + fh * 0.3, fw * 0.2, fh * 0.15));
    if (seen !== expected)
      problems.push(`pane ${i + 1} (${site ?? 'empty'}) is ${seen ?? 'unclear'}, expected ${expected}`);
    if (labels && site !== null) {
      // white text at the bottom of a video pane, in the middle of a placeholder
      const [y, h] = COLOUR[site] ? [fy + fh * 0.78, fh * 0.22] : [fy + fh * 0.35, fh * 0.3];
      if (pic.whitePixels(fx + fw * 0.2, y, fw * 0.6, h) === 0) problems.push(`pane ${i + 1} (${site}) has no label`);
    }
  });
  return problems.length ? [`${want.layout} [${want.panes.join(', ')}]: ${problems.join('; ')}`] : [];
}

/** Until both viewers decode the layout `conf show` reports (the ffmpeg room's picture, the baresip's snapshot). */
async function untilPictures(layout: FixedLayout, ms = 90_000): Promise<void> {
  let why = '';
  const viewers = connected().includes(BARESIP) ? [WATCH, BARESIP] : [WATCH];
  await until(
    `${viewers.join(' and ')} to decode ${layout}`,
    async () => {
      const layouts = viewers.map((v) => show().multiview?.pictures[v]?.layout);
      if (layouts.some((l) => l !== layout)) {
        why = `conf show: ${layouts.join(', ')}`;
        return false;
      }
      const pic = watch().picture();
      const problems = pic ? paneProblems(pic, WATCH, false) : ['watch decoded nothing yet'];
      if (!problems.length && viewers.includes(BARESIP)) {
        const png = await baresip.snapshot();
        const snap = png ? await loadPng(png) : undefined;
        problems.push(
          ...(snap ? paneProblems(snap, BARESIP, true).map((p) => `baresip: ${p}`) : ['baresip decoded nothing']),
        );
      }
      why = problems.join(' | ');
      return problems.length === 0;
    },
    ms,
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${why}`);
  });
}

/**
 * A PNG at 1280×720, decoded without blocking: the bridge runs in this process, and a synchronous
 * ffmpeg would stall its sockets (the composed stream's packets dropped while it runs).
 */
function loadPng(png: string): Promise<Picture | undefined> {
  return new Promise((resolve) => {
    execFile(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        png,
        '-vf',
        'scale=1280:720:flags=area',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-',
      ],
      { encoding: 'buffer', maxBuffer: 64 << 20 },
      (err, out) => resolve(!err && out.length >= 1280 * 720 * 3 ? Picture.fromRgb(1280, 720, out) : undefined),
    );
  });
}

/** UDP sockets on this machine that dropped datagrams (their receive buffer was full): port → drops and owner. */
function udpDrops(): Record<number, string> {
  const out: Record<number, string> = {};
  for (const l of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = l.trim().split(/\s+/);
    const drops = Number(f[12]);
    if (!(drops > 0)) continue;
    const port = parseInt(f[1]!.split(':')[1]!, 16);
    const ss = spawnSync('ss', ['-uanpH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
    out[port] = `${drops} ${/users:\(\("([^"]+)",pid=(\d+)/.exec(ss)?.slice(1).join(' pid ') ?? '?'}`;
  }
  return out;
}

const canvasOf = (viewer: string): string => show().multiview!.pictures[viewer]!.canvas;

async function forcedKeyframes(canvas: string): Promise<number> {
  return (await comp.stats()).canvases[canvas]?.forcedKeyframes ?? 0;
}

/** Warnings and errors the bridge logged so far (JSON lines), as "msg" texts. */
function logged(): string[] {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        const j = JSON.parse(l) as { msg?: string; room?: string; reason?: string };
        return [j.msg, j.room, j.reason].filter(Boolean).join(' / ');
      } catch {
        return l;
      }
    });
}

/** What the log says of the compositor process (a stuck main loop is killed and replaced by design). */
function processLog(): string {
  return logged()
    .filter((l) => /compositor (process|restarted)/.test(l))
    .join(' | ');
}

async function dial(ids: string[]): Promise<void> {
  for (const id of ids) bridge.manager.dial(confId, id);
  await until(`${ids.join(', ')} connected`, () => ids.every((id) => connected().includes(id)), 60_000, 200);
}

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'vcb-layouts-'));
  logFile = process.env.VCB_TEST_LOG ?? join(logDir, 'bridge.log');
  rooms.set(WATCH, await ColourRoom.start({ id: WATCH, colour: COLOUR[WATCH]!, watch: true }));
  for (const [id, colour] of SENDERS) rooms.set(id, await ColourRoom.start({ id, colour }));
  baresip = await BaresipRoom.start({
    name: BARESIP,
    toneHz: 440,
    video: 'H264',
    color: COLOUR[BARESIP],
    audioCodecs: ['PCMA'],
    toneSeconds: 900,
  });
  const site = (id: string, uri: string): Record<string, unknown> => ({
    id,
    name: { zh: `${id}镇`, en: id },
    kind: 'town',
    uri,
    groups: ['towns'],
    codecs: { audio: ['PCMA'], video: ['H264'] },
  });
  bridge = await startBridge({
    log: createLogger({ level: process.env.VCB_TEST_LOG ? 'debug' : 'warn', file: logFile }),
    endpoints: [
      ...[...rooms.values()].map((r) => site(r.id, r.uri)),
      site(BARESIP, baresip.uri),
      ...ABSENT.map((id) => site(id, `sip:${id}@127.0.0.1:9`)),
    ],
  });
  // the meeting starts with the ffmpeg room alone connected; the others are dialled as auto grows
  const r = await cli([
    'conf',
    'start',
    '--title',
    '多画面巡检',
    '--endpoints',
    [WATCH, ...ABSENT].join(','),
    '--wait',
    '5',
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  confId = (JSON.parse(r.stdout) as ConferenceView).id;
  await until('the watching room connected', () => connected().includes(WATCH), 60_000, 200);
  planeRestarts = 0;
  bridge.plane?.on('restarted', () => planeRestarts++);
  workerPids = bridge.pool.workers.map((w) => w.pid);
}, 180_000);

afterAll(async () => {
  await bridge?.close();
  await Promise.all([...rooms.values()].map((r) => r.stop()));
  await baresip?.stop();
  if (!process.env.VCB_KEEP_PEERS) rmSync(logDir, { recursive: true, force: true });
}, 30_000);

describe('every layout live, with real peers', () => {
  it('auto grows with the sites that connect: 1 → 2x2 → 3x3 → 4x4', async () => {
    const r = await cli(['conf', 'layout', confId, 'auto']);
    expect(r.code, r.stderr).toBe(0);
    comp = bridge.manager.get(confId).media.pictures.compositor!;
    compPid = comp.pid;
    expect(compPid).toBeGreaterThan(0);
    comp.on('restarted', () => compRestarts++);
    await untilPictures('1');
    const steps: string[][] = [
      [BARESIP, 'mihe'],
      ['xiaoguan', 'zhulin', 'xinzhong'],
      ['huiguo', 'heluo', 'xinhua', 'zhanjie', 'kanggou'],
    ];
    for (const ids of steps) {
      await dial(ids);
      const n = connected().length;
      const layout = autoLayout(n);
      await untilPictures(layout);
      // every connected site has a pane (one reading of conf show)
      const v = show();
      const on = new Set(v.participants.filter((p) => p.state === 'connected').map((p) => p.endpointId));
      expect(
        v.multiview!.pictures[WATCH]!.panes.filter((p) => p && on.has(p)).length,
        `connected: ${[...on].join(', ')}`,
      ).toBe(on.size);
    }
    expect(show().multiview!.pictures[WATCH]!.layout).toBe('4x4');
    expect(watch().problems).toEqual([]);
    expect(comp.pid, `the compositor process as auto grew; logged: ${processLog()}`).toBe(compPid);
    expect(compRestarts).toBe(0);
  }, 400_000);

  it('each layout in turn: the right panes, a keyframe after each change, the same processes throughout', async () => {
    const canvas = canvasOf(WATCH);
    for (const layout of TOUR) {
      const t0 = performance.now();
      const forced = await forcedKeyframes(canvas);
      const r = await cli(['conf', 'layout', confId, layout]);
      expect(r.code, `${layout}: ${r.stderr}`).toBe(0);
      const fixed = layout === 'auto' ? autoLayout(connected().length) : layout;
      await untilPictures(fixed);
      // the change is a new scene on the same canvas (same encoder), and the encoder was told to make a keyframe
      expect(canvasOf(WATCH)).toBe(canvas);
      await until(
        `a forced keyframe after ${layout}`,
        async () => (await forcedKeyframes(canvas)) > forced,
        20_000,
        250,
      );
      await until(`an IDR received after ${layout}`, () => watch().idrsSince(t0) > 0, 20_000, 100);
      expect(comp.pid, `the compositor process after ${layout}; logged: ${processLog()}`).toBe(compPid);
      expect(watch().problems, `decoder problems by ${layout}`).toEqual([]);
    }
  }, 900_000);

  it('the stream the room received decoded without one error; no process restarted; no room shown a plain source', async () => {
    const w = watch();
    await sleep(2000); // what is still in flight reaches the decoder
    expect(w.frames).toBeGreaterThan(100);
    expect(w.problems).toEqual([]);
    const room = rooms.get(WATCH)!;
    expect(
      w.lost,
      `gaps: ${JSON.stringify(w.gaps.slice(0, 20))}; UDP drops by port ${JSON.stringify(udpDrops())} (this process ${process.pid}; the room's video port ${room.rtp.address().port}; compositor ${compPid})`,
    ).toBe(0);
    expect(compRestarts).toBe(0);
    expect(comp.pid).toBe(compPid);
    expect(bridge.manager.get(confId).media.pictures.compositor).toBe(comp);
    expect(bridge.pool.workers.map((x) => x.pid)).toEqual(workerPids);
    expect(planeRestarts).toBe(0);
    const bad = logged().filter((l) =>
      /shows? a source directly|compositor restarted|compositor process died|canvas had stopped sending|cannot compose|worker died/.test(
        l,
      ),
    );
    expect(bad).toEqual([]);
  }, 60_000);
});
