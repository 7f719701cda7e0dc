// Output classes and keyframes with rooms in real SIP dialogs, on one conference layout (issue #13):
//   - H.264 packetization-mode 0 and mode 1 are two classes: a real baresip (it answers the bridge's
//     mode-1 offer with mode 0) and a feedbackRoom answering mode 0 share one encoder, a feedbackRoom
//     answering mode 1 gets another; the mode-0 rooms get single NAL units only, each within the
//     payloader's MTU (no FU-A, no STAP-A: RFC 6184 §6.2), the mode-1 room gets FU-A fragments (a 720p
//     keyframe never fits one packet), and baresip decodes its picture;
//   - a VP8 room's PLI and FIR make its picture's VP8 encoder produce a keyframe (counted at the
//     encoder and received: RFC 7741 S=1, PID 0, P bit 0), one per request like H.264's.
// (A VP8 room's PLI reaching the VP8 source it sees, switched: tests/integration/keyframe-baresip.test.ts.)
// The feedbackRooms are tests/peers/feedbackRoom.ts (their video sockets are this test's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { FeedbackRoom } from '../peers/feedbackRoom.js';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { sleep, until } from '../helpers/wait.js';
import { decodeRgb } from '../helpers/picture.js';
import type { Compositor } from '../../daemon/media/compositor/Compositor.js';
import type { ConferenceView } from '../../protocol/index.js';

/** The canvas's payloader MTU (compositor_canvas.py): no RTP payload of a mode-0 room may exceed it. */
const MTU = 1200;
/** Longer than the rate limit (500 ms) and mediasoup's own keyframe-request retry (1 s). */
const QUIET_MS = 1500;
const FEEDBACK = ['m0', 'm1', 'vp8'] as const;
type FeedbackId = (typeof FEEDBACK)[number];

let bridge: Bridge;
let confId: string;
let bs: BaresipRoom;
const rooms = new Map<FeedbackId, FeedbackRoom>();
const room = (id: FeedbackId): FeedbackRoom => rooms.get(id)!;

