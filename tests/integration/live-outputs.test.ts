// Live outputs against real ffmpeg, without a conference: a feed of real RTP (tests/helpers/liveFeed.ts)
// → the HLS packager served over HTTP on 127.0.0.1 with signed links, and an RTMP push to an ffmpeg
// listening as the server. What the players (ffprobe) and the server received is checked, not only
// what the daemon's objects say about themselves.
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { JoinTokens } from '../../daemon/web/JoinTokens.js';
import { LiveServer } from '../../daemon/web/LiveServer.js';
import { LiveStreams, type LiveAlarm } from '../../daemon/web/LiveStreams.js';
import type { LiveView } from '../../protocol/index.js';
import { ffmpegTestFeed, probeMedia, rtmpServer, type TestFeed } from '../helpers/liveFeed.js';
import { get } from '../helpers/httpGet.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
const CONF = 'c-livetest';
let dir: string;
let feed: TestFeed;
let streams: LiveStreams;
let tokens: JoinTokens;
let http: Server;
let base: string;
const views: (LiveView | null)[] = [];
const alarms: LiveAlarm[] = [];

function kv(): { get<T>(k: string): T | undefined; set(k: string, v: unknown): void } {
  const m = new Map<string, unknown>();
  return { get: <T>(k: string) => m.get(k) as T | undefined, set: (k, v) => void m.set(k, v) };
}

