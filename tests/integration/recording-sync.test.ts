// The recorded picture keeps time with the sound and the wall clock through what changes the program
// picture under a recording: two real baresip towns in voice mode (the picture follows the speaker),
// a floor switch (the speaker muted: the other town takes over, switched on its keyframe), a
// multi-picture layout (the picture becomes the compositor's canvas) and back to no layout. The
// video track of the MP4 must last what the audio track lasts and what the recording lasted by the
// test's own clock (a program view that mis-rebased timestamps at a switch made the video's track
// run ~25 % long: issue #16). Built daemon: `node scripts/build.mjs` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView, RecordingView, RecordStartResult } from '../../protocol/index.js';
import { probe, trackTimes } from '../helpers/mediaFile.js';
import { TWO_TOWNS, startTownsDaemon, type TownsDaemon } from '../helpers/townsDaemon.js';
import { sleep, until } from '../helpers/wait.js';

const TOWNS = TWO_TOWNS;
let t: TownsDaemon;

beforeAll(async () => {
  t = await startTownsDaemon(TOWNS, { recording: { reserveMb: 1 } });
}, 120_000);

afterAll(async () => {
  await t?.stop();
}, 30_000);

const floorOf = (c: ConferenceView): string | undefined =>
  c.floor ?? c.participants.find((p) => p.hasFloor)?.endpointId;

describe('the recorded picture keeps time', () => {
  it('through a voice-activated floor switch and layout changes: video lasts as long as audio and the wall clock', async () => {
    const id = await t.startMeeting(['--mode', 'voice', '--wait', '0']);
    const asked = Date.now();
    const started = await t.json<RecordStartResult>(['conf', 'record', 'start', id]);
    // the answer comes once the recorder runs: a busy machine's slow start (11 s at load 17) is before it
    const began = Date.now();
    const file = started.recording.parts[0]!.file;
    await until('the file has a picture', () => (probe(file).duration ?? 0) > 0, 60_000, 500);
    await sleep(5000);

    // voice mode: mute whoever is shown, the other town becomes the speaker and takes the picture
    const first = floorOf(await t.json<ConferenceView>(['conf', 'show', id]));
    expect(first).toBeDefined();
    expect((await t.cli(['conf', 'mute', id, first!])).code).toBe(0);
    await until(
      'the other town holds the floor',
      async () => {
        const f = floorOf(await t.json<ConferenceView>(['conf', 'show', id]));
        return f !== undefined && f !== first;
      },
      60_000,
      500,
    );
    await sleep(5000);
    expect((await t.cli(['conf', 'layout', id, '2x2'])).code).toBe(0);
    await sleep(8000);
    expect((await t.cli(['conf', 'layout', id, 'off'])).code).toBe(0);
    await sleep(5000);
    const stopped = await t.json<RecordingView>(['conf', 'record', 'stop', id]);
    const wall = (Date.now() - began) / 1000;
    const wallAsked = (Date.now() - asked) / 1000;
    expect(stopped.state).toBe('stopped');

    const { audio, video } = trackTimes(file);
    const figures = JSON.stringify({ wall, wallAsked, index: stopped.durationSeconds, audio, video });
    console.log(`recording-sync: ${figures}`);
    expect(audio && video, figures).toBeTruthy();
    const audioLen = audio!.end - audio!.start;
    const videoLen = video!.end - video!.start;
    // the recorder starts after the command was sent and runs once it is answered; it stops before the
    // stop's answer: the sound lasts the recording (less the first packets' way through ffmpeg)
    expect(audioLen, figures).toBeLessThan(wallAsked + 1);
    expect(audioLen, figures).toBeGreaterThan(wall - 8);
    // the picture starts at its first keyframe (a little after the sound) and ends with it
    expect(videoLen, figures).toBeLessThan(audioLen + 1.5);
    expect(videoLen, figures).toBeGreaterThan(audioLen - 6);
    expect(Math.abs(video!.end - audio!.end), figures).toBeLessThan(2);
  }, 300_000);
});
