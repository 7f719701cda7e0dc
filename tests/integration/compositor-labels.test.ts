// The compositor's controller (real GStreamer, real Pango) under a storm of label changes: three
// 720p canvases whose nine labels change text and size on every scene, as when sources come and go
// on a busy machine. Before label changes were moved onto each canvas's streaming thread, textoverlay's
// Pango layout was changed while being drawn and the process died (SIGSEGV) within a few scenes.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GstProcess } from '../../daemon/media/compositor/GstProcess.js';
import { cjkFontFamily } from '../../daemon/media/compositor/cjkFont.js';
import { createLogger } from '../../daemon/util/logger.js';

const SCENES = 300;
let proc: GstProcess;
let sink: dgram.Socket;
let packets = 0;

beforeAll(async () => {
  sink = dgram.createSocket('udp4');
  sink.on('message', () => packets++);
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  proc = await GstProcess.start({ log: createLogger({ level: 'silent' }) });
}, 60_000);

afterAll(() => {
  proc?.close();
  sink?.close();
});

describe('compositor labels', () => {
  it(`survives ${SCENES} scenes of 3 canvases whose labels change text, size and place`, async () => {
    const font = cjkFontFamily();
    for (const canvas of ['a', 'b', 'c'])
      await proc.request('add_canvas', {
        canvas,
        codec: 'H264/1',
        width: 1280,
        height: 720,
        fps: 25,
        kbps: 800,
        pt: 96,
        ssrc: 1234,
        port: sink.address().port,
        font,
      });
    let died = false;
    proc.once('exit', () => (died = true));
    let done = 0;
    for (let i = 0; i < SCENES && !died; i++) {
      for (const canvas of ['a', 'b', 'c']) {
        const panes = Array.from({ length: 9 }, (_, k) => ({
          x: (k % 3) * 426,
          y: Math.floor(k / 3) * 240,
          w: 426,
          h: 120 + ((i * 7 + k) % 120),
          source: null,
          label: `镇${k}-${i}`,
        }));
        await proc.request('scene', { canvas, panes, banner: i % 2 ? `横幅 ${i}` : null, keyframe: false });
      }
      done++;
    }
    expect(died).toBe(false);
    expect(done).toBe(SCENES);
    expect(proc.alive).toBe(true);
    // and it still encodes: packets keep coming to the output socket
    const before = packets;
    const end = Date.now() + 20_000;
    while (packets < before + 20 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(packets).toBeGreaterThanOrEqual(before + 20);
  }, 180_000);
});
