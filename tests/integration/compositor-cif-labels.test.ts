// Site names legible on a CIF room display (issue #13): a real compositor canvas at 352×288 in `4x4`
// (panes of 88×72) with a town's Chinese name in each pane, sent as H.264 RTP, decoded by ffmpeg as a
// room would, and measured in the decoded picture: every pane carries its label, and the label's
// strokes span at least 11 pixel rows (the controller draws 18 px or more since the OCR test; 14 px measured 12–13 rows;
// a 10 px font measured 7 and fails), inside its own pane.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GstProcess } from '../../daemon/media/compositor/GstProcess.js';
import { cjkFontFamily } from '../../daemon/media/compositor/cjkFont.js';
import { paneRects } from '../../daemon/media/compositor/layouts.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { Picture } from '../helpers/picture.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/wait.js';

const W = 352;
const H = 288;
const NAMES = ['米河镇', '小关镇', '竹林镇', '新中镇', '大峪沟镇', '河洛镇', '站街镇', '康店镇'];
const MIN_ROWS = 11;

let dir: string;
let proc: GstProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-cif-'));
  proc = await GstProcess.start({ log: silentLogger() });
}, 60_000);

afterAll(() => {
  proc?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One decoded picture of the canvas sent to `port` (ffmpeg waits for a keyframe; we keep asking). */
async function decodeOne(port: number): Promise<string> {
  const sdp = join(dir, 'cif.sdp');
  const png = join(dir, 'cif.png');
  writeFileSync(
    sdp,
    [
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=cif',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=video ${port} RTP/AVP 96`,
      'a=rtpmap:96 H264/90000',
      'a=fmtp:96 packetization-mode=1',
      '',
    ].join('\n'),
  );
  const ff = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-protocol_whitelist',
      'file,udp,rtp',
      '-i',
      sdp,
      '-frames:v',
      '1',
      '-y',
      png,
    ],
    { stdio: 'ignore' },
  );
  const done = new Promise<void>((r) => ff.once('exit', () => r()));
  const asking = setInterval(() => {
    proc.request('keyframe', { canvas: 'cif' }).catch(() => undefined);
  }, 500);
  try {
    await until(
      'ffmpeg decoded a CIF picture',
      () => existsSync(png) && statSync(png).size > 0 && ff.exitCode !== null,
      60_000,
      200,
    );
  } finally {
    clearInterval(asking);
    ff.kill('SIGKILL');
    await done;
  }
  return png;
}

describe('labels on a CIF output', () => {
  it('a 4x4 picture at 352×288 carries every pane name at least 11 pixel rows tall, in its pane', async () => {
    const port = await freePort();
    await proc.request('add_canvas', {
      canvas: 'cif',
      codec: 'H264/1',
      width: W,
      height: H,
      fps: 25,
      kbps: 384,
      pt: 96,
      ssrc: 2468,
      port,
      font: cjkFontFamily(),
    });
    const rects = paneRects('4x4', W, H);
    await proc.request('scene', {
      canvas: 'cif',
      panes: rects.map((r, i) => ({ ...r, source: null, label: NAMES[i % NAMES.length] })),
      banner: null,
      keyframe: true,
    });
    const pic = Picture.load(await decodeOne(port), W, H);
    expect(pic, 'the decoded picture reads').toBeDefined();
    for (const [i, r] of rects.entries()) {
      // rows of the pane with label strokes (near-white pixels) in them
      const rows: number[] = [];
      for (let y = r.y; y < r.y + r.h; y++) {
        let lit = false;
        for (let x = r.x; x < r.x + r.w && !lit; x++) {
          const c = pic!.at(x, y);
          lit = c.r > 190 && c.g > 190 && c.b > 190;
        }
        if (lit) rows.push(y);
      }
      const span = rows.length ? rows[rows.length - 1]! - rows[0]! + 1 : 0;
      expect(span, `pane ${i} (${NAMES[i % NAMES.length]}): label strokes over ${span} rows`).toBeGreaterThanOrEqual(
        MIN_ROWS,
      );
      // the label stays in its pane: the strokes neither touch the pane's top nor its bottom row
      expect(rows[0]!, `pane ${i}'s label inside its pane`).toBeGreaterThan(r.y);
      expect(rows[rows.length - 1]!, `pane ${i}'s label inside its pane`).toBeLessThan(r.y + r.h - 1);
    }
  }, 120_000);
});
