// Operations views of a real day: the built daemon with one real baresip room (answers OPTIONS,
// auto-answers calls) and one site that does not exist. A meeting is held through the API; then
// /metrics must show the SIP traffic, the OPTIONS RTTs and the endpoint states, and
// `vcbridge report daily` (text, --csv, --html, --json) must show the meeting, the room as joined
// and the absent site as missing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { CLI_JS, TOKENS, rawConnect, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import type { DailyReport } from '../../protocol/index.js';
import { sleep, until } from '../helpers/wait.js';

type Reply = { result?: any; error?: { message: string; data?: { code: string } } };

let room: BaresipRoom;
let d: RunningDaemon;

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI_JS, '--url', d.url, '--token', TOKENS.viewer, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function metrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${d.apiPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series (exact label text) in Prometheus text, or undefined. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

beforeAll(async () => {
  room = await BaresipRoom.start({ name: 'mihe', toneHz: 440, audioCodecs: ['PCMA'] });
  const deadPort = await freePort();
  d = await startDaemon({
    config: testConfig(await freePort(), await freePort(), {
      health: { intervalSeconds: 1, timeoutMs: 500 },
      endpoints: [
        {
          id: 'mihe',
          name: { zh: '米河镇', en: 'Mihe' },
          kind: 'town',
          uri: room.uri,
          groups: ['towns'],
          codecs: { audio: ['PCMA'], video: [] },
        },
        {
          id: 'xiaoguan',
          name: { zh: '小关镇', en: 'Xiaoguan' },
          kind: 'town',
          uri: `sip:xiaoguan@127.0.0.1:${deadPort}`,
          groups: ['towns'],
        },
      ],
    }),
  });
}, 40_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
  await room?.stop();
});

describe('metrics and the daily report after a real meeting', () => {
  it('a meeting with the room connected and the dead site failing, then ended', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    try {
      const r = (await op.call('conference.start', { title: '周例会', group: 'towns' })) as Reply;
      expect(r.error, r.error?.message).toBeUndefined();
      await until(
        'mihe connected',
        async () =>
          ((await op.call('conference.show', { id: r.result.id })) as Reply).result.participants.find(
            (p: { endpointId: string }) => p.endpointId === 'mihe',
          )?.state === 'connected',
        10_000,
      );
      await op.call('subscribe', { topics: ['stats'] });
      await until(
        'a stats sample of mihe',
        () => op.notifications.some((n) => (n as { params: { endpointId: string } }).params.endpointId === 'mihe'),
        8000,
      );
      await sleep(1200); // the recorder writes a round within a second
      // the mixer's CPU over the time between two scrapes: something (the figure is bench/mixer's)
      await metrics();
      await sleep(1000);
      const cpu = series(await metrics(), 'vcbridge_mixer_cpu_percent');
      expect(cpu).toBeGreaterThan(0);
      expect(series(await metrics(), 'vcbridge_legs_active')).toBe(1);
      expect(((await op.call('conference.end', { id: r.result.id })) as Reply).error).toBeUndefined();
    } finally {
      op.close();
    }
  }, 30_000);

  it('/metrics counts SIP messages by direction, method and code, OPTIONS RTTs, and endpoints by state', async () => {
    await until(
      'both endpoints judged',
      async () => series(await metrics(), 'vcbridge_endpoints{state="unreachable"}') === 1,
      8000,
    );
    const m = await metrics();
    expect(series(m, 'vcbridge_sip_messages_total{direction="out",method="OPTIONS",code=""}')).toBeGreaterThan(2);
    expect(series(m, 'vcbridge_sip_messages_total{direction="in",method="OPTIONS",code="200"}')).toBeGreaterThan(1);
    expect(series(m, 'vcbridge_sip_messages_total{direction="out",method="INVITE",code=""}')).toBeGreaterThanOrEqual(2);
    expect(series(m, 'vcbridge_sip_messages_total{direction="in",method="INVITE",code="200"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(series(m, 'vcbridge_sip_messages_total{direction="out",method="ACK",code=""}')).toBeGreaterThanOrEqual(1);
    expect(series(m, 'vcbridge_sip_messages_total{direction="out",method="BYE",code=""}')).toBeGreaterThanOrEqual(1);
    expect(series(m, 'vcbridge_endpoint_rtt_ms_count')).toBeGreaterThan(1);
    expect(series(m, 'vcbridge_endpoint_rtt_ms_sum')).toBeGreaterThan(0);
    expect(series(m, 'vcbridge_endpoints{state="reachable"}')).toBe(1);
    expect(series(m, 'vcbridge_conferences_active')).toBe(0);
    expect(m).toMatch(/^vcbridge_api_calls_total\{method="conference.start",result="ok"\} 1$/m);
    expect(m).toMatch(/^vcbridge_redials_total \d+$/m);
    expect(m).toMatch(/^vcbridge_media_worker_restarts_total 0$/m);
    expect(m).toMatch(/^vcbridge_process_resident_memory_bytes \d+/m);
  }, 15_000);

  it('`report daily --json`: the meeting, mihe joined on time, xiaoguan missing, uptime and the link', () => {
    const r = cli(['report', 'daily', '--json']);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out) as DailyReport;
    expect(rep.timezone).toBe('Asia/Shanghai');
    expect(rep.meetings).toHaveLength(1);
    const sites = Object.fromEntries(rep.meetings[0]!.sites.map((s) => [s.endpointId, s.status]));
    expect(sites).toEqual({ mihe: 'joined', xiaoguan: 'missing' });
    expect(rep.uptime.find((u) => u.endpointId === 'mihe')?.uptimePct).toBe(100);
    expect(rep.uptime.find((u) => u.endpointId === 'xiaoguan')?.uptimePct).toBe(0);
    expect(rep.worstLinks.map((l) => l.endpointId)).toContain('mihe');
  });

  it('`report daily` prints text, --csv a spreadsheet, --html a printable page; a bad date is a usage error', () => {
    const text = cli(['report', 'daily']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/Meetings held: 1/);
    expect(text.out).toMatch(/小关镇 \(xiaoguan\)\s+1\s+0\s+0\s+1/);
    const csv = cli(['report', 'daily', '--csv']);
    expect(csv.out.split('\n')[0]).toMatch(/^meeting,title,date,/);
    expect(csv.out).toMatch(/,周例会,.*,xiaoguan,missing,/);
    const file = join(mkdtempSync(join(tmpdir(), 'vcb-rep-')), 'report.html');
    const html = cli(['report', 'daily', '--html', file]);
    expect(html.code, html.err).toBe(0);
    const page = readFileSync(file, 'utf8');
    expect(page).toMatch(/<h2>Meetings held<\/h2>/);
    expect(page).toMatch(/@media print/);
    expect(page).toContain('周例会');
    expect(cli(['report', 'daily', '--date', 'yesterday']).code).toBe(2);
    const past = cli(['report', 'daily', '--date', '2020-01-01', '--json']);
    expect(JSON.parse(past.out).meetings).toEqual([]);
  });
});
