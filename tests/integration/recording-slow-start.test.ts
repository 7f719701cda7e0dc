// `conf record start` on a daemon whose media is slow to answer (issue #16: the CLI's fixed 10 s wait
// ran out at load 20). The built daemon (`node scripts/build.mjs` first) with two real baresip towns;
// its mediasoup worker is frozen (SIGSTOP) for longer than the CLI's ordinary 10 s wait while
// `conf record start` runs: meanwhile `conf show` says the recording is starting (○ REC); once the
// worker thaws the same command finishes, exit 0, and the recording runs (● REC, a file that plays).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView, RecordStartResult } from '../../protocol/index.js';
import { probe } from '../helpers/mediaFile.js';
import { TWO_TOWNS, startTownsDaemon, type TownsDaemon } from '../helpers/townsDaemon.js';
import { sleep, until } from '../helpers/wait.js';
import { childPids } from '../faults/helpers.js';

let t: TownsDaemon;
let frozen: number | undefined;

beforeAll(async () => {
  t = await startTownsDaemon(TWO_TOWNS, { recording: { reserveMb: 1 } });
}, 120_000);

afterAll(async () => {
  if (frozen) process.kill(frozen, 'SIGCONT');
  await t?.stop();
}, 30_000);

describe('conf record start on a slow daemon', () => {
  it('waits past 10 s for the recorder to start; conf show says starting meanwhile', async () => {
    const id = await t.startMeeting(['--wait', '0']);
    const [worker] = childPids(t.d.proc.pid!, 'mediasoup-worker');
    expect(worker).toBeDefined();
    process.kill(worker!, 'SIGSTOP');
    frozen = worker;
    const started = t.cli(['--json', 'conf', 'record', 'start', id]);
    let shown: ConferenceView | undefined;
    await until(
      'conf show says the recording is starting',
      async () => {
        shown = await t.json<ConferenceView>(['conf', 'show', id]);
        return shown.recording?.starting === true;
      },
      60_000,
      500,
    );
    const plain = await t.cli(['conf', 'show', id]);
    expect(plain.stdout).toContain('○ REC starting');
    // longer than the CLI's ordinary wait: the command must still be waiting, not failed
    await sleep(12_000);
    process.kill(worker!, 'SIGCONT');
    frozen = undefined;
    const r = await started;
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as RecordStartResult;
    expect(result.already).toBe(false);
    expect(result.recording.state).toBe('recording');
    const after = await t.json<ConferenceView>(['conf', 'show', id]);
    expect(after.recording?.id).toBe(result.recording.id);
    expect(after.recording?.starting).toBeFalsy();
    expect((await t.cli(['conf', 'show', id])).stdout).toMatch(/● REC \d/);
    const file = result.recording.parts[0]!.file;
    await until('the file has a picture and sound', () => probe(file).streams.length === 2, 60_000, 1000);
    expect((await t.cli(['conf', 'record', 'stop', id])).code).toBe(0);
  }, 240_000);
});
