// Attacks on the browser join door of the built daemon (`node scripts/build.mjs` first), on 127.0.0.1:
// bogus links must not lock a genuine one out of the same address, and one browser seat must not be
// able to make more than one producer per kind by asking in parallel (real mediasoup worker).
import { connect } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, rawConnect, startDaemon, type RunningDaemon } from '../helpers/daemon.js';

let d: RunningDaemon;
let conferenceId: string;
beforeAll(async () => {
  d = await startDaemon();
  const op = await rawConnect(d.url, TOKENS.operator);
  const r: any = await op.call('conference.start', { title: 'join attacks', endpoints: ['xiaoguan'] });
  if (!r.result) throw new Error(`conference.start: ${JSON.stringify(r.error)}`);
  conferenceId = r.result.id;
  op.close();
}, 30_000);
afterAll(async () => {
  await d?.stop();
});

async function invite(name: string): Promise<string> {
  const op = await rawConnect(d.url, TOKENS.operator);
  const r: any = await op.call('conference.invite', { id: conferenceId, name });
  op.close();
  if (!r.result) throw new Error(`conference.invite: ${JSON.stringify(r.error)}`);
  return new URL(r.result.url).searchParams.get('t')!;
}

const page = (t: string): Promise<number> =>
  fetch(`http://127.0.0.1:${d.apiPort}/join?t=${encodeURIComponent(t)}`).then((r) => r.status);

describe('join door', () => {
  it('bogus links from an address are limited on their own: a genuine link from it still opens', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await page(`bogus${i}.AAAA`));
    expect(statuses.filter((s) => s === 403).length).toBeGreaterThan(0);
    expect(statuses.at(-1)).toBe(429);
    const t = await invite('教育局');
    expect(await page(t)).toBe(200);
  });

  it('twenty parallel produce requests on one seat make one audio producer; the rest are refused', async () => {
    const t = await invite('公安局');
    const ws = new WebSocket(`ws://127.0.0.1:${d.apiPort}/join/ws?t=${encodeURIComponent(t)}`);
    const replies = new Map<number, any>();
    let welcome: any;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.method === 'welcome') welcome = m.params;
      else if (typeof m.id === 'number') replies.set(m.id, m);
    });
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    const end = Date.now() + 20_000;
    while (!welcome) {
      if (Date.now() > end)
        throw new Error(
          `no welcome; socket closed: ${JSON.stringify(await Promise.race([closed, Promise.resolve('open')]))}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    // each request with an SSRC of its own, as an attacker would (mediasoup itself refuses a repeated one)
    const rtpParameters = (id: number) => ({
      mid: String(id),
      codecs: [
        {
          mimeType: 'audio/opus',
          payloadType: 111,
          clockRate: 48000,
          channels: 2,
          parameters: { useinbandfec: 1 },
          rtcpFeedback: [],
        },
      ],
      headerExtensions: [],
      encodings: [{ ssrc: 11_223_344 + id }],
      rtcp: { cname: 'attacker', reducedSize: true },
    });
    for (let id = 1; id <= 20; id++)
      ws.send(
        JSON.stringify({
          id,
          method: 'produce',
          params: { transportId: welcome.send.id, kind: 'audio', rtpParameters: rtpParameters(id) },
        }),
      );
    while (replies.size < 20) {
      if (Date.now() > end + 20_000) throw new Error(`only ${replies.size} of 20 produce replies`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const made = [...replies.values()].filter((r) => r.result?.id);
    const refused = [...replies.values()].filter((r) => r.error);
    expect(made).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const r of refused) expect(r.error.message).toMatch(/already sends audio/);
    ws.close();
  }, 60_000);
});

describe('garbage on the wire', () => {
  /** A WebSocket handshake with an invalid frame (reserved opcode 3) in the same packet. */
  function badFrame(path: string): Promise<string> {
    return new Promise((resolve) => {
      const s = connect(d.apiPort, '127.0.0.1', () => {
        const head =
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
        s.write(Buffer.concat([Buffer.from(head), Buffer.from([0x83, 0x80, 1, 2, 3, 4])]));
      });
      let got = '';
      s.on('data', (b) => (got += b.toString('latin1')));
      s.on('error', () => resolve(got));
      s.on('close', () => resolve(got));
      setTimeout(() => s.destroy(), 3000).unref();
    });
  }

  it('an invalid frame on a join socket or a control socket does not bring the daemon down', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await badFrame('/join/ws?t=bogus.AAAA')).toMatch(/^HTTP\/1\.1 101/);
      expect(await badFrame('/')).toMatch(/^HTTP\/1\.1 101/);
    }
    const op = await rawConnect(d.url, TOKENS.operator);
    expect(((await op.call('status')) as any).result.pid).toBe(d.proc.pid);
    op.close();
    expect(d.proc.exitCode).toBeNull();
    expect(d.output()).not.toMatch(/uncaught exception/);
  });
});
