// SRTP as an operator sees it on the built daemon, with a real baresip room that has SRTP mandatory
// (mediaenc=srtp-mand) and a plain one in one meeting: after forged packets at every relay port,
// /metrics counts them in vcbridge_srtp_auth_failures_total{endpoint} for the encrypted leg only.
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { TOKENS, rawConnect, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { sleep, until } from '../helpers/wait.js';

type Reply = { result?: any; error?: { message: string } };
const FORGED = 150;
const SUITE = /^(AES_CM_128_HMAC_SHA1_(80|32)|AEAD_AES_128_GCM)$/;

let secure: BaresipRoom;
let plain: BaresipRoom;
let d: RunningDaemon;
const relay = { min: 0, max: 0 };

async function metric(endpoint: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${d.apiPort}/metrics`);
  expect(res.status).toBe(200);
  const name = `vcbridge_srtp_auth_failures_total{endpoint="${endpoint}"} `;
  const line = (await res.text()).split('\n').find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.slice(name.length));
}

/** The daemon's UDP ports in its relay range (each SIP leg's room-facing sockets). */
function daemonRelayPorts(): number[] {
  const out = execFileSync('ss', ['-Hunap'], { encoding: 'utf8' });
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${d.proc.pid},`)) continue;
    const port = Number(/127\.0\.0\.1:(\d+)\s/.exec(line)?.[1] ?? 0);
    if (port >= relay.min && port <= relay.max) ports.add(port);
  }
  return [...ports];
}

beforeAll(async () => {
  secure = await BaresipRoom.start({ name: 'secure', toneHz: 440, audioCodecs: ['PCMA'], mediaenc: 'srtp-mand' });
  plain = await BaresipRoom.start({ name: 'plain', toneHz: 660, audioCodecs: ['PCMA'] });
  const config = testConfig(await freePort(), await freePort(), {
    endpoints: [
      { id: 'secure', name: { zh: '加密', en: 'Secure' }, kind: 'town', uri: secure.uri, codecs: { audio: ['PCMA'] } },
      { id: 'plain', name: { zh: '明文', en: 'Plain' }, kind: 'town', uri: plain.uri, codecs: { audio: ['PCMA'] } },
    ],
  });
  Object.assign(relay, (config.media as { relayPorts: typeof relay }).relayPorts);
  d = await startDaemon({ config });
}, 60_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
  await secure?.stop();
  await plain?.stop();
}, 20_000);

describe('SRTP on the built daemon: /metrics', () => {
  it('forged packets at the encrypted leg are counted in /metrics under its endpoint; the plain leg counts none', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    try {
      const started = (await op.call('conference.start', {
        title: 'srtp metrics',
        endpoints: ['secure', 'plain'],
      })) as Reply;
      expect(started.error).toBeUndefined();
      const parts = async (): Promise<{ endpointId: string; state: string; srtp?: string }[]> =>
        ((await op.call('conference.show', { id: started.result.id })) as Reply).result?.participants ?? [];
      await until(
        'both legs connected',
        async () => (await parts()).filter((x) => x.state === 'connected').length === 2,
        20_000,
      );
      expect((await parts()).find((x) => x.endpointId === 'secure')?.srtp).toMatch(SUITE);
      expect((await parts()).find((x) => x.endpointId === 'plain')?.srtp).toBeUndefined();
      const ports = daemonRelayPorts();
      expect(ports.length).toBe(2 * 4); // audio and video (the bridge offers both), RTP and RTCP, per leg
      const before = await metric('secure');
      const sock = dgram.createSocket('udp4');
      try {
        for (let i = 0; i < FORGED; i++) {
          for (const port of ports) {
            const pkt = Buffer.alloc(80);
            pkt[0] = 0x80;
            pkt[1] = 8;
            pkt.writeUInt16BE(i, 2);
            pkt.writeUInt32BE(i * 160, 4);
            pkt.writeUInt32BE(0x5eed_0000 + i, 8);
            for (let b = 12; b < pkt.length; b++) pkt[b] = (b * 17 + i) & 0xff;
            sock.send(pkt, port, '127.0.0.1');
          }
          if (i % 20 === 19) await sleep(5);
        }
      } finally {
        await sleep(300);
        sock.close();
      }
      // all FORGED at the audio RTP port fail authentication (the audio RTCP port's mostly too, as
      // SRTCP); the video ports carry no SRTP session here (audio-only codecs), so at most 3 x FORGED
      await until('the forged packets counted', async () => (await metric('secure')) - before >= FORGED, 10_000);
      await sleep(500);
      expect((await metric('secure')) - before).toBeLessThanOrEqual(3 * FORGED);
      expect(await metric('plain')).toBe(0);
      expect((await parts()).every((x) => x.state === 'connected')).toBe(true);
    } finally {
      op.close();
    }
  }, 60_000);
});
