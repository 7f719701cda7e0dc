// The program feed with real media: ffmpeg sends a red H.264 picture and a 440 Hz Opus tone into the
// router; the feed (view target + full mix) is tapped twice; the FfmpegRecorder writes a fragmented
// MP4 from one tap, the other tap is read by a second ffmpeg at the same time (recorder + live
// packager). Checked with ffprobe/ffmpeg: H.264 video and AAC audio, the tone in the audio.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types as ms } from 'mediasoup';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { VideoView } from '../../daemon/media/VideoView.js';
import { AudioMixer } from '../../daemon/media/AudioMixer.js';
import { ProgramFeed, PROGRAM_TARGET } from '../../daemon/media/program/ProgramFeed.js';
import { FfmpegRecorder, checkFfmpeg } from '../../daemon/media/program/FfmpegRecorder.js';
import { producerParams, routerVideoCodec } from '../../daemon/media/mediaCodecs.js';
import { audioOf, medianToneDb, probe, streamKinds } from '../helpers/mediaFile.js';
import { sleep, until } from '../helpers/wait.js';

const log = silentLogger();
let pool: WorkerPool;
let router: ms.Router;
let dir: string;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  checkFfmpeg();
  pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  router = await pool.routerFor('program-feed');
  dir = mkdtempSync(join(tmpdir(), 'vcb-feed-'));
});
afterAll(() => {
  for (const f of cleanup.reverse()) f();
  pool.close();
  rmSync(dir, { recursive: true, force: true });
});

/** ffmpeg sending one stream by RTP into a new producer of the router. */
async function ffmpegProducer(kind: 'audio' | 'video'): Promise<ms.Producer> {
  const t = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: false,
    comedia: true,
  });
  const codec =
    kind === 'video'
      ? routerVideoCodec(router.rtpCapabilities, 'H264/1')
      : router.rtpCapabilities.codecs!.find((c) => c.mimeType === 'audio/opus')!;
  const ssrc = kind === 'video' ? 11111 : 22222;
  const producer = await t.produce({ kind, rtpParameters: producerParams(codec, ssrc) });
  const pt = String(codec.preferredPayloadType);
  const input =
    kind === 'video'
      ? ['-f', 'lavfi', '-i', 'color=c=red:size=320x240:rate=15']
      : ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
  const enc =
    kind === 'video'
      ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-g', '15']
      : ['-c:a', 'libopus', '-ac', '2', '-b:a', '64k'];
  const url = `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`;
  const ff: ChildProcess = spawn(
    'ffmpeg',
    ['-v', 'error', '-re', ...input, '-t', '60', ...enc, '-f', 'rtp', '-payload_type', pt, '-ssrc', String(ssrc), url],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  cleanup.push(() => {
    ff.kill('SIGKILL');
    t.close();
  });
  return producer;
}

describe('program feed', () => {
  it('two taps at once: the recorder writes H.264 + AAC with the full mix; the other reader gets the same', async () => {
    const view = await VideoView.create({ router, log });
    const mixer = new AudioMixer({ log, router });
    const feed = new ProgramFeed({ router, view, mixer, log });
    cleanup.push(() => {
      feed.close();
      mixer.close();
      view.close();
    });
    const video = await ffmpegProducer('video');
    const audio = await ffmpegProducer('audio');
    await view.addSource('red', video);
    await mixer.addProducer('tone', audio);

    const wanted: boolean[] = [];
    feed.on('wanted', (w) => wanted.push(w));
    // the recorder reads the program mux (whose encoder taps the feed); another reader taps it directly
    const readerA = await feed.mux.reader();
    const tapB = await feed.tap();
    expect(feed.taps).toBe(2);
    expect(feed.mux.readers).toBe(1);
    expect(wanted).toEqual([true]);
    expect(tapB.sdp).toMatch(/m=video \d+ RTP\/AVP \d+/);
    expect(tapB.sdp).toMatch(/a=rtpmap:\d+ opus\/48000\/2/);
    // the conference would do this on 'wanted': show the floor's source in the program
    expect(await view.select(PROGRAM_TARGET, 'red')).toBe(true);

    const fileA = join(dir, 'a.mp4');
    const rec = new FfmpegRecorder({ reader: readerA, file: fileA, log });
    const fileB = join(dir, 'b.mkv');
    const other = spawn(
      'ffmpeg',
      ['-v', 'error', '-protocol_whitelist', 'pipe,udp,rtp', '-f', 'sdp', '-i', 'pipe:0', '-c', 'copy', '-y', fileB],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    other.stdin.end(tapB.sdp);
    cleanup.push(() => other.kill('SIGKILL'));
    const failures: string[] = [];
    rec.on('failed', (e) => failures.push(e.error));

    await until('the recorder wrote its header', () => rec.bytes > 0, 30_000);
    const size0 = rec.bytes;
    await until('the file grows fragment by fragment', () => rec.bytes > size0 + 20_000, 30_000);
    await sleep(3000);
    tapB.requestKeyFrame();
    await rec.stop();
    other.kill('SIGINT');
    await new Promise((r) => other.once('exit', r));
    expect(failures).toEqual([]);
    // the recorder was the mux's only reader: its encoder stopped and released its tap
    expect(feed.mux.readers).toBe(0);
    expect(feed.taps).toBe(1);

    expect(streamKinds(probe(fileA))).toBe('audio:aac,video:h264');
    const pcm = audioOf(fileA);
    expect(pcm.length).toBeGreaterThan(16000 * 3);
    expect(medianToneDb(pcm.subarray(16000), 16000, 440)).toBeGreaterThan(-30);
    expect(medianToneDb(pcm.subarray(16000), 16000, 1000)).toBeLessThan(-50);
    expect(streamKinds(probe(fileB))).toBe('audio:opus,video:h264');

    // the last tap closed: the feed stops (no Opus encode, no view target for nobody)
    tapB.close();
    expect(feed.taps).toBe(0);
    expect(wanted).toEqual([true, false]);
    expect(view.viewOf(PROGRAM_TARGET)).toBeUndefined();
  }, 120_000);
});
