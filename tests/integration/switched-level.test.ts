// Level-aware transcoding in the switched view (issue #13): a room that negotiated H.264 level 2.0
// (CIF) must not be forwarded a 720p picture it cannot decode. Real baresip rooms: `hd` sends
// 1280×720, `city` (the chair, level 3.1) and `cif` send 320×240, and `cif` sits behind kamailio,
// which rewrites its answer to level 2.0 (as compositor-share does). With no layout, `cif` viewing `hd`
// gets a single-pane picture of its own class (352×288: one encoder in `conf show --json`, for cif
// alone); `city` viewing `hd` gets hd's own stream (1280×720 decoded, no encoder for it); `cif`
// viewing `city` (320×240 fits CIF) gets city's own stream and the encoder goes. What each room
// decodes is read from its snapshots (baresip's snapshot_recv), whose size is the stream's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { disposeKamailio, LEVEL_2_0_ANSWER, startKamailio, type Kamailio } from '../peers/kamailio.js';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { imageSize } from '../helpers/ocr.js';
import { until } from '../helpers/wait.js';
import { startChairedMeeting } from '../helpers/chairedMeeting.js';
import type { ConferenceView, MultiviewEncoder } from '../../protocol/index.js';

const SITES = [
  { id: 'city', color: 'magenta', size: '320x240' },
  // fakevideo's test picture: baresip 1.0 dies colouring a picture of another size than 320×240
  { id: 'hd', color: undefined, size: '1280x720' },
  { id: 'cif', color: 'blue', size: '320x240' },
] as const;

let kam: Kamailio;
let bridge: Bridge;
let confId: string;
const rooms = new Map<string, BaresipRoom>();
const cli = (args: string[]): ReturnType<typeof bridgeCli> => bridgeCli(bridge, args);

/** `conf show --json` through the CLI: what an operator's tools get. */
async function showJson(): Promise<ConferenceView> {
  const r = await cli(['conf', 'show', confId, '--json']);
  if (r.code !== 0) throw new Error(`conf show exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ConferenceView;
}

/** The size of the picture `room` decodes now ('' while it decodes none). */
async function decodedSize(room: string): Promise<string> {
  const png = await rooms.get(room)!.snapshot();
  const s = png ? imageSize(png) : undefined;
  return s ? `${s.w}x${s.h}` : '';
}

/**
 * Until each room decodes a picture of the size wanted and `conf show --json` lists the encoders
 * wanted (a description each: `<kind> <site> <w>x<h> → <rooms>`); the view then.
 */
async function untilState(sizes: Record<string, string>, encoders: string[]): Promise<ConferenceView> {
  let last = '';
  let view: ConferenceView | undefined;
  const describe = (e: MultiviewEncoder): string =>
    `${e.kind} ${e.site ?? ''} ${e.width}x${e.height} → ${e.rooms.join(',')}`;
  await until(
    'the rooms decoding their sizes and conf show listing the encoders',
    async () => {
      view = await showJson();
      const got = Object.fromEntries(
        await Promise.all(Object.keys(sizes).map(async (id) => [id, await decodedSize(id)] as const)),
      );
      const enc = (view.multiview?.encoders ?? []).map(describe).sort();
      last = `decoded ${JSON.stringify(got)}; encoders [${enc.join('; ')}]`;
      return (
        JSON.stringify(got) === JSON.stringify(sizes) && JSON.stringify(enc) === JSON.stringify([...encoders].sort())
      );
    },
    90_000,
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
  return view!;
}

const viewing = (v: ConferenceView, id: string): string | null | undefined =>
  v.participants.find((p) => p.endpointId === id)?.viewing;

beforeAll(async () => {
  kam = await startKamailio({ users: { cif: 'cif-pass' }, replySdp: LEVEL_2_0_ANSWER });
  for (const [i, s] of SITES.entries())
    rooms.set(
      s.id,
      await BaresipRoom.start({
        name: s.id,
        toneHz: 400 + 100 * i,
        video: 'H264',
        ...(s.color ? { color: s.color } : {}),
        videoSize: s.size,
        audioCodecs: ['PCMA'],
        toneSeconds: 900,
        ...(s.id === 'cif'
          ? { register: { registrar: `127.0.0.1:${kam.port}`, password: 'cif-pass', regint: 60 } }
          : {}),
      }),
    );
  await until('the CIF room registered with kamailio', () => /REGISTER ok for cif/.test(kam.log()), 30_000, 200);
  bridge = await startBridge({
    endpoints: SITES.map((s) => ({
      id: s.id,
      name: { zh: `${s.id}镇`, en: s.id },
      kind: s.id === 'city' ? 'city' : 'town',
      uri: s.id === 'cif' ? `sip:cif@127.0.0.1:${kam.port}` : rooms.get(s.id)!.uri,
      groups: ['towns'],
      codecs: { audio: ['PCMA'], video: ['H264'] },
    })),
  });
  confId = await startChairedMeeting({
    cli,
    chair: 'city',
    connected: SITES.length,
    show: (id) => bridge.manager.show(id),
    ms: 90_000,
  });
}, 240_000);

afterAll(async () => {
  await bridge?.close();
  await Promise.all([...rooms.values()].map((r) => r.stop()));
  if (kam) await disposeKamailio(kam);
}, 30_000);

describe('the switched view follows the room H.264 level (real baresip rooms)', () => {
  it('cif negotiated H.264 level 2.0 through kamailio; the others level 3.1', () => {
    expect(kam.log()).toMatch(/reply SDP rewritten/);
    const media = bridge.manager.get(confId).media;
    expect(media.outputClass('cif')).toMatchObject({ key: expect.stringMatching(/^H264/), width: 352, height: 288 });
    expect(media.outputClass('city')).toMatchObject({ width: 1280, height: 720 });
  });

  it('cif viewing the 720p source gets it scaled to CIF by one encoder; city viewing it gets it as sent', async () => {
    for (const target of ['cif', 'city']) {
      const r = await cli(['conf', 'view', confId, target, 'hd']);
      expect(r.code, r.stderr).toBe(0);
    }
    const v = await untilState({ cif: '352x288', city: '1280x720' }, ['transcoded hd 352x288 → cif']);
    // the operator sees whom each room views, by the source's id (never the canvas)
    expect(viewing(v, 'cif')).toBe('hd');
    expect(viewing(v, 'city')).toBe('hd');
    // what the bridge read from hd's stream
    expect(bridge.manager.get(confId).media.sourcePicture('hd')).toMatchObject({ width: 1280, height: 720 });
    const text = await cli(['conf', 'show', confId]);
    expect(text.stdout).toMatch(/encoders \(1\):\n.*352×288.*: hd transcoded → cif\n/);
  }, 150_000);

  it('cif viewing a 320×240 source (fits level 2.0) gets it as sent, with no encoder', async () => {
    const r = await cli(['conf', 'view', confId, 'cif', 'city']);
    expect(r.code, r.stderr).toBe(0);
    const v = await untilState({ cif: '320x240', city: '1280x720' }, []);
    expect(viewing(v, 'cif')).toBe('city');
    expect(bridge.manager.get(confId).media.sourcePicture('city')).toMatchObject({ width: 320, height: 240 });
  }, 150_000);
});
