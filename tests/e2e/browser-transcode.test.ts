// Transcoding a browser for a room that cannot decode it: Debian's headless Chromium (a yellow fake
// camera) joins a meeting of two VP8 baresip rooms and one H.264-only baresip room. The page sends in
// the codec most rooms negotiated (VP8), so when the browser has the floor the H.264 room can only be
// shown it through the compositor's single-pane picture (GStreamer: vp8dec → x264enc). Judged from what
// the H.264 room itself decodes (snapshot_recv). The CLI (dist/vcbridge.js; `node scripts/build.mjs`
// first) makes the invitation and gives the floor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import type { ChromiumPeer } from '../peers/chromium.js';
import { BRIDGE_TOKEN, type Bridge } from '../helpers/conferenceBridge.js';
import { startBrowserMeeting, type BrowserMeeting } from '../helpers/browserMeeting.js';
import { runCli } from '../helpers/daemon.js';
import { Picture, colourName } from '../helpers/picture.js';
import type { ConferenceInviteResult, ConferenceView } from '../../protocol/index.js';
import { createLogger, silentLogger } from '../../daemon/util/logger.js';
import { sleep, until } from '../helpers/wait.js';

const ROOMS = [
  { id: 'huiguo', video: 'VP8', color: 'cyan' },
  { id: 'zhulin', video: 'VP8', color: 'blue' },
  { id: 'city', video: 'H264', color: 'magenta' },
] as const;
type RoomId = (typeof ROOMS)[number]['id'];

const log = process.env.VCB_LOG ? createLogger({ level: process.env.VCB_LOG, pretty: false }) : silentLogger();
let rooms: Map<string, BaresipRoom>;
let bridge: Bridge;
let chrome: ChromiumPeer;
let conf: ConferenceView;
const room = (id: RoomId): BaresipRoom => rooms.get(id)!;

const cli = (args: string[]): ReturnType<typeof runCli> => runCli(bridge.url, args, BRIDGE_TOKEN, 30_000);

/** The colour in the middle of what `id` decodes now ('nothing' before its first picture). */
async function seen(id: RoomId): Promise<string> {
  const png = await room(id).snapshot();
  const pic = png ? Picture.load(png) : undefined;
  return pic ? (colourName(pic.mean(0.4, 0.3, 0.2, 0.2)) ?? 'unclear') : 'nothing';
}

let meeting: BrowserMeeting | undefined;

beforeAll(async () => {
  meeting = await startBrowserMeeting({
    tmpPrefix: 'vcb-browser-tx-',
    log,
    rooms: ROOMS.map((r, i) => ({
      id: r.id,
      room: { toneHz: 440 + 110 * i, video: r.video, color: r.color, audioCodecs: ['PCMA'], toneSeconds: 600 },
      codecs: { audio: ['PCMA'], video: [r.video] },
      name: { zh: `${r.id}镇`, en: r.id },
    })),
    chrome: { color: 'yellow' },
    conference: { title: '防汛会商', chair: 'huiguo', mode: 'voice' },
    connectMs: 30_000,
  });
  ({ rooms, bridge, chrome, conf } = meeting);
}, 120_000);

afterAll(async () => {
  await meeting?.close();
}, 30_000);

describe('a VP8 browser shown to an H.264-only room through the compositor', () => {
  it('the H.264 room decodes the browser’s yellow camera from a transcoded picture; the VP8 rooms get it as sent', async () => {
    const r = await cli(['conf', 'invite', conf.id, '--name', '教育局', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const invite = JSON.parse(r.stdout) as ConferenceInviteResult;
    const { page, logs } = await chrome.open(invite.url);
    await until(
      'the page sends video',
      () => page.evaluate(() => window.vcbridge.state().producing.includes('video')),
      30_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\npage console:\n${logs.join('\n')}`);
    });
    // the page chose VP8: what the two VP8 rooms negotiated, not what the H.264 room can decode
    const media = bridge.manager.get(conf.id).media;
    const mine = media.sources().find((s) => s.id === invite.participantId && s.kind === 'video');
    expect(mine?.producer.rtpParameters.codecs[0]?.mimeType.toLowerCase()).toBe('video/vp8');

    const floor = await cli(['conf', 'floor', conf.id, invite.participantId]);
    expect(floor.code, floor.stderr).toBe(0);
    const views = (): string =>
      JSON.stringify(bridge.manager.show(conf.id).participants.map((p) => [p.endpointId, p.viewing]));
    await until(
      'every room views the browser (the H.264 room through its transcoded picture)',
      () =>
        ROOMS.every((x) => {
          const v = bridge.manager.show(conf.id).participants.find((p) => p.endpointId === x.id)?.viewing;
          // the H.264 room through its transcoded picture: conf show names the browser, not the canvas
          return v === invite.participantId;
        }),
      90_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${views()}`);
    });
    // the H.264 room's view is a composed single-pane picture of the browser, in its codec
    await until(
      'a transcoded picture planned for the H.264 room',
      () => /^tx:/.test(bridge.manager.show(conf.id).multiview?.pictures['city']?.canvas ?? ''),
      30_000,
    );
    let last = '';
    await until(
      'the H.264 room decodes yellow',
      async () => (last = await seen('city')) === 'yellow',
      90_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: it decodes ${last}`);
    });
    // the VP8 rooms are not transcoded: they consume the browser's own stream
    for (const id of ['huiguo', 'zhulin'] as const) {
      expect(bridge.manager.show(conf.id).multiview?.pictures[id]).toBeUndefined();
      let c = '';
      await until(`${id} decodes yellow`, async () => (c = await seen(id)) === 'yellow', 60_000, 500).catch(
        (err: Error) => {
          throw new Error(`${err.message}: it decodes ${c}`);
        },
      );
    }
    // and keeps decoding it: the picture is live, not one frame
    const before = await room('city').framesDecoded();
    await sleep(2000);
    expect(await room('city').framesDecoded()).toBeGreaterThan(before + 5);
  }, 240_000);
});
