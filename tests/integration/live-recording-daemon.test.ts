// Recording and live streaming together, from the built daemon (`node scripts/build.mjs` first) with
// two real baresip towns on a 2x2 multi-picture layout:
//   - HLS of the composed picture: the playlist is served, its segments play (ffprobe) and show both
//     towns' colours in their panes; nothing without the token;
//   - an RTMP server that refuses the push: retried with backoff, the alarm webhook hears it, and the
//     recording and HLS go on; once a server listens there the push reconnects;
//   - the mediasoup worker SIGKILLed mid-recording: the recording goes on in a new part (the first
//     plays up to the death), HLS comes back on a fresh tap;
//   - a meeting booked with `schedule add --record`, and one started from a template with
//     `record: true`, record from their start by themselves.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ConferenceStreamStartResult,
  ConferenceView,
  RecordingView,
  RecordStartResult,
} from '../../protocol/index.js';
import { startAlarmHook, type AlarmHook } from '../helpers/alarmHook.js';
import { get } from '../helpers/httpGet.js';
import { TOKENS, rawConnect } from '../helpers/daemon.js';
import { probeMedia, rtmpServer } from '../helpers/liveFeed.js';
import { probe, streamKinds, trackTimes } from '../helpers/mediaFile.js';
import { Picture, colourName } from '../helpers/picture.js';
import { freePort } from '../helpers/ports.js';
import { TWO_TOWNS, startTownsDaemon, type TownsDaemon } from '../helpers/townsDaemon.js';
import { sleep, until } from '../helpers/wait.js';
import { childPids } from '../faults/helpers.js';

const TOWNS = TWO_TOWNS;
let t: TownsDaemon;
let hook: AlarmHook;
let confId: string;
let rec: RecordStartResult;
let hls: ConferenceStreamStartResult;
const work = mkdtempSync(join(tmpdir(), 'vcb-livrec-'));

/**
 * A control-API call without the CLI's 10 s limit: starting a recording or a stream taps the program
 * feed (a few mediasoup round trips), which took longer than that at load 20.
 */
async function rpc<T>(method: string, params: Record<string, unknown>): Promise<T> {
  const c = await rawConnect(t.d.url, TOKENS.operator);
  try {
    const r = (await c.call(method, params)) as { result?: T; error?: { message: string } };
    if (r.error) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  } finally {
    c.close();
  }
}

const show = (id = confId) => t.json<ConferenceView>(['conf', 'show', id]);
const recording = (id: string) => t.json<RecordingView>(['recordings', 'show', id]);

/** The segments listed in the live playlist now (none when it is not served). */
async function segments(): Promise<string[]> {
  const res = await get(hls.url!);
  return res.status === 200 ? ((await res.text()).match(/^seg\d+\.ts/gm) ?? []) : [];
}

/** The colours in the middle of the 2x2 canvas's top panes, in a frame of the live stream. */
function topPanes(): string[] {
  const png = join(work, `frame-${Date.now()}.png`);
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', hls.url!, '-frames:v', '1', '-y', png], { timeout: 60_000 });
  if (r.status !== 0) return [];
  const pic = Picture.load(png);
  return pic ? [0.2, 0.7].map((x) => colourName(pic.mean(x, 0.2, 0.1, 0.1)) ?? '?') : [];
}

