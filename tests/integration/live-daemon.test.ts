// Live streaming from the built daemon (`node scripts/build.mjs` first) with two real baresip towns:
// `conf stream start --hls` prints a signed link on the daemon's port; the playlist has segments that
// ffprobe plays (H.264 copied from the feed, AAC); wrong/foreign/join tokens and odd paths get
// nothing; an RTMP push reaches an ffmpeg listening as the server; headless Chromium plays the
// watch-only page (the video's currentTime advances); stop and the meeting's end remove it all.
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromiumPeer } from '../peers/chromium.js';
import { TOKENS, rawConnect, type RunningDaemon } from '../helpers/daemon.js';
import { get } from '../helpers/httpGet.js';
import { startAlarmHook, type AlarmHook } from '../helpers/alarmHook.js';
import { startTownsDaemon, type TownsDaemon } from '../helpers/townsDaemon.js';
import { freePort } from '../helpers/ports.js';
import type { ConferenceStreamStartResult, ConferenceView } from '../../protocol/index.js';
import { until } from '../helpers/wait.js';
import { probeMedia, rtmpServer } from '../helpers/liveFeed.js';

const SITES = [
  { id: 'mihe', color: 'red', tone: 440 },
  { id: 'xiaoguan', color: 'lime', tone: 880 },
] as const;
let hook: AlarmHook;
/** What the daemon's alarm webhook received (JSON bodies). */
let alarms: Record<string, unknown>[];
let t: TownsDaemon;
let d: RunningDaemon;
let confId: string;
let hls: ConferenceStreamStartResult;

const cli = (args: string[]) => t.cli(args);

