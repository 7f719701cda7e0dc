// Recording (录制) from the built daemon (`node scripts/build.mjs` first) with two real baresip towns,
// each sending its own tone and colour. Through the CLI: record start (twice: the second says it
// already records), ● REC in conf show, a multi-picture layout half-way, stop; then the MP4 has H.264
// video and AAC audio with both tones (FFT), a duration that matches the index, and the floor files.
// A file deleted by hand is listed as missing; a folder that cannot be written is refused at start
// with the meeting unaffected; a SIGKILLed daemon leaves a file that plays up to the kill, and the
// resumed meeting records on in a new part.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, rawConnect, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { audioOf, colourAt, medianToneDb, probe, streamKinds, trackTimes } from '../helpers/mediaFile.js';
import { TWO_TOWNS, startTownsDaemon, type TownsDaemon } from '../helpers/townsDaemon.js';
import type { ConferenceView, RecordingView, RecordStartResult } from '../../protocol/index.js';
import { sleep, until } from '../helpers/wait.js';

const SITES = TWO_TOWNS;
let t: TownsDaemon;
let d: RunningDaemon;
let config: Record<string, unknown>;
let recDir: string;

const cli = (args: string[]) => t.cli(args);
const json = <T>(args: string[]): Promise<T> => t.json<T>(args);

/** daemon.reload through the API (the site config file was rewritten). */
async function reload(): Promise<void> {
  const c = await rawConnect(d.url, TOKENS.operator);
  try {
    const r = (await c.call('daemon.reload')) as { error?: { message: string } };
    expect(r.error?.message).toBeUndefined();
  } finally {
    c.close();
  }
}

const startMeeting = () => t.startMeeting(['--mode', 'voice', '--wait', '0']);

beforeAll(async () => {
  t = await startTownsDaemon(SITES);
  d = t.d;
  recDir = join(d.dir, 'recordings');
  const base = parse(readFileSync(d.configFile, 'utf8')) as Record<string, unknown>;
  config = { ...base, recording: { dir: recDir, reserveMb: 1 } };
  writeFileSync(d.configFile, stringify(config));
  await reload();
}, 90_000);

afterAll(async () => {
  await t?.stop();
}, 30_000);

