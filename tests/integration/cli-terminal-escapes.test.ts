import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../daemon/store/Store.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI_JS, rawConnect, startDaemon, testConfig, TOKENS, type RunningDaemon } from '../helpers/daemon.js';
import { OptionsResponder } from '../helpers/optionsResponder.js';
import { freePort } from '../helpers/ports.js';

// Text from a peer (a room's Server header) and from the store (titles) reaches an operator's
// terminal through the CLI: the real CLI against the real daemon must print no control character,
// and the API refuses titles holding one.

const EVIL_SERVER = 'evil-room\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x00';
// eslint-disable-next-line no-control-regex -- what must never reach the terminal
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let d: RunningDaemon;
let room: OptionsResponder;
beforeAll(async () => {
  await ensureBuilt();
  const roomPort = await freePort();
  room = await OptionsResponder.start({ addresses: [{ host: '127.0.0.1', port: roomPort }], server: EVIL_SERVER });
  const cfg = testConfig(await freePort(), await freePort(), {
    endpoints: [
      {
        id: 'xiaoguan',
        name: { zh: '小关镇', en: 'Xiaoguan' },
        kind: 'town',
        uri: `sip:xiaoguan@127.0.0.1:${roomPort}`,
        groups: ['towns'],
      },
    ],
  });
  d = await startDaemon({ config: cfg });
}, 60_000);
afterAll(async () => {
  await d?.stop();
  await room?.close();
});

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI_JS, ...args], {
      env: { ...process.env, VCBRIDGE_URL: d.url, VCBRIDGE_TOKEN: TOKENS.operator, NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('control characters never reach the terminal', () => {
  it('`endpoint check` shows a room whose Server header holds ESC, BEL and NUL as visible symbols', async () => {
    const r = await cli(['endpoint', 'check', 'xiaoguan']);
    expect(r.code, r.err).toBe(0);
    expect(room.total).toBeGreaterThan(0);
    expect(r.out).toContain('evil-room␛]0;pwned␇␛[2J␛[31mRED␀');
    expect(r.out).not.toMatch(RAW_CONTROL);
    // --json keeps the data as it came (JSON escapes control characters itself)
    const j = await cli(['--json', 'endpoint', 'check', 'xiaoguan']);
    expect(j.out).not.toMatch(RAW_CONTROL);
    expect(JSON.stringify(JSON.parse(j.out))).toContain(JSON.stringify(EVIL_SERVER).slice(1, -1));
  });

  it('the API refuses conference and schedule titles with control characters, naming the character', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    const conf = await op.call('conference.start', { title: 'Weekly\x1b[2J', endpoints: ['xiaoguan'] });
    expect(conf.error.data.code).toBe('PARAMS_INVALID');
    expect(conf.error.message).toMatch(/title: must not contain control characters: ESC \(U\+001B\) at character 7/);
    const add = await op.call('schedule.add', {
      title: 'ding\x07',
      start: '2030-01-07 09:00',
      durationMinutes: 30,
      endpoints: ['xiaoguan'],
    });
    expect(add.error.data.code).toBe('PARAMS_INVALID');
    expect(add.error.message).toMatch(/BEL \(U\+0007\)/);
    const edit = await op.call('schedule.add', {
      title: 'ok',
      start: '2030-01-07 09:00',
      durationMinutes: 30,
      endpoints: ['xiaoguan'],
    });
    const renamed = await op.call('schedule.edit', { id: edit.result.schedule.id, title: 'nul\x00' });
    expect(renamed.error.data.code).toBe('PARAMS_INVALID');
    // the CLI says so, and exits non-zero
    const r = await cli([
      'schedule',
      'add',
      '--title',
      'x\x1b]0;t\x07',
      '--start',
      '2030-01-08 09:00',
      '--duration',
      '30m',
      '--endpoints',
      'xiaoguan',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/control characters/);
    expect(r.err + r.out).not.toMatch(RAW_CONTROL);
    op.close();
  });

  it('titles stored before the API refused them are printed safely by `schedule list` and `conf list`', async () => {
    await d.stop();
    const store = Store.open(join(d.dataDir, 'vcbridge.db'));
    try {
      store.schedules.create({
        title: 'old\x1b[2Jmeeting\x07',
        startUtc: Date.UTC(2030, 0, 9, 1),
        durationMs: 1_800_000,
        tz: 'Asia/Shanghai',
        endpoints: ['xiaoguan'],
        createdBy: 'alice',
      });
      const c = store.conferences.create({
        title: 'old\x1b]0;conf\x07',
        mode: 'voice',
        endpoints: ['xiaoguan'],
        createdBy: 'alice',
      });
      store.conferences.end(c.id, 'test');
    } finally {
      store.close();
    }
    d = await startDaemon({ dir: d.dir });
    const list = await cli(['schedule', 'list', '--from', '2030-01-01', '--to', '2030-01-31']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toContain('old␛[2Jmeeting␇');
    expect(list.out).not.toMatch(RAW_CONTROL);
    const confs = await cli(['conf', 'list', '--all']);
    expect(confs.code, confs.err).toBe(0);
    expect(confs.out).toContain('old␛]0;conf␇');
    expect(confs.out).not.toMatch(RAW_CONTROL);
  }, 60_000);
});
