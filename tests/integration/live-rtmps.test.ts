// rtmps:// pushes against a real TLS RTMP receiver: ffmpeg 5.1 cannot listen on rtmps, so a Node TLS
// server on 127.0.0.1 (a self-signed certificate made by openssl for this run) forwards the decrypted
// stream to an ffmpeg listening on plain rtmp://, which writes what it received. The push is the real
// LiveStreams code reading the real program mux over a real ffmpeg sender. Checked: the server's
// certificate is checked by default (a self-signed one is refused: nothing reaches the RTMP server, the
// alarm names the certificate); trusted through `live.rtmpsCaFile` the push works and what the server
// received plays (H.264 + AAC, seconds of it); `live.rtmpsVerify: false` accepts it too.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveAlarm, LiveStreams } from '../../daemon/web/LiveStreams.js';
import type { RtmpsTrust } from '../../daemon/media/live/ffmpegArgs.js';
import { ffmpegTestFeed, probeMedia, rtmpServer, testLiveStreams, type TestFeed } from '../helpers/liveFeed.js';
import { probe } from '../helpers/mediaFile.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/wait.js';

let dir: string;
let feed: TestFeed;
let streams: LiveStreams;
let trust: RtmpsTrust = { verify: true };
const alarms: LiveAlarm[] = [];
let tls: Server;
let tlsPort: number;
let rtmpPort: number;
/** TLS sessions the server saw complete, and bytes it forwarded to the RTMP server. */
const seen = { secure: 0, forwarded: 0 };
const upstream: Socket[] = [];
let listener: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-rtmps-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { encoding: 'utf8' },
  );
  expect(made.status, made.stderr).toBe(0);
  rtmpPort = await freePort();
  tlsPort = await freePort();
  tls = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s) => {
    seen.secure++;
    const up = connect(rtmpPort, '127.0.0.1');
    upstream.push(up);
    s.on('data', (d: Buffer) => (seen.forwarded += d.length));
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  tls.on('tlsClientError', () => undefined); // the refused handshakes of the first case
  await new Promise<void>((r) => tls.listen(tlsPort, '127.0.0.1', r));
  feed = ffmpegTestFeed();
  streams = testLiveStreams(feed, dir, { onAlarm: (a) => alarms.push(a), rtmpsTrust: () => trust });
});

afterAll(async () => {
  await streams?.close();
  feed?.close();
  listener?.kill('SIGKILL');
  for (const s of upstream) s.destroy();
  await new Promise<void>((r) => (tls ? tls.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

const url = () => `rtmps://127.0.0.1:${tlsPort}/live/streamkey`;
const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

/** Push to the TLS server with `t`, let the RTMP server receive until `bytes`, stop, and give the file. */
async function pushAndReceive(name: string, t: RtmpsTrust, conf: string): Promise<string> {
  trust = t;
  const file = join(dir, name);
  listener = rtmpServer(rtmpPort, '/live/streamkey', file);
  streams.addRtmp(conf, url());
  await until('the push is running', () => streams.view(conf)?.rtmp[0]?.state === 'running', 90_000, 200);
  await until('the server wrote video', () => existsSync(file) && statSync(file).size > 150_000, 90_000, 500);
  await streams.stop(conf);
  await exited(listener);
  return file;
}

describe('rtmps:// push', () => {
  it('checks the server certificate by default: a self-signed one is refused, nothing is sent', async () => {
    trust = { verify: true };
    streams.addRtmp('c-rtmps-1', url());
    await until(
      'the push failed with the alarm',
      () => alarms.some((a) => a.conferenceId === 'c-rtmps-1' && a.state === 'retrying'),
      90_000,
      200,
    );
    const alarm = alarms.find((a) => a.conferenceId === 'c-rtmps-1')!;
    expect(alarm.target).toBe(`rtmps://127.0.0.1:${tlsPort}/live/***`);
    expect(alarm.reason).toMatch(/certificate/i);
    // GnuTLS checks the certificate after the handshake: the session may open, but no RTMP byte is sent
    expect(seen.forwarded, 'nothing sent to a server whose certificate failed').toBe(0);
    await streams.stop('c-rtmps-1');
  }, 120_000);

  it('trusts the server through live.rtmpsCaFile: the server receives playable H.264 + AAC', async () => {
    const file = await pushAndReceive('got-ca.flv', { verify: true, caFile: join(dir, 'cert.pem') }, 'c-rtmps-2');
    expect(seen.secure).toBeGreaterThanOrEqual(1);
    const p = await probeMedia(file);
    expect(p.codecs).toEqual(['aac', 'h264']);
    expect(p.videoPackets).toBeGreaterThan(25);
    expect(probe(file).duration).toBeGreaterThan(2);
  }, 180_000);

  it('live.rtmpsVerify false accepts the self-signed certificate (encrypted, unchecked)', async () => {
    const before = seen.secure;
    const file = await pushAndReceive('got-noverify.flv', { verify: false }, 'c-rtmps-3');
    expect(seen.secure).toBeGreaterThan(before);
    expect((await probeMedia(file)).codecs).toEqual(['aac', 'h264']);
  }, 180_000);
});
