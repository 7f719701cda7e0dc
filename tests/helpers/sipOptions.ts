import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeOutcome } from '../../daemon/scheduler/types.js';

// Real SIP OPTIONS over UDP on 127.0.0.1, for tests that need a prober before the SIP stack
// exists: a one-shot OPTIONS client, a tiny responder, and a real baresip that answers OPTIONS.

const rand = (): string => randomBytes(6).toString('hex');

function target(uri: string): { host: string; port: number } {
  const m = /^sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?/.exec(uri);
  if (!m) throw new Error(`not a SIP URI: ${uri}`);
  return { host: m[1]!, port: Number(m[2] ?? 5060) };
}

/** One OPTIONS request, retransmitted per RFC 3261 (T1 = 500 ms) until an answer or `timeoutMs`. */
export function optionsPing(uri: string, timeoutMs = 1500): Promise<ProbeOutcome & { status?: number }> {
  const { host, port } = target(uri);
  if (host !== '127.0.0.1') throw new Error('tests only talk to 127.0.0.1');
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const callId = `${rand()}@127.0.0.1`;
    let t0 = 0;
    let done = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (o: ProbeOutcome & { status?: number }): void => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      sock.close();
      resolve(o);
    };
    sock.on('error', (err: NodeJS.ErrnoException) => {
      finish({
        ok: false,
        rttMs: null,
        reason: err.code === 'ECONNREFUSED' ? 'port unreachable (nothing listens there)' : err.message,
      });
    });
    sock.on('message', (msg) => {
      const text = msg.toString();
      if (!text.includes(callId)) return;
      const m = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)/.exec(text);
      if (!m || Number(m[1]) < 200) return;
      const status = Number(m[1]);
      const rttMs = performance.now() - t0;
      finish(status < 300 ? { ok: true, rttMs, status } : { ok: false, rttMs, status, reason: `${status} ${m[2]}` });
    });
    sock.bind(0, '127.0.0.1', () => {
      sock.connect(port, host, () => {
        const local = sock.address().port;
        const req = [
          `OPTIONS ${uri} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${rand()};rport`,
          'Max-Forwards: 70',
          `From: <sip:preflight@127.0.0.1:${local}>;tag=${rand()}`,
          `To: <${uri}>`,
          `Call-ID: ${callId}`,
          'CSeq: 1 OPTIONS',
          `Contact: <sip:preflight@127.0.0.1:${local}>`,
          'Accept: application/sdp',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        t0 = performance.now();
        const send = (): void => {
          if (!done) sock.send(req);
        };
        send();
        for (let t = 500; t < timeoutMs; t *= 2) timers.push(setTimeout(send, t));
        timers.push(
          setTimeout(
            () => finish({ ok: false, rttMs: null, reason: `timeout (no answer within ${timeoutMs} ms)` }),
            timeoutMs,
          ),
        );
      });
    });
  });
}

/** A UDP socket that answers OPTIONS with `status` after `delayMs`. */
export async function startOptionsResponder(
  opts: { status?: number; reason?: string; delayMs?: number } = {},
): Promise<{ port: number; received: number; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  const state = { port: 0, received: 0, close: () => new Promise<void>((r) => sock.close(() => r())) };
  sock.on('message', (msg, rinfo) => {
    const text = msg.toString();
    if (!text.startsWith('OPTIONS ')) return;
    state.received++;
    const header = (name: string): string => new RegExp(`^${name}:[^\\r\\n]*`, 'im').exec(text)?.[0] ?? '';
    const reply = [
      `SIP/2.0 ${opts.status ?? 200} ${opts.reason ?? 'OK'}`,
      header('Via'),
      header('From'),
      `${header('To')};tag=${rand()}`,
      header('Call-ID'),
      header('CSeq'),
      'Server: test-room',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    setTimeout(() => sock.send(reply, rinfo.port, rinfo.address), opts.delayMs ?? 0);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  state.port = sock.address().port;
  return state;
}

/** A real baresip UA listening on 127.0.0.1:port with account `user`; resolves once it is ready. */
export async function startBaresip(
  user: string,
  port: number,
): Promise<{ proc: ChildProcess; stop(): Promise<void>; output(): string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-baresip-'));
  writeFileSync(
    join(dir, 'config'),
    [
      'module_path /usr/lib/baresip/modules',
      `sip_listen 127.0.0.1:${port}`,
      'net_interface 127.0.0.1',
      'audio_player nil',
      'audio_source nil',
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), `<sip:${user}@127.0.0.1:${port}>;regint=0;answermode=auto\n`);
  const proc = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  while (!out.includes('baresip is ready')) {
    if (proc.exitCode !== null) throw new Error(`baresip exited: ${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`baresip not ready in 10 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
