// Secrets never reach a log line or the store. The built daemon runs at log level trace with an
// upstream that registers through a real kamailio with a password and gets a DTMF PIN when a
// baresip MCU behind kamailio answers; operators call with bearer tokens, a wrong token is tried,
// calls carry secrets in their params, and a reload changes the password. Then the daemon's whole
// output, its audit table and the raw bytes of its SQLite files are searched for every secret.
// A room with SRTP mandatory (baresip, mediaenc=srtp-mand) joins too: the SDES keys both sides put
// in their a=crypto lines, read from that baresip's SIP trace, must be nowhere either.
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { KamailioUpstream } from '../peers/kamailioUpstream.js';
import { TOKENS, rawConnect, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/wait.js';

const PASSWORD = 'Upstream-Pw-9f3kQ';
const NEW_PASSWORD = 'Rotated-Pw-4Lm8z';
const ENV_PASSWORD = 'Env-Pw-Hq27Xv';
const PIN = '*7351#9468*';
const WRONG_TOKEN = 'Wrong-Token-Zx81q';
const PARAM_SECRET = 'Param-Secret-Q7w2';
const SECRETS = [
  PASSWORD,
  NEW_PASSWORD,
  ENV_PASSWORD,
  PIN,
  WRONG_TOKEN,
  PARAM_SECRET,
  TOKENS.operator,
  TOKENS.technician,
  TOKENS.viewer,
];

/** The key||salt of every a=crypto line in the SRTP room's SIP trace (the offer the bridge sent,
 *  the answer the room sent), as the base64 on the wire and as hex, should anything print it so. */
function srtpKeys(): string[] {
  const keys = new Set<string>();
  for (const m of enc.log.matchAll(/a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)/g)) keys.add(m[1]!);
  return [...keys];
}

type Reply = { result?: any; error?: { message: string; data?: { code: string } } };

let mcu: BaresipRoom;
let enc: BaresipRoom;
let kam: KamailioUpstream;
let d: RunningDaemon;
let config: Record<string, unknown>;

function siteConfig(apiPort: number, sipPort: number, password: string): Record<string, unknown> {
  return testConfig(apiPort, sipPort, {
    logging: { level: 'trace' },
    endpoints: [
      {
        id: 'zhengzhou',
        name: { zh: '郑州市政府', en: 'Zhengzhou' },
        kind: 'upstream',
        uri: `sip:gongyi@127.0.0.1:${kam.port}`,
        register: { expires: 120 },
        credentials: { username: 'gongyi', password },
        pin: PIN,
        codecs: { audio: ['PCMA'], video: ['H264'] },
      },
      {
        id: 'secure',
        name: { zh: '加密会议室', en: 'Secure room' },
        kind: 'town',
        uri: enc.uri,
        srtp: 'required',
        codecs: { audio: ['PCMA'] },
      },
      // a second upstream-like endpoint whose password comes from the environment
      {
        id: 'backup',
        name: { zh: '备用', en: 'Backup' },
        kind: 'bureau',
        uri: 'sip:backup@127.0.0.1:5998',
        credentials: { username: 'b', password: 'env:VCB_TEST_BACKUP_PW' },
      },
    ],
  });
}

beforeAll(async () => {
  mcu = await BaresipRoom.start({ name: 'mcu', toneHz: 1100, video: 'H264', audioCodecs: ['PCMA'] });
  mcu.watchEvents();
  enc = await BaresipRoom.start({
    name: 'secure',
    toneHz: 660,
    audioCodecs: ['PCMA'],
    mediaenc: 'srtp-mand',
    sipTrace: true,
  });
  kam = await KamailioUpstream.start({ password: PASSWORD, mcu: mcu.uri });
  config = siteConfig(await freePort(), await freePort(), PASSWORD);
  d = await startDaemon({ config, env: { VCB_TEST_BACKUP_PW: ENV_PASSWORD } });
}, 60_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
  await mcu?.stop();
  await enc?.stop();
  await kam?.stop();
}, 20_000);

