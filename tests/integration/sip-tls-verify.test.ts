// SIP over TLS to rooms verifies the room's certificate: a test CA signs the rooms' certificates,
// the bridge trusts it through sip.tls.ca. A room whose certificate names another address is refused
// with the reason; a self-signed room is refused unless its endpoint opted out (tlsVerify: false).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import type { IncomingCall } from '../../daemon/sip/IncomingCall.js';
import { buildOffer } from '../../daemon/sip/sdp.js';
import { TlsPeers } from '../../daemon/sip/TlsPeers.js';
import { Endpoint } from '../../daemon/config/schema.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { startTestStack } from '../helpers/sipTestStack.js';
import { removeDir, tempDir } from '../peers/proc.js';

const SDP = buildOffer({ address: '127.0.0.1', sessionId: '1', version: 1, audio: { port: 41000, codecs: ['PCMU'] } });
const FAST = { timers: { t1: 50, t2: 400 } };
let dir: string;
const stacks: SipStack[] = [];
const listen = [
  { transport: 'udp' as const, host: '127.0.0.1', port: 0 },
  { transport: 'tls' as const, host: '127.0.0.1', port: 0 },
];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A key and a certificate for `san`, signed by the test CA (or self-signed). */
function leaf(name: string, san: string, selfSigned = false): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  if (selfSigned) {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=${san}`,
    ]);
    return { cert, key };
  }
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${san}\n`);
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '1',
    '-extfile',
    ext,
  ]);
  return { cert, key };
}

async function room(tls: { cert: string; key: string }): Promise<SipStack> {
  const s = await startTestStack({ listen, tls, userAgent: 'room', ...FAST });
  stacks.push(s);
  s.on('invite', (ic: IncomingCall) => void ic.accept(SDP).catch(() => undefined));
  return s;
}

let bridgeCert: { cert: string; key: string };
let good: SipStack;
let wrongName: SipStack;
let selfSigned: SipStack;

beforeAll(async () => {
  dir = tempDir('tls-verify');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    join(dir, 'ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=vcbridge test CA',
  ]);
  bridgeCert = leaf('bridge', 'IP:127.0.0.1');
  good = await room(leaf('good', 'IP:127.0.0.1'));
  wrongName = await room(leaf('wrong', 'DNS:other-room.example,IP:127.0.0.9'));
  selfSigned = await room(leaf('self', 'IP:127.0.0.1', true));
}, 30_000);

afterAll(async () => {
  for (const s of stacks) await s.close();
  removeDir(dir);
});

async function bridge(peerPolicy?: (host: string, port: number) => { verify: boolean } | undefined): Promise<SipStack> {
  const s = await startTestStack({
    listen,
    tls: { ...bridgeCert, ca: join(dir, 'ca.pem'), ...(peerPolicy ? { peerPolicy } : {}) },
    userAgent: 'bridge',
    ...FAST,
  });
  stacks.push(s);
  return s;
}

const target = (s: SipStack) => ({ uri: `sip:room@127.0.0.1:${s.ports.tls}`, transport: 'tls' as const });

describe('SIP over TLS: certificates of rooms are verified', () => {
  it('a room with a certificate from the site CA for its address: OPTIONS and a call go through', async () => {
    const b = await bridge();
    expect(await b.options(target(good))).toMatchObject({ ok: true, server: 'room' });
    const call = await b.dial({ target: target(good), sdpOffer: SDP, ringTimeoutMs: 5000 });
    expect(call.remoteSdp).toContain('m=audio');
    await call.hangup();
  });

  it('a certificate for another name is refused with the reason; no call is placed', async () => {
    const b = await bridge();
    await expect(b.dial({ target: target(wrongName), sdpOffer: SDP, ringTimeoutMs: 5000 })).rejects.toThrow(
      "failed: transport (TLS: the room's certificate is for another name or address [ERR_TLS_CERT_ALTNAME_INVALID])",
    );
    // a second stack: the library keeps a refused connection for a moment and would say ECONNRESET
    const r = await (await bridge()).options(target(wrongName));
    expect(r.ok).toBe(false);
    expect(r.reason).toBe("TLS: the room's certificate is for another name or address [ERR_TLS_CERT_ALTNAME_INVALID]");
  });

  it('a self-signed room is refused by default and accepted when its endpoint opts out (tlsVerify: false)', async () => {
    const strict = await bridge();
    const r = await strict.options(target(selfSigned));
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/TLS: the room's certificate is self-signed .*\[DEPTH_ZERO_SELF_SIGNED_CERT\]/);
    const peers = new TlsPeers(silentLogger());
    await peers.update([
      Endpoint.parse({
        id: 'oldroom',
        name: { zh: 'x', en: 'x' },
        kind: 'town',
        uri: `sip:room@127.0.0.1:${selfSigned.ports.tls}`,
        transport: 'tls',
        tlsVerify: false,
      }),
    ]);
    const lax = await bridge(peers.policy);
    expect(await lax.options(target(selfSigned))).toMatchObject({ ok: true, server: 'room' });
    // the opt-out is for that room only: the wrong-name room is still refused by the same stack
    expect((await lax.options(target(wrongName))).ok).toBe(false);
  });
});