const cli = async (args: string[]): Promise<void> => {
  const r = await bridgeCli(bridge, args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
};
const show = (): ConferenceView => bridge.manager.show(confId);
const compositor = (): Compositor | undefined => bridge.manager.get(confId).media.pictures.compositor;
const canvasOf = (id: string): string | undefined => show().multiview?.pictures[id]?.canvas;
const codecOf = (id: string): string | undefined =>
  show().multiview?.encoders?.find((e) => e.canvas === canvasOf(id))?.codec;

/** The encoder's count of keyframes made on request for the picture `id` sees. */
async function forced(id: string): Promise<number> {
  const c = canvasOf(id);
  const s = c ? await compositor()?.stats() : undefined;
  return c ? (s?.canvases[c]?.forcedKeyframes ?? 0) : 0;
}

async function quietCount(id: string): Promise<number> {
  await sleep(QUIET_MS);
  return forced(id);
}

beforeAll(async () => {
  rooms.set('m0', await FeedbackRoom.start({ user: 'm0', fb: { pli: true, fir: true }, mode: 0 }));
  rooms.set('m1', await FeedbackRoom.start({ user: 'm1', fb: { pli: true, fir: true }, mode: 1 }));
  rooms.set('vp8', await FeedbackRoom.start({ user: 'vp8', fb: { pli: true, fir: true }, codec: 'VP8' }));
  bs = await BaresipRoom.start({ name: 'bs', toneHz: 440, video: 'H264', color: 'red' });
  const h264 = { audio: ['PCMU'], video: ['H264'] } as const;
  const vp8 = { audio: ['PCMU'], video: ['VP8'] } as const;
  bridge = await startBridge({
    endpoints: [
      ...(['m0', 'm1'] as const).map((id) => ({
        id,
        name: { zh: `${id}镇`, en: id },
        kind: 'town' as const,
        uri: room(id).uri,
        codecs: h264,
      })),
      ...(['vp8'] as const).map((id) => ({
        id,
        name: { zh: `${id}镇`, en: id },
        kind: 'town' as const,
        uri: room(id).uri,
        codecs: vp8,
      })),
      { id: 'bs', name: { zh: '红镇', en: 'Red' }, kind: 'town', uri: bs.uri, codecs: h264 },
    ],
  });
  const all = [...FEEDBACK, 'bs'];
  const r = await bridgeCli(bridge, [
    'conf',
    'start',
    '--title',
    '输出类别',
    '--endpoints',
    all.join(','),
    '--wait',
    '10',
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  confId = (JSON.parse(r.stdout) as ConferenceView).id;
  const connected = (id: string): boolean =>
    show().participants.some((p) => p.endpointId === id && p.state === 'connected');
  await until('every room connected', () => all.every(connected), 60_000, 200);
  await cli(['conf', 'layout', confId, '2x2']);
  // every pane pinned: nothing but the test's requests changes the pictures
  for (const [i, id] of ['bs', 'm0', 'm1', 'vp8'].entries()) await cli(['conf', 'pane', confId, String(i + 1), id]);
  await until(
    'a composed picture at every room',
    () => all.every((id) => canvasOf(id) !== undefined) && FEEDBACK.every((id) => room(id).idrs > 0),
    60_000,
    200,
  );
}, 180_000);

afterAll(async () => {
  await bridge?.close();
  await bs?.stop();
  for (const r of rooms.values()) await r.close();
}, 30_000);

describe('H.264 packetization-mode 0 and 1 are two output classes', () => {
  it('baresip and the mode-0 room share one encoder; the mode-1 room has its own', () => {
    expect(codecOf('bs')).toBe('H264/0');
    expect(codecOf('m0')).toBe('H264/0');
    expect(codecOf('m1')).toBe('H264/1');
    expect(canvasOf('bs')).toBe(canvasOf('m0'));
    expect(canvasOf('m1')).not.toBe(canvasOf('m0'));
    expect(codecOf('vp8')).toBe('VP8');
  });

  it('the mode-0 room gets single NAL units within the MTU only; the mode-1 room gets FU-A', async () => {
    const m0 = room('m0');
    const m1 = room('m1');
    // a few keyframes each (the GOP is 2 s): those are what must be cut into packets
    const k0 = m0.idrs;
    const k1 = m1.idrs;
    await until('two more keyframes at both', () => m0.idrs >= k0 + 2 && m1.idrs >= k1 + 2, 60_000, 100);
    expect(m0.h264.single, 'single NAL packets at m0').toBeGreaterThan(0);
    expect({ fuA: m0.h264.fuA, stapA: m0.h264.stapA, other: m0.h264.other }, 'packets of mode 1 at m0').toEqual({
      fuA: 0,
      stapA: 0,
      other: 0,
    });
    expect(m0.h264.maxPayload, 'largest payload at m0').toBeLessThanOrEqual(MTU);
    expect(m1.h264.fuA, 'FU-A packets at m1').toBeGreaterThan(0);
  }, 90_000);

  it('baresip decodes its mode-0 picture (the red pane is there)', async () => {
    await until(
      'baresip shows red in the top-left pane',
      async () => {
        const png = await bs.snapshot();
        const px = png && decodeRgb(png, 'crop=iw/2:ih/2:0:0,scale=1:1', 1);
        // its pane's label darkens the average a little: red, not exactly 255/0/0
        return Boolean(px && px[0]! > 120 && px[1]! < px[0]! / 2 && px[2]! < px[0]! / 2);
      },
      60_000,
      1000,
    );
    expect(bs.log).not.toMatch(/H264 decode error/);
  }, 90_000);
});

describe('VP8 keyframes', () => {
  it('a VP8 room’s PLI and FIR each make one keyframe of its VP8 picture, which the room receives', async () => {
    const vp8 = room('vp8');
    for (const [i, send] of [() => vp8.sendPli(), () => vp8.sendFir(), () => vp8.sendPli()].entries()) {
      const before = await quietCount('vp8');
      const keys = vp8.idrs;
      send();
      await until(
        `the VP8 encoder's keyframe for request #${i + 1}`,
        async () => (await forced('vp8')) > before,
        30_000,
        100,
      );
      await until(`a VP8 keyframe at the room after request #${i + 1}`, () => vp8.idrs > keys, 30_000, 50);
      expect((await quietCount('vp8')) - before, `keyframes made for request #${i + 1}`).toBe(1);
    }
  }, 120_000);
});
