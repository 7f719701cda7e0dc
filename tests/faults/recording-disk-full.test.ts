// The recording folder's disk fills up under a recording meeting (a 2 MiB tmpfs as recording.dir,
// reserve 1 MB): the disk guard stops the recording before the disk is full — state failed, the
// reason names the reserve — raises the alarm (metric, recording.alarm notification, alarm command)
// and the meeting goes on with both towns. Needs root for mount(8); skipped, saying so, without it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { rawConnect, startDaemon, testConfig, TOKENS, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { call, participantStates } from './helpers.js';
import { probe } from '../helpers/mediaFile.js';
import { until } from '../helpers/wait.js';

let dir: string;
let recDir: string;
let mountError: string | undefined;
let d: RunningDaemon | undefined;
const rooms: BaresipRoom[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-recfull-'));
  recDir = join(dir, 'rec');
  mkdirSync(recDir);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', recDir], { encoding: 'utf8' });
  if (m.status !== 0) {
    mountError = `mounting a tmpfs needs root: ${(m.stderr || m.error?.message || '').trim()}`;
    return;
  }
  // Other files take 640 KiB of the disk already: two solid-colour towns record only ≈ 20 KB/s
  // (mostly the AAC mix), so the guard trips in tens of seconds rather than a minute or more.
  writeFileSync(join(recDir, 'other-files.bin'), Buffer.alloc(640 * 1024, 1));
  for (const [name, color, tone] of [
    ['mihe', 'red', 440],
    ['xiaoguan', 'lime', 1000],
  ] as const)
    rooms.push(await BaresipRoom.start({ name, toneHz: tone, video: 'H264', color, audioCodecs: ['PCMA'] }));
  // the alarm command writes what it was told into a file
  const alarmFile = join(dir, 'alarm.txt');
  d = await startDaemon({
    dir,
    config: testConfig(await freePort(), await freePort(), {
      health: { alarm: { command: `sh -c 'env | grep ^VCBRIDGE_ > ${alarmFile}'`, minIntervalSeconds: 0 } },
      recording: { dir: recDir, reserveMb: 1 },
      endpoints: rooms.map((r, i) => ({
        id: ['mihe', 'xiaoguan'][i],
        name: { zh: 'x', en: 'x' },
        kind: 'town',
        uri: r.uri,
        groups: ['towns'],
        codecs: { audio: ['PCMA'], video: ['H264'] },
      })),
    }),
  });
}, 90_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
  await Promise.all(rooms.map((r) => r.stop()));
  if (!mountError) spawnSync('umount', ['-l', recDir]);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('the recording disk fills up', () => {
  it('the disk guard stops the recording with the alarm; the meeting goes on', async (ctx) => {
    if (mountError || !d) return ctx.skip(mountError);
    const events = await rawConnect(d.url, TOKENS.operator);
    await events.call('subscribe', { topics: ['recording.alarm'] });
    const conf = await call(d, 'conference.start', { title: '磁盘', group: 'towns', mode: 'voice' });
    const id = conf.result.id as string;
    await until(
      'both towns connected',
      async () => Object.values(await participantStates(d!, id)).filter((s) => s === 'connected').length === 2,
      60_000,
      500,
    );
    const started = await call(d, 'conference.record.start', { id });
    expect(started.error?.message).toBeUndefined();
    const recId = started.result.recording.id as string;
    await until(
      'the guard stopped the recording',
      async () => (await call(d!, 'recording.show', { id: recId })).result?.state !== 'recording',
      180_000,
      500,
    );
    const rec = (await call(d, 'recording.show', { id: recId })).result;
    expect(rec.state).toBe('failed');
    expect(rec.stopReason).toMatch(/reserveMb/);
    // stopped before the disk was full: what was written plays
    expect(probe(rec.parts[0].file).ok).toBe(true);
    // the alarm: notification, metric, alarm command
    await until('the recording.alarm notification', () => events.notifications.length > 0, 10_000);
    expect(JSON.stringify(events.notifications[0])).toContain(recId);
    const metrics = await (await fetch(`http://127.0.0.1:${d.apiPort}/metrics`)).text();
    expect(metrics).toMatch(/^vcbridge_recording_alarms_total 1$/m);
    const alarmFile = join(dir, 'alarm.txt');
    await until('the alarm command ran', () => existsSync(alarmFile), 10_000);
    expect(readFileSync(alarmFile, 'utf8')).toMatch(/VCBRIDGE_EVENT=recording.stopped/);
    // the meeting goes on, unrecorded
    const after = (await call(d, 'conference.show', { id })).result;
    expect(after.state).toBe('active');
    expect(after.recording).toBeNull();
    expect(Object.values(await participantStates(d, id))).toEqual(['connected', 'connected']);
    events.close();
  }, 300_000);
});