beforeAll(async () => {
  hook = await startAlarmHook();
  t = await startTownsDaemon(TOWNS, {
    health: { alarm: { webhook: hook.url, minIntervalSeconds: 0 } },
    recording: { reserveMb: 1 },
    templates: [{ id: 'weekly', name: { zh: '周例会', en: 'Weekly' }, groups: ['towns'], record: true }],
  });
  confId = await t.startMeeting(['--wait', '0']);
  expect((await t.cli(['conf', 'layout', confId, '2x2'])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  if (process.env.VCB_KEEP_LOG) writeFileSync(process.env.VCB_KEEP_LOG, t?.d.output() ?? '');
  hook?.close();
  await t?.stop();
  rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('recording and live streaming together', () => {
  it('HLS of the 2x2 picture: playlist served, segments play and show both towns, nothing without the token', async () => {
    rec = await rpc<RecordStartResult>('conference.record.start', { id: confId });
    hls = await rpc<ConferenceStreamStartResult>('conference.stream.start', { id: confId, hls: true });
    await until('three segments listed', async () => (await segments()).length >= 3, 120_000, 1000);
    const p = await probeMedia(hls.url!);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.videoPackets).toBeGreaterThan(10);
    let panes: string[] = [];
    await until(
      'both towns in the top panes',
      () => {
        panes = topPanes();
        return [...panes].sort().join() === 'lime,red';
      },
      90_000,
      2000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; top panes seen: ${panes.join(',')}`);
    });
    const url = new URL(hls.url!);
    const seg = (await segments())[0]!;
    expect((await get(`${url.origin}${url.pathname}`)).status).toBe(403);
    expect((await get(`${url.origin}${url.pathname.replace('index.m3u8', seg)}`)).status).toBe(403);
    expect((await get(`${url.origin}${url.pathname.replace('index.m3u8', seg)}${url.search}`)).status).toBe(200);
  }, 300_000);

  it('an RTMP server that refuses: retried with backoff and the alarm; recording and HLS go on; it reconnects', async () => {
    const port = await freePort(); // nothing listens there: the connection is refused
    const r = await rpc<ConferenceStreamStartResult>('conference.stream.start', {
      id: confId,
      rtmp: `rtmp://127.0.0.1:${port}/live/key`,
    });
    expect(r.live.hls?.state).toBe('running');
    await until(
      'the live.rtmp alarm',
      () => hook.alarms.some((a) => a.event === 'live.rtmp' && a.state === 'retrying'),
      90_000,
      500,
    );
    expect((await show()).live?.rtmp[0]?.state).toMatch(/retrying|starting/);
    // meanwhile the other outputs go on
    const file = rec.recording.parts[0]!.file;
    const before = { seconds: probe(file).duration, segs: (await segments()).at(-1) };
    await until(
      'the recording and the playlist moved on',
      async () => probe(file).duration > before.seconds + 4 && (await segments()).at(-1) !== before.segs,
      60_000,
      1000,
    );
    expect((await show()).recording?.id).toBe(rec.recording.id);
    expect((await recording(rec.recording.id)).state).toBe('recording');
    // a server appears: the push reconnects by itself
    const out = join(work, 'rtmp.flv');
    const server: ChildProcess = rtmpServer(port, '/live/key', out);
    try {
      await until('the push runs again', async () => (await show()).live?.rtmp[0]?.state === 'running', 120_000, 1000);
      await until('the server got video', () => existsSync(out) && statSync(out).size > 50_000, 60_000, 500);
    } finally {
      server.kill('SIGKILL');
    }
    // killed: no flv trailer, but what it received plays
    const got = await probeMedia(out);
    expect(got.codecs).toEqual(['aac', 'h264']);
    expect(got.videoPackets).toBeGreaterThan(10);
    await rpc('conference.stream.stop', { id: confId });
  }, 300_000);

  it('the media worker dies mid-recording: the recording goes on in a new part, HLS comes back', async () => {
    hls = await rpc<ConferenceStreamStartResult>('conference.stream.start', { id: confId, hls: true });
    await until('HLS segments', async () => (await segments()).length >= 2, 120_000, 1000);
    const part1 = rec.recording.parts[0]!.file;
    const routerLine = new RegExp(`"conferenceId":"${confId}","worker":\\d+,"pid":(\\d+),"msg":"router created"`);
    const workerPid = Number(routerLine.exec(t.d.output())?.[1]);
    expect(childPids(t.d.proc.pid!, 'mediasoup-worker')).toContain(workerPid);
    const segsAtDeath = await segments();
    process.kill(workerPid, 'SIGKILL');

    let v: RecordingView | undefined;
    await until(
      'part 2 records',
      async () => {
        v = await recording(rec.recording.id);
        return v.state === 'recording' && v.parts.length === 2 && probe(v.parts[1]!.file).duration > 4;
      },
      120_000,
      1000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; ${JSON.stringify(v)}`);
    });
    expect(v!.parts[0]!.end).not.toBeNull();
    const p1 = probe(part1);
    expect(streamKinds(p1)).toBe('audio:aac,video:h264');
    expect(p1.duration).toBeGreaterThan(10);
    await until(
      'HLS lists segments made after the death',
      async () => (await segments()).filter((s) => !segsAtDeath.includes(s)).length >= 2,
      120_000,
      1000,
    );
    expect((await show()).participants.filter((p) => p.state === 'connected')).toHaveLength(TOWNS.length);
    await sleep(3000);
    const stopped = (await rpc<RecordingView | null>('conference.record.stop', { id: confId }))!;
    expect(stopped.parts).toHaveLength(2);
    const { audio, video } = trackTimes(stopped.parts[1]!.file);
    const why = JSON.stringify({ audio, video });
    expect(audio && video, why).toBeTruthy();
    expect(Math.abs(video!.end - audio!.end), why).toBeLessThan(2);
    await rpc('conference.stream.stop', { id: confId });
    expect((await t.cli(['conf', 'end', confId])).code).toBe(0);
  }, 300_000);

  it('`schedule add --record` and a template with record: true record from the meeting start by themselves', async () => {
    await t.cli(['conf', 'end', confId]); // the towns are free for the booked meeting (done already if all went well)
    // far enough ahead that a busy machine's CLI start (5-7 s at load 10) does not book it in the past
    const start = new Date(Math.ceil((Date.now() + 20_000) / 1000) * 1000).toISOString();
    const booked = await t.cli([
      'schedule',
      'add',
      '--title',
      '周例会',
      '--group',
      'towns',
      '--start',
      start,
      '--duration',
      '30m',
      '--record',
      '--force',
    ]);
    expect(booked.code, booked.stderr).toBe(0);
    let scheduled: RecordingView | undefined;
    await until(
      'the booked meeting records',
      async () => {
        scheduled = (await t.json<RecordingView[]>(['recordings', 'list'])).find(
          (x) => x.conferenceId !== confId && x.state === 'recording',
        );
        // the row exists (state recording) a moment before its first part does
        const part = scheduled?.parts[0];
        return Boolean(part && probe(part.file).duration > 2);
      },
      120_000,
      1000,
    );
    const meeting = await show(scheduled!.conferenceId);
    expect(meeting.scheduleId).toBeDefined();
    expect(meeting.recording?.id).toBe(scheduled!.id);
    expect((await t.cli(['conf', 'end', meeting.id])).code).toBe(0);
    await until(
      'its recording ended with the meeting',
      async () => (await recording(scheduled!.id)).state === 'stopped',
      60_000,
      500,
    );

    const fromTemplate = await t.json<ConferenceView>(['conf', 'start', '--template', 'weekly', '--wait', '0']);
    await until(
      'the template meeting records',
      async () => Boolean((await show(fromTemplate.id)).recording),
      60_000,
      500,
    );
    const recId = (await show(fromTemplate.id)).recording!.id;
    await until(
      'its file has media',
      async () => {
        const part = (await recording(recId)).parts[0];
        return Boolean(part && probe(part.file).duration > 1);
      },
      60_000,
      1000,
    );
    expect((await t.cli(['conf', 'end', fromTemplate.id])).code).toBe(0);
  }, 300_000);
});