/** A raw GET, byte for byte as given (fetch would normalise dot segments away). */
function rawGet(path: string): Promise<number> {
  const port = Number(new URL(base).port);
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let buf = '';
    s.on('data', (d) => (buf += d.toString('latin1')));
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(buf)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-live-'));
  feed = ffmpegTestFeed();
  tokens = new JoinTokens({ kv: kv() });
  streams = new LiveStreams({
    feed: feed.source,
    dir: join(dir, 'live'),
    log,
    onChange: (_id, v) => views.push(v),
    onAlarm: (a) => alarms.push(a),
    restartDelaysMs: [500, 1000, 2000],
  });
  const server = new LiveServer({
    tokens,
    hlsDir: (id) => streams.hlsDir(id),
    title: (id) => (id === CONF ? '直播测试' : undefined),
    watchScript: join(dir, 'none.js'),
    log,
  });
  streams.viewerCount = (id) => server.viewers(id);
  http = createServer((req, res) => {
    if (!server.route(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const addr = http.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await streams?.close();
  feed?.close();
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('HLS packager', () => {
  let token: string;
  it('serves a playlist whose segments carry the token and play in ffprobe (H.264 copied, AAC)', async () => {
    streams.startHls(CONF);
    token = tokens.issueLive({ conferenceId: CONF, ttlMs: 3_600_000 }).token;
    const url = `${base}/live/${CONF}/index.m3u8?t=${encodeURIComponent(token)}`;
    let playlist = '';
    await until(
      'a playlist with three segments',
      async () => {
        const r = await get(url);
        playlist = r.status === 200 ? await r.text() : '';
        return (playlist.match(/^seg\d+\.ts\?t=/gm) ?? []).length >= 3;
      },
      90_000,
      500,
    );
    expect(playlist).toContain('#EXT-X-TARGETDURATION');
    const segs = playlist.split('\n').filter((l) => l.startsWith('seg'));
    for (const s of segs) expect(s).toBe(`${s.split('?')[0]}?t=${encodeURIComponent(token)}`);
    const seg = await get(`${base}/live/${CONF}/${segs[0]}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const p = await probeMedia(url);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.videoPackets).toBeGreaterThan(25);
    expect(views.at(-1)?.hls?.state).toBe('running');
    expect(streams.view(CONF)?.hls?.viewers).toBeGreaterThanOrEqual(1);
  }, 150_000);

  it('refuses a missing, altered, foreign, join-kind or expired token with 403', async () => {
    const path = `/live/${CONF}/index.m3u8`;
    const status = (t?: string) =>
      get(`${base}${path}${t === undefined ? '' : `?t=${encodeURIComponent(t)}`}`).then((r) => r.status);
    expect(await status()).toBe(403);
    const [body, sig] = token.split('.') as [string, string];
    expect(await status(`${body}.${sig.slice(0, -2)}AA`)).toBe(403);
    expect(await status(tokens.issueLive({ conferenceId: 'c-other', ttlMs: 60_000 }).token)).toBe(403);
    const joinToken = tokens.issue({ conferenceId: CONF, name: 'x', ttlMs: 60_000 }).token;
    expect(await status(joinToken)).toBe(403);
    const expired = tokens.issueLive({ conferenceId: CONF, ttlMs: 1 }).token;
    await new Promise((r) => setTimeout(r, 5));
    expect(await status(expired)).toBe(403);
    // segments too
    const seg = readdirSync(join(dir, 'live', CONF)).find((f) => /^seg\d+\.ts$/.test(f))!;
    expect((await get(`${base}/live/${CONF}/${seg}`)).status).toBe(403);
    expect((await get(`${base}/live/${CONF}/${seg}?t=${encodeURIComponent(expired)}`)).status).toBe(403);
  });

  it('serves nothing but the playlist and the segment names it writes (no traversal)', async () => {
    const t = `?t=${encodeURIComponent(token)}`;
    // a file beside the segments that is not one of the packager's names
    const other = 'notes.txt';
    writeFileSync(join(dir, 'live', CONF, other), 'not for viewers');
    const tries = [
      `/live/${CONF}/../../../../etc/passwd${t}`,
      `/live/${CONF}/%2e%2e/%2e%2e/etc/passwd${t}`,
      `/live/${CONF}/..%2fhls-0.sdp${t}`,
      `/live/${CONF}/${other}${t}`,
      `/live/${CONF}/index.m3u8.tmp${t}`,
      `/live/${CONF}/seg00001.ts.tmp${t}`,
      `/live/${CONF}//index.m3u8${t}`,
      `/live/${CONF}/./index.m3u8${t}`,
      `/live/..%2f${CONF}/index.m3u8${t}`,
      `/live/${CONF}/index.m3u8%00${t}`,
      `/live/${CONF}/SEG00001.ts${t}`,
      `/live/${CONF}/seg1.ts${t}`,
    ];
    const got: Record<string, number> = {};
    for (const p of tries) got[p] = await rawGet(p);
    for (const p of tries) expect([403, 404, 400, 429], p).toContain(got[p]);
    expect(Object.values(got).filter((s) => s === 200)).toEqual([]);
    // and the genuine shapes still answer
    expect(await rawGet(`/live/${CONF}/index.m3u8${t}`)).toBe(200);
  });

  it('a packager that dies is restarted on a fresh tap, and serves again', async () => {
    const before = feed.made;
    const { hls } = streams.processes(CONF);
    expect(hls?.kill()).toBe(true);
    await until(
      'the packager restarted and running',
      () => feed.made > before && streams.view(CONF)?.hls?.state === 'running',
      60_000,
      200,
    );
    expect(feed.open, 'the dead run released its tap').toBe(1);
    expect(views.some((v) => v?.hls?.state === 'retrying')).toBe(true);
    const r = await get(`${base}/live/${CONF}/index.m3u8?t=${encodeURIComponent(token)}`);
    expect(r.status).toBe(200);
  }, 90_000);

  it('stop removes the files and the playlist is gone', async () => {
    expect(await streams.stop(CONF)).toBe(true);
    expect(existsSync(join(dir, 'live', CONF))).toBe(false);
    expect(feed.open).toBe(0);
    expect((await get(`${base}/live/${CONF}/index.m3u8?t=${encodeURIComponent(token)}`)).status).toBe(404);
    expect(views.at(-1)).toBeNull();
  });
});

describe('RTMP push', () => {
  let port: number;
  let listener: ChildProcess | undefined;
  const listen = (file: string): ChildProcess => rtmpServer(port, '/live/x', file);
  const exited = (c: ChildProcess) =>
    new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(() => {
    listener?.kill('SIGKILL');
  });

  it('refuses anything but rtmp:// and rtmps:// URLs with a clear error, starting nothing', () => {
    for (const bad of [
      'http://127.0.0.1/live/x',
      'file:///etc/passwd',
      'rtmp://',
      'rtmp://host',
      'rtmp://h/a b',
      '-i /etc/passwd',
    ])
      expect(() => streams.addRtmp('c-rtmp', bad), bad).toThrow(/RTMP URL/);
    expect(streams.has('c-rtmp')).toBe(false);
  });

  it('pushes to a server that is there; the server receives playable H.264 + AAC', async () => {
    const out1 = join(dir, 'got1.flv');
    listener = listen(out1);
    streams.addRtmp('c-rtmp', `rtmp://127.0.0.1:${port}/live/x`);
    await until('the push is running', () => streams.view('c-rtmp')?.rtmp[0]?.state === 'running', 60_000, 200);
    await until('the server wrote some video', () => existsSync(out1) && statSync(out1).size > 100_000, 60_000, 500);
    expect(streams.view('c-rtmp')?.rtmp[0]?.target).toBe(`rtmp://127.0.0.1:${port}/live/***`);
    // the server vanishes: the push fails, retries, raises the alarm
    listener.kill('SIGKILL');
    await exited(listener);
    await until(
      'the push noticed',
      () => alarms.some((a) => a.output === 'rtmp' && a.state === 'retrying'),
      60_000,
      200,
    );
    // the server was killed: no flv trailer, but every packet up to there is there
    const p = await probeMedia(out1);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.videoPackets).toBeGreaterThan(25);
  }, 150_000);

  it('the server coming back is pushed to again (reconnect with backoff)', async () => {
    const out2 = join(dir, 'got2.flv');
    listener = listen(out2);
    await until('the push is running again', () => streams.view('c-rtmp')?.rtmp[0]?.state === 'running', 90_000, 200);
    await until('the server wrote video again', () => existsSync(out2) && statSync(out2).size > 100_000, 60_000, 500);
    expect(alarms.filter((a) => a.output === 'rtmp').map((a) => a.state)).toEqual(['retrying', 'running']);
    await streams.stop('c-rtmp');
    await exited(listener);
    expect((await probeMedia(out2)).codecs).toEqual(['aac', 'h264']);
  }, 150_000);
});