describe('secrets never in logs or the store', () => {
  it('the upstream registers with its password and gets its PIN after answering (so every secret was used)', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    try {
      await until(
        'registered at kamailio',
        async () =>
          ((await op.call('endpoints.list')) as Reply).result?.find((e: { id: string }) => e.id === 'zhengzhou')
            ?.registration === 'registered',
        10_000,
      );
      expect(kam.log).toMatch(/REGISTER ok sip:gongyi@/);
      const started = (await op.call('conference.start', {
        title: 'secret test',
        endpoints: ['zhengzhou', 'secure'],
        upstream: 'zhengzhou',
      })) as Reply;
      expect(started.error).toBeUndefined();
      await until(
        'the SRTP room connected encrypted',
        async () =>
          ((await op.call('conference.show', { id: started.result.id })) as Reply).result?.participants.find(
            (p: { endpointId: string }) => p.endpointId === 'secure',
          )?.srtp !== undefined,
        15_000,
      );
      await until(
        'the PIN at the MCU',
        () =>
          mcu.events
            .filter((e) => e.type === 'CALL_DTMF_START')
            .map((e) => e.param)
            .join('') === PIN,
        12_000,
      );
      // secrets in params: refused or accepted, they must be redacted wherever the call is recorded
      const bad = (await op.call('schedule.add', {
        title: 'x',
        start: '2030-01-01 09:00',
        durationMinutes: 30,
        endpoints: ['zhengzhou'],
        password: PARAM_SECRET,
      })) as Reply;
      expect(bad.error?.data?.code).toBe('PARAMS_INVALID');
      await op.call('conference.end', {
        id: started.result.id,
        reason: 'done',
        token: PARAM_SECRET,
        pin: PARAM_SECRET,
      });
      await op.call('daemon.reload', { secret: PARAM_SECRET, authorization: `Bearer ${PARAM_SECRET}` });
      await op.call('audit.list', { limit: 5, since: PARAM_SECRET });
    } finally {
      op.close();
    }
    const wrong = await rawConnect(d.url, WRONG_TOKEN);
    expect(((await wrong.call('status')) as Reply).error?.data?.code).toBe('AUTH_INVALID');
    wrong.close();
    const tech = await rawConnect(d.url, TOKENS.technician);
    expect(((await tech.call('daemon.stop')) as Reply).error?.data?.code).toBe('FORBIDDEN');
    tech.close();
  }, 40_000);

  it('a reload that rotates the password reports the change by field name only', async () => {
    writeFileSync(
      d.configFile,
      stringify({
        ...config,
        ...siteConfig(
          (config.api as { port: number }).port,
          (config.sip as { listen: { port: number }[] }).listen[0]!.port,
          NEW_PASSWORD,
        ),
      }),
    );
    const op = await rawConnect(d.url, TOKENS.operator);
    const r = (await op.call('daemon.reload')) as Reply;
    op.close();
    expect(r.result.changes.join('\n')).toMatch(/endpoint changed: zhengzhou .*credentials/);
    expect(JSON.stringify(r)).not.toContain(NEW_PASSWORD);
  });

  it('the SRTP room and the bridge exchanged SDES keys (each side its own)', () => {
    const keys = srtpKeys();
    expect(keys.length, `a=crypto keys in the SIP trace:\n${enc.log.slice(-3000)}`).toBeGreaterThanOrEqual(2);
    SECRETS.push(...keys, ...keys.map((k) => Buffer.from(k, 'base64').toString('hex')));
  });

  it("none of the secrets is in the daemon's output, its audit table, or the bytes of its database files", async () => {
    await d.stop('SIGTERM');
    const out = d.output();
    expect(out.length, 'the daemon logged').toBeGreaterThan(2000);
    expect(out, 'debug lines were written too').toMatch(/"level":20/);
    expect(out).toMatch(/PIN sent/);
    expect(out).toMatch(/zhengzhou/);
    for (const s of SECRETS) expect(out.includes(s), `"${s}" in the log`).toBe(false);
    const file = join(d.dataDir, 'vcbridge.db');
    const db = new Database(file, { readonly: true });
    const audit = db.prepare('SELECT * FROM audit').all() as { method: string; params: string }[];
    db.close();
    expect(audit.map((a) => a.method)).toEqual(
      expect.arrayContaining(['conference.start', 'schedule.add', 'conference.end', 'daemon.reload']),
    );
    const auditText = JSON.stringify(audit);
    expect(auditText).toContain('[redacted]');
    for (const s of SECRETS) expect(auditText.includes(s), `"${s}" in the audit table`).toBe(false);
    for (const f of [file, `${file}-wal`]) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f).toString('latin1');
      for (const s of SECRETS) expect(bytes.includes(s), `"${s}" in ${f}`).toBe(false);
    }
  });
});
