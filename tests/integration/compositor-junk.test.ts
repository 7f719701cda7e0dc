// A source that sends junk video (no decodable keyframe, ever) into the multi-picture: its pane must
// show its labelled placeholder while the other panes keep their sites' colours, judged on what a
// real baresip room decodes. The junk site is a real SIP call (tests/helpers/junkRoom.ts) so its RTP
// takes the same path into the compositor as any room's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import { startTownRooms, townEndpoints } from '../helpers/townsDaemon.js';
import { JunkRoom } from '../helpers/junkRoom.js';
import { startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { Picture } from '../helpers/picture.js';
import { paneProblems } from '../helpers/paneCheck.js';
import type { ConferenceView } from '../../protocol/index.js';
import { sleep, until } from '../helpers/wait.js';

const GOOD = [
  { id: 'city', color: 'magenta', tone: 440 },
  { id: 'mihe', color: 'red', tone: 440 },
  { id: 'xiaoguan', color: 'lime', tone: 440 },
] as const;
const COLOUR: Record<string, string> = Object.fromEntries(GOOD.map((s) => [s.id, s.color]));
let rooms = new Map<string, BaresipRoom>();
let junk: JunkRoom;
let bridge: Bridge;
let confId: string;
const show = (): ConferenceView => bridge.manager.show(confId);

/** Problems in the chair's decoded picture against the panes the bridge reports ('' = none). */
async function problems(): Promise<string> {
  const want = show().multiview?.pictures.city;
  if (!want) return 'city has no composed picture';
  const png = await rooms.get('city')!.snapshot();
  const pic = png ? Picture.load(png, 1280, 720) : undefined;
  if (!pic) return 'city decoded no picture';
  const found = paneProblems(
    pic,
    want,
    (site) => (site === null || site === 'junk' ? 'dark' : COLOUR[site]),
    // the placeholder carries the site's name in the middle of the pane
    (i, site, { fx, fy, fw, fh }) =>
      site === 'junk' && pic.whitePixels(fx + fw * 0.2, fy + fh * 0.35, fw * 0.6, fh * 0.3) === 0
        ? `pane ${i + 1} (junk) has no label`
        : undefined,
  );
  return found.length ? `${want.layout} [${want.panes.join(', ')}]: ${found.join('; ')} (${png})` : '';
}

async function untilRight(ms = 150_000): Promise<string> {
  let last = 'not checked';
  const end = Date.now() + ms;
  while (Date.now() < end && (last = await problems()) !== '') await sleep(500);
  return last;
}

beforeAll(async () => {
  rooms = await startTownRooms(GOOD);
  junk = await JunkRoom.start();
  bridge = await startBridge({
    endpoints: [
      ...townEndpoints(GOOD, rooms),
      {
        id: 'junk',
        name: { zh: '乱码镇', en: 'Junk' },
        kind: 'town',
        uri: junk.uri,
        groups: ['towns'],
        codecs: { audio: ['PCMA'], video: ['H264'] },
      },
    ],
  });
  confId = (await bridge.manager.start({ title: '防汛会商', group: 'towns', chair: 'city' })).id;
  await until(
    'all four sites connected',
    () => show().participants.filter((p) => p.state === 'connected').length === 4,
    60_000,
    200,
  );
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await junk?.stop();
  await Promise.all([...rooms.values()].map((r) => r.stop()));
}, 30_000);

describe('a source sending junk video into the multi-picture', () => {
  it("2x2: the junk site's pane is its labelled placeholder; every other pane shows its colour", async () => {
    await bridge.manager.get(confId).control.prepareLayout('2x2');
    bridge.manager.get(confId).control.setLayout('2x2');
    expect(show().multiview?.pictures.city?.panes).toContain('junk');
    expect(await untilRight()).toBe('');
    const pid = bridge.manager.get(confId).media.pictures.compositor?.pid;
    expect(pid).toBeGreaterThan(0);
    // the junk really kept flowing all along, and the call stayed up
    const sent = junk.framesSent;
    await until('more junk frames sent', () => junk.framesSent > sent + 15, 10_000);
    expect(show().participants.find((p) => p.endpointId === 'junk')?.state).toBe('connected');
    expect(junk.calls).toBe(1);
    // the bridge took the junk stream in: it keeps asking it for a keyframe that never comes
    await until('a keyframe request reaching the junk room', () => junk.video.plis > 0, 30_000);
    // and keeps asking (a source that shows no picture is asked again every second), not once
    const asked = junk.video.plis;
    await until('more keyframe requests reaching the junk room', () => junk.video.plis >= asked + 3, 60_000);
    // still right with the junk flowing for longer (polled: on a busy machine a good source's pane
    // may drop to its placeholder for a moment, and comes back)
    expect(await untilRight()).toBe('');
    // the compositor decoded the junk without dying (no respawn hid a crash)
    expect(bridge.manager.get(confId).media.pictures.compositor?.pid).toBe(pid);
  }, 400_000);
});
