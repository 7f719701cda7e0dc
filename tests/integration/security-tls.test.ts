// TLS on the control port from configured files: a self-signed certificate made by openssl for
// 127.0.0.1. The control API (wss), /metrics and the join page (https) are served over TLS only;
// a client that trusts the certificate gets in, one that does not is refused, plain ws/http fail.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../daemon/Daemon.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { TOKENS, testConfig } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';

let dir: string;
let daemon: Daemon;
let port: number;
let ca: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(cert);
  port = await freePort();
  const cfg = testConfig(port, await freePort());
  cfg.api = { host: '127.0.0.1', port, tls: { cert, key } };
  writeFileSync(join(dir, 'site.yaml'), stringify(cfg));
  daemon = await Daemon.start({ configFile: join(dir, 'site.yaml'), dataDir: join(dir, 'data'), log: silentLogger() });
}, 30_000);

afterAll(async () => {
  await daemon?.stop('test over');
  rmSync(dir, { recursive: true, force: true });
});

function connect(
  url: string,
  opts: WebSocket.ClientOptions,
): Promise<{ ok: true; ws: WebSocket } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
      handshakeTimeout: 3000,
      ...opts,
    });
    ws.once('open', () => resolve({ ok: true, ws }));
    ws.once('error', (e) => resolve({ ok: false, error: e.message }));
  });
}

function httpsGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, ca, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('TLS on the control port', () => {
  it('the API URL is wss:// and a client trusting the certificate calls over it', async () => {
    expect(daemon.api.url).toBe(`wss://127.0.0.1:${port}`);
    const c = await connect(daemon.api.url, { ca });
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    const reply = await new Promise<{ result?: { you: { name: string } } }>((resolve) => {
      c.ws.once('message', (d) => resolve(JSON.parse(d.toString())));
      c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status' }));
    });
    expect(reply.result?.you.name).toBe('vera');
    c.ws.close();
  });

  it('a client that does not trust the certificate is refused; plain ws:// gets no API', async () => {
    const untrusted = await connect(daemon.api.url, {});
    expect(untrusted.ok).toBe(false);
    if (!untrusted.ok) expect(untrusted.error).toMatch(/self[- ]signed|certificate/i);
    const plain = await connect(`ws://127.0.0.1:${port}`, {});
    expect(plain.ok).toBe(false);
  });

  it('/metrics and the join page are served over https', async () => {
    const m = await httpsGet('/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/vcbridge_api_calls_total/);
    const join = await httpsGet('/join');
    expect(join.status).not.toBe(0);
    expect(join.status).toBeLessThan(500);
  });
});
