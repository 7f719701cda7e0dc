// Multi-picture (多画面) with real peers: baresip towns each send one solid colour, and every check
// is made on what a baresip room decodes (snapshot_recv): the right colour in each pane of the
// layout the bridge reports, a label drawn in each pane, a placeholder for a site that is not
// connected, live layout changes, a personal layout, a pinned pane, a VP8 room and H.264 rooms
// seeing each other through the compositor (transcoding), and the compositor killed mid-meeting.
// Needs GStreamer, python3-gi and a CJK font (scripts/setup.sh installs them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { Picture, colourName } from '../helpers/picture.js';
import { startChairedMeeting } from '../helpers/chairedMeeting.js';
import { colourEndpoint, colourOf, colourTowns, startColourRooms } from '../helpers/colourTowns.js';
import { paneRects, type FixedLayout } from '../../daemon/media/compositor/layouts.js';
import type { ConferenceView } from '../../protocol/index.js';
import { createLogger } from '../../daemon/util/logger.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TOWNS = colourTowns(['mihe', 'xiaoguan', 'zhulin', 'xinzhong', 'city', 'huiguo']);
type Town = (typeof TOWNS)[number]['id'];
const COLOUR = colourOf(TOWNS);
/** Configured but never answering: its pane must show its name on a dark background. */
const ABSENT = 'dayukou';

let bridge: Bridge;
let confId: string;
const rooms = new Map<Town, BaresipRoom>();
const room = (id: Town): BaresipRoom => rooms.get(id)!;

const cli = (args: string[]): ReturnType<typeof bridgeCli> => bridgeCli(bridge, args);

const show = (): ConferenceView => bridge.manager.show(confId);

/** What a pane of `viewer`'s picture must look like, from the layout and panes the bridge reports. */
function expectedPanes(viewer: Town): { layout: FixedLayout; panes: (string | null)[] } | undefined {
  const p = show().multiview?.pictures[viewer];
  return p && { layout: p.layout as FixedLayout, panes: p.panes };
}

interface Check {
  ok: boolean;
  why: string;
}

/** Compare the viewer's decoded picture with the reported layout: colours, labels, placeholders. */
async function checkPicture(viewer: Town): Promise<Check> {
  const want = expectedPanes(viewer);
  if (!want) return { ok: false, why: `${viewer} has no composed picture in conf show` };
  const png = await room(viewer).snapshot();
  // full size: label strokes are a couple of pixels wide
  const pic = png ? Picture.load(png, 1280, 720) : undefined;
  if (!pic) return { ok: false, why: `${viewer} decoded no picture` };
  const rects = paneRects(want.layout, 1280, 720);
  const problems: string[] = [];
  rects.forEach((r, i) => {
    const fx = r.x / 1280;
    const fy = r.y / 720;
    const fw = r.w / 1280;
    const fh = r.h / 720;
    const site = want.panes[i] ?? null;
    // the middle of the pane, above the label strip
    const centre = colourName(pic.mean(fx + fw * 0.4, fy + fh * 0.3, fw * 0.2, fh * 0.15));
    const expected = site === null || site === ABSENT ? 'dark' : COLOUR[site];
    if (centre !== expected)
      problems.push(`pane ${i + 1} (${site ?? 'empty'}) is ${centre ?? 'unclear'}, expected ${expected}`);
    if (site !== null) {
      // a label: white text at the bottom of a video pane, in the middle of a placeholder
      const strip = site === ABSENT ? [fy + fh * 0.35, fh * 0.3] : [fy + fh * 0.78, fh * 0.22];
      if (pic.whitePixels(fx + fw * 0.2, strip[0]!, fw * 0.6, strip[1]!) === 0)
        problems.push(`pane ${i + 1} (${site}) has no label`);
    }
  });
  return {
    ok: problems.length === 0,
    why: `${want.layout} [${want.panes.join(', ')}]: ${problems.join('; ') || 'ok'} (${png})`,
  };
}

async function untilPicture(viewer: Town, ms = 60_000): Promise<Check> {
  const end = Date.now() + ms;
  let last: Check = { ok: false, why: 'not checked' };
  while (Date.now() < end) {
    last = await checkPicture(viewer);
    if (last.ok) return last;
    await sleep(500);
  }
  return last;
}

async function untilSees(viewer: Town, colour: string, ms = 60_000): Promise<string | undefined> {
  const end = Date.now() + ms;
  let seen: string | undefined;
  while (Date.now() < end) {
    const png = await room(viewer).snapshot();
    const pic = png ? Picture.load(png) : undefined;
    seen = pic ? colourName(pic.mean(0.4, 0.3, 0.2, 0.2)) : 'nothing';
    if (seen === colour) return seen;
    await sleep(500);
  }
  return seen;
}