async function show(): Promise<ConferenceView> {
  const r = await cli(['conf', 'show', confId, '--json']);
  if (r.code !== 0) throw new Error(`conf show exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ConferenceView;
}

function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(d.apiPort, '127.0.0.1', () =>
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let buf = '';
    s.on('data', (b) => (buf += b.toString('latin1')));
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(buf)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

const base = (): string => `http://127.0.0.1:${d.apiPort}`;
const tokenOf = (url: string): string => new URL(url).searchParams.get('t')!;

beforeAll(async () => {
  hook = await startAlarmHook();
  alarms = hook.alarms;
  t = await startTownsDaemon(SITES, { health: { alarm: { webhook: hook.url, minIntervalSeconds: 0 } } });
  d = t.d;
  confId = await t.startMeeting(['--wait', '10']);
}, 120_000);

afterAll(async () => {
  hook?.close();
  await t?.stop();
}, 30_000);

describe('live streaming from the daemon', () => {
  it('`conf stream start --hls --json` gives a signed link whose playlist has segments ffprobe plays', async () => {
    const r = await cli(['conf', 'stream', 'start', confId, '--hls', '--json']);
    expect(r.code, r.stderr).toBe(0);
    hls = JSON.parse(r.stdout) as ConferenceStreamStartResult;
    expect(hls.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${d.apiPort}/live/${confId}/index\\.m3u8\\?t=`));
    expect(hls.watchUrl).toMatch(/\/watch\?t=/);
    let playlist = '';
    await until(
      'a playlist with three segments',
      async () => {
        const res = await get(hls.url!);
        playlist = res.status === 200 ? await res.text() : '';
        return (playlist.match(/^seg\d+\.ts\?t=/gm) ?? []).length >= 3;
      },
      120_000,
      1000,
    );
    const durations = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    expect(durations.length).toBeGreaterThanOrEqual(3);
    const p = await probeMedia(hls.url!);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.videoPackets).toBeGreaterThan(10);
    const v = await show();
    expect(v.live?.hls?.state).toBe('running');
    expect(v.live?.hls?.viewers).toBeGreaterThanOrEqual(1);
    const text = await cli(['conf', 'show', confId]);
    expect(text.stdout).toMatch(/live streaming\n {2}HLS: running, \d+ viewers/);
    const zh = await cli(['--lang', 'zh', 'conf', 'show', confId]);
    expect(zh.stdout).toMatch(/直播\n {2}HLS：运行中，\d+ 人观看/);
  }, 200_000);

  it('refuses no token, an altered one, a join link and odd paths on the daemon port', async () => {
    const path = `/live/${confId}/index.m3u8`;
    const t = tokenOf(hls.url!);
    expect((await get(`${base()}${path}`)).status).toBe(403);
    expect((await get(`${base()}${path}?t=${t.slice(0, -3)}AAA`)).status).toBe(403);
    const op = await rawConnect(d.url, TOKENS.operator);
    const inv: any = await op.call('conference.invite', { id: confId, name: '教育局' });
    op.close();
    const joinToken = tokenOf(inv.result.url);
    expect((await get(`${base()}${path}?t=${encodeURIComponent(joinToken)}`)).status).toBe(403);
    expect((await get(`${base()}/watch?t=${encodeURIComponent(joinToken)}`)).status).toBe(403);
    for (const p of [
      `/live/${confId}/../../vcbridge.db?t=${t}`,
      `/live/${confId}/%2e%2e/%2e%2e/vcbridge.db?t=${t}`,
      `/live/${confId}/hls-0.sdp?t=${t}`,
      `/live/${confId}/index.m3u8.tmp?t=${t}`,
    ])
      expect([403, 404], p).toContain(await rawGet(p));
  });

  it('headless Chromium plays the watch-only page: the video advances', async () => {
    const browser = await ChromiumPeer.launch();
    try {
      const { page, logs, status } = await browser.open(hls.watchUrl!);
      expect(status).toBe(200);
      let t = 0;
      await until(
        'the video plays past 3 s',
        async () => {
          t = await page.evaluate(() => (document.getElementById('live') as HTMLVideoElement).currentTime);
          return t > 3;
        },
        90_000,
        500,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; currentTime ${t}; page log:\n${logs.join('\n')}`);
      });
      const size = await page.evaluate(() => {
        const v = document.getElementById('live') as HTMLVideoElement;
        return [v.videoWidth, v.videoHeight];
      });
      expect(size[0]).toBeGreaterThan(0);
      expect(size[1]).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 150_000);

  it('`--rtmp` pushes to an RTMP server that receives playable H.264 + AAC; a bad URL is refused clearly', async () => {
    const bad = await cli(['conf', 'stream', 'start', confId, '--rtmp', 'http://127.0.0.1/live/x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/rtmp:\/\/ or rtmps:\/\//);
    const op = await rawConnect(d.url, TOKENS.operator);
    const api: any = await op.call('conference.stream.start', { id: confId, rtmp: 'ftp://127.0.0.1/x/y' });
    op.close();
    expect(api.error?.data?.code).toBe('PARAMS_INVALID');
    expect(api.error?.message).toMatch(/must start with rtmp:\/\/ or rtmps:\/\//);

    const port = await freePort();
    const out = join(d.dir, 'rtmp.flv');
    const server: ChildProcess = rtmpServer(port, '/live/secretkey', out);
    try {
      const r = await cli([
        'conf',
        'stream',
        'start',
        confId,
        '--rtmp',
        `rtmp://127.0.0.1:${port}/live/secretkey`,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout) as ConferenceStreamStartResult;
      expect(res.url).toBeNull();
      expect(res.live.rtmp[0]?.target).toBe(`rtmp://127.0.0.1:${port}/live/***`);
      await until('the RTMP server wrote video', () => existsSync(out) && statSync(out).size > 50_000, 90_000, 500);
      // the stream key is not in the audit log
      const audit = await cli(['audit', '--json']);
      expect(audit.stdout).toContain('conference.stream.start');
      expect(audit.stdout).not.toContain('secretkey');
    } finally {
      server.kill('SIGKILL');
    }
    const p = await probeMedia(out);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.videoPackets).toBeGreaterThan(10);
    // the server is gone: the push fails and retries, and the alarm webhook hears it once
    await until(
      'the live.rtmp alarm',
      () => alarms.some((a) => a.event === 'live.rtmp' && a.state === 'retrying'),
      90_000,
      500,
    );
    const a = alarms.find((x) => x.event === 'live.rtmp')!;
    expect(a).toMatchObject({ conferenceId: confId, output: 'rtmp', target: `rtmp://127.0.0.1:${port}/live/***` });
    expect(String(a.message)).toMatch(
      /^live output RTMP rtmp:\/\/127\.0\.0\.1:\d+\/live\/\*\*\* failed, retrying with backoff/,
    );
    expect((await show()).live?.rtmp[0]?.state).toBe('retrying');
  }, 200_000);

  it('`conf stream stop` ends every output and removes the files; the link is dead', async () => {
    const r = await cli(['conf', 'stream', 'stop', confId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`live streaming of ${confId} stopped`);
    expect((await get(hls.url!)).status).toBe(404);
    expect(existsSync(join(d.dataDir, 'live', confId))).toBe(false);
    expect((await show()).live ?? null).toBeNull();
  });

  it('the end of the meeting stops a stream that is still running', async () => {
    const r = await cli(['conf', 'stream', 'start', confId, '--json']);
    expect(r.code, r.stderr).toBe(0);
    await until('the live directory exists', () => existsSync(join(d.dataDir, 'live', confId)), 10_000);
    const end = await cli(['conf', 'end', confId]);
    expect(end.code, end.stderr).toBe(0);
    await until('the live directory is gone', () => !existsSync(join(d.dataDir, 'live', confId)), 30_000, 200);
    const url = (JSON.parse(r.stdout) as ConferenceStreamStartResult).url!;
    expect((await get(url)).status).toBe(403);
  }, 60_000);
});