describe('recording from the built daemon', () => {
  let confId: string;
  let rec: RecordingView;

  it('records picture and full mix: both tones, H.264 copied, duration as indexed, floor files beside', async () => {
    confId = await startMeeting();
    const first = await cli(['conf', 'record', 'start', confId]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(recDir);
    const again = await json<RecordStartResult>(['conf', 'record', 'start', confId]);
    expect(again.already).toBe(true);
    const againText = await cli(['conf', 'record', 'start', confId]);
    expect(againText.code).toBe(0);
    expect(againText.stdout).toMatch(/already recording/);
    const zh = await cli(['--lang', 'zh', 'conf', 'record', 'start', confId]);
    expect(zh.stdout).toMatch(/已在录制/);
    expect((await cli(['conf', 'show', confId])).stdout).toMatch(/● REC \d+s/);
    expect((await json<ConferenceView>(['conf', 'show', confId])).recording?.id).toBe(again.recording.id);

    // a while on the switched view, then a while on a 2x2 composite (the program follows the layout)
    await until('the file grows', () => (probe(again.recording.parts[0]!.file).duration ?? 0) > 0, 60_000, 500);
    await sleep(6000);
    expect((await cli(['conf', 'layout', confId, '2x2'])).code).toBe(0);
    await sleep(8000);
    const stop = await cli(['conf', 'record', 'stop', confId]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/stopped/);
    expect((await cli(['conf', 'record', 'stop', confId])).stdout).toMatch(/not recording/);
    expect((await json<ConferenceView>(['conf', 'show', confId])).state).toBe('active');

    const list = await json<RecordingView[]>(['recordings', 'list']);
    expect(list).toHaveLength(1);
    rec = list[0]!;
    for (const k of ['id', 'conferenceId', 'title', 'start', 'end', 'durationSeconds', 'path'] as const)
      expect(rec[k], k).toBeDefined();
    expect(rec).toMatchObject({ conferenceId: confId, title: '防汛会商', state: 'stopped', missing: false });
    expect(rec.parts).toHaveLength(1);
    const file = rec.parts[0]!.file;
    const p = probe(file);
    expect(p.ok, p.error).toBe(true);
    expect(streamKinds(p)).toBe('audio:aac,video:h264');
    // the index's duration is the wall time of the part; the file starts at its first keyframe. The audio
    // is clocked by the mixer (20 ms a frame), so its length is what the recording really lasted; the
    // video ends with it (recording-sync.test.ts checks that through switches and layouts at length).
    const { audio, video } = trackTimes(file);
    const why = JSON.stringify({ index: rec.durationSeconds, audio, video });
    expect(audio && video, why).toBeTruthy();
    // ffmpeg's own start (its first keyframe) is not in the file: 5.2 s seen at load ≈ 10, 11 s in recording-sync
    expect(audio!.end - audio!.start, why).toBeGreaterThan(rec.durationSeconds - 12);
    expect(audio!.end - audio!.start, why).toBeLessThan(rec.durationSeconds + 2);
    expect(video!.end - video!.start, why).toBeGreaterThan(rec.durationSeconds - 12);
    expect(Math.abs(video!.end - audio!.end), why).toBeLessThan(2);
    expect(rec.durationSeconds).toBeGreaterThan(12);
    const pcm = audioOf(file);
    const tail = pcm.subarray(Math.round(pcm.length / 3));
    for (const s of SITES) expect(medianToneDb(tail, 16000, s.tone), `${s.id}'s ${s.tone} Hz`).toBeGreaterThan(-35);
    // the first seconds (before the layout) show a town's own picture
    const colours = [1, 2, 3, 4, 5, 6].map((t) => colourAt(file, t));
    expect(
      colours.some((c) => c === 'red' || c === 'lime'),
      colours.join(','),
    ).toBe(true);
    expect(existsSync(join(rec.path, 'floor.json'))).toBe(true);
    expect(readFileSync(join(rec.path, 'part-1.vtt'), 'utf8')).toMatch(/^WEBVTT/);
    const shown = await cli(['recordings', 'show', rec.id]);
    expect(shown.stdout).toContain(file);
  }, 240_000);

  it('a file deleted by hand is listed as missing; delete removes the entry', async () => {
    rmSync(rec.parts[0]!.file);
    const list = await json<RecordingView[]>(['recordings', 'list']);
    expect(list[0]).toMatchObject({ id: rec.id, missing: true });
    expect((await cli(['recordings', 'list'])).stdout).toMatch(/missing/);
    expect((await cli(['recordings', 'delete', rec.id])).code).toBe(0);
    expect(await json<RecordingView[]>(['recordings', 'list'])).toEqual([]);
    const gone = await cli(['recordings', 'show', rec.id, '--json']);
    expect(gone.code).not.toBe(0);
    expect(gone.stdout + gone.stderr).toMatch(/RECORDING_UNKNOWN/);
  }, 60_000);

  it('a folder that cannot be written: a clear error at start, the meeting unaffected', async () => {
    const blocker = join(d.dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    writeFileSync(d.configFile, stringify({ ...config, recording: { dir: join(blocker, 'rec'), reserveMb: 1 } }));
    await reload();
    const r = await cli(['conf', 'record', 'start', confId, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/RECORDING_FAILED/);
    expect(r.stdout + r.stderr).toContain(join(blocker, 'rec'));
    const c = await json<ConferenceView>(['conf', 'show', confId]);
    expect(c.state).toBe('active');
    expect(c.recording).toBeNull();
    expect(c.participants.filter((p) => p.state === 'connected')).toHaveLength(SITES.length);
    writeFileSync(d.configFile, stringify(config));
    await reload();
  }, 60_000);

  it('SIGKILL of the daemon mid-recording: the file plays up to the kill; the resumed meeting records a new part', async () => {
    const started = await json<RecordStartResult>(['conf', 'record', 'start', confId]);
    const file = started.recording.parts[0]!.file;
    await until('a few seconds recorded', () => probe(file).duration > 5, 60_000, 500);
    await sleep(2000);
    await d.stop('SIGKILL');
    // ffmpeg is told by the kernel (parent death) and finishes the file
    await until('ffmpeg let go of the file', () => probe(file).ok && probe(file).duration > 5, 30_000, 500);
    const p = probe(file);
    expect(streamKinds(p)).toBe('audio:aac,video:h264');
    expect(p.duration).toBeGreaterThan(5);

    d = t.d = await startDaemon({ dir: d.dir });
    await until(
      'the recording resumed in part 2',
      async () => {
        const r = await cli(['recordings', 'show', started.recording.id, '--json']);
        if (r.code !== 0) return false;
        const v = JSON.parse(r.stdout) as RecordingView;
        return v.state === 'recording' && v.parts.length === 2 && probe(v.parts[1]!.file).duration > 2;
      },
      90_000,
      1000,
    );
    const v = await json<RecordingView>(['recordings', 'show', started.recording.id]);
    expect(v.parts[0]!.end).not.toBeNull();
    // the killed part ends where its file ends (its last fragment)
    expect(v.parts[0]!.durationSeconds, JSON.stringify(v.parts)).toBeGreaterThan(3);
    expect(v.parts[1]!.file).toMatch(/part-2\.mp4$/);
    const stop = await json<RecordingView>(['conf', 'record', 'stop', confId]);
    expect(stop.state).toBe('stopped');
    expect(streamKinds(probe(v.parts[1]!.file))).toBe('audio:aac,video:h264');
  }, 240_000);
});