beforeAll(async () => {
  await startColourRooms(TOWNS, rooms);
  bridge = await startBridge({
    // VCB_TEST_LOG=file: the bridge's log, to see why a picture did not come
    ...(process.env.VCB_TEST_LOG ? { log: createLogger({ level: 'debug', file: process.env.VCB_TEST_LOG }) } : {}),
    endpoints: [
      ...TOWNS.map((t) => colourEndpoint(t, room(t.id).uri)),
      {
        id: ABSENT,
        name: { zh: '大峪沟镇', en: 'Dayukou' },
        kind: 'town',
        uri: 'sip:dayukou@127.0.0.1:9',
        groups: ['towns'],
      },
    ],
  });
  confId = await startChairedMeeting({
    cli,
    chair: 'city',
    connected: TOWNS.length,
    show: (id) => bridge.manager.show(id),
  });
}, 240_000); // six baresip rooms: on a busy machine each start takes seconds

afterAll(async () => {
  await bridge?.close();
  await Promise.all([...rooms.values()].map((r) => r.stop()));
}, 30_000);

describe('multi-picture with real baresip rooms', () => {
  it('bad input is refused with an error naming it, and nothing changes', async () => {
    const bad = await cli(['conf', 'layout', confId, '6x6']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/unknown layout "6x6"/);
    const pane = await cli(['conf', 'pane', confId, '2', 'nowhere']);
    expect(pane.code).not.toBe(0);
    expect(pane.stdout + pane.stderr).toMatch(/nowhere is not in conference/);
    expect(show().multiview?.layout).toBe('off');
    // only the VP8 room has a composed picture: the H.264 broadcast source, transcoded for it
    expect(Object.keys(show().multiview?.pictures ?? {})).toEqual(['huiguo']);
  }, 30_000);

  it("3x3: every pane shows its site's colour with a label; the absent site is a labelled placeholder", async () => {
    const r = await cli(['conf', 'layout', confId, '3x3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/see 3x3: 1 /);
    const c = await untilPicture('xiaoguan');
    expect(c.ok, c.why).toBe(true);
    expect(expectedPanes('xiaoguan')!.panes).toContain(ABSENT);
    // the VP8 room gets the same picture from its own encoder
    const v = await untilPicture('huiguo');
    expect(v.ok, v.why).toBe(true);
  }, 150_000);

  it('a layout change is live: 1+5 with the large pane first', async () => {
    expect((await cli(['conf', 'layout', confId, '1+5'])).code).toBe(0);
    const c = await untilPicture('mihe');
    expect(c.ok, c.why).toBe(true);
    expect(expectedPanes('mihe')!.layout).toBe('1+5');
  }, 150_000);

  it("a personal layout for one site; the others keep the conference's", async () => {
    expect((await cli(['conf', 'layout', confId, '2x2', '--for', 'city'])).code).toBe(0);
    const c = await untilPicture('city');
    expect(c.ok, c.why).toBe(true);
    expect(expectedPanes('city')!.layout).toBe('2x2');
    expect(expectedPanes('mihe')!.layout).toBe('1+5');
  }, 150_000);

  it('a pinned pane: zhulin in the large pane for everyone on the conference layout', async () => {
    const r = await cli(['conf', 'pane', confId, '1', 'zhulin']);
    expect(r.code, r.stderr).toBe(0);
    expect(expectedPanes('mihe')!.panes[0]).toBe('zhulin');
    const c = await untilPicture('mihe');
    expect(c.ok, c.why).toBe(true);
  }, 150_000);

  it('the compositor killed mid-meeting is respawned and the layouts come back', async () => {
    const conf = bridge.manager.get(confId);
    const pid = conf.media.pictures.compositor?.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const end = Date.now() + 20_000;
    while ((conf.media.pictures.compositor?.pid ?? pid) === pid && Date.now() < end) await sleep(100);
    expect(conf.media.pictures.compositor?.pid).not.toBe(pid);
    const c = await untilPicture('mihe');
    expect(c.ok, c.why).toBe(true);
    const p = await untilPicture('city');
    expect(p.ok, p.why).toBe(true);
  }, 150_000);

  it('transcoding: with no layout an H.264 room sees the VP8 room, and the VP8 room an H.264 one', async () => {
    expect((await cli(['conf', 'layout', confId, 'off'])).code).toBe(0);
    expect((await cli(['conf', 'layout', confId, 'default', '--for', 'city'])).code).toBe(0);
    expect((await cli(['conf', 'view', confId, 'city', 'huiguo'])).code).toBe(0);
    expect((await cli(['conf', 'view', confId, 'huiguo', 'mihe'])).code).toBe(0);
    expect(await untilSees('city', 'cyan')).toBe('cyan');
    expect(await untilSees('huiguo', 'red')).toBe('red');
    expect(show().multiview?.pictures['city']?.canvas).toMatch(/^tx:huiguo/);
  }, 150_000);
});
