// SDES (RFC 4568) a=crypto attributes: parsing what a room sends, refusing with a reason what the
// bridge cannot honour, and writing ours. Key material stays in SdesKey.key (a Buffer) so the
// objects that carry it can keep it out of logs; only the SDP text itself holds it in base64.
import { randomBytes } from 'node:crypto';
import { say } from '../../protocol/index.js';

/** Suites we can write or read; which of them the media layer can run is passed in by the caller. */
export const SDES_SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM'] as const;
export type SdesSuite = (typeof SDES_SUITES)[number];

/** Master key + salt bytes per suite (RFC 4568 6.2, RFC 7714 12). */
const KEY_BYTES: Record<SdesSuite, number> = {
  AES_CM_128_HMAC_SHA1_80: 30,
  AES_CM_128_HMAC_SHA1_32: 30,
  AEAD_AES_128_GCM: 28,
};
/** The most packets one master key may protect (RFC 3711 9.2: 2^48 for SRTP). */
export const MAX_KEY_LIFETIME = 2 ** 48;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface SdesKey {
  tag: number;
  suite: SdesSuite;
  /** Master key followed by the master salt. */
  key: Buffer;
  /** Packets the key may protect (the a=crypto lifetime, default the suite's maximum). */
  lifetime: number;
  /** SRTP replay window from WSH=, if the room sent one. */
  windowSize?: number;
}

export type CryptoVerdict = { ok: SdesKey } | { refused: string };

/** A fresh random key for one suite (one per leg, per m-line, per re-key). */
export function newSdesKey(tag: number, suite: SdesSuite): SdesKey {
  return { tag, suite, key: randomBytes(KEY_BYTES[suite]), lifetime: MAX_KEY_LIFETIME };
}

/** The a=crypto value of one of our keys, for sdp-transform (id, suite, config). */
export function cryptoAttr(k: SdesKey): { id: number; suite: string; config: string } {
  return { id: k.tag, suite: k.suite, config: `inline:${k.key.toString('base64')}` };
}

function lifetimeOf(s: string): number | undefined {
  const pow = /^2\^(\d{1,2})$/.exec(s);
  if (pow) return 2 ** Number(pow[1]);
  return /^\d{1,15}$/.test(s) ? Number(s) : undefined;
}

/**
 * One a=crypto attribute as sdp-transform parsed it. `suites` are those the media layer runs.
 * Refused (with the reason): unknown suites, malformed or wrong-length keys, several keys, MKI,
 * a lifetime beyond the suite's limit, and session parameters that change SRTP's processing.
 */
export function parseCryptoAttr(
  a: { id: number | string; suite: string; config: string; sessionConfig?: string },
  suites: readonly string[],
): CryptoVerdict {
  const tag = Number(a.id);
  const name = { tag: String(a.id), suite: a.suite };
  if (!Number.isInteger(tag) || tag < 0 || tag > 999_999_999) return { refused: say('sdp.cryptoTag', name) };
  if (!(SDES_SUITES as readonly string[]).includes(a.suite) || !suites.includes(a.suite))
    return { refused: say('sdp.cryptoSuite', name) };
  const suite = a.suite as SdesSuite;
  const params = String(a.config ?? '');
  if (params.includes(';')) return { refused: say('sdp.cryptoKeys', name) };
  if (!params.startsWith('inline:')) return { refused: say('sdp.cryptoMethod', name) };
  const [b64 = '', ...rest] = params.slice(7).split('|');
  if (!B64.test(b64)) return { refused: say('sdp.cryptoBase64', name) };
  const key = Buffer.from(b64, 'base64');
  if (key.length !== KEY_BYTES[suite])
    return { refused: say('sdp.cryptoLength', { ...name, bytes: key.length, need: KEY_BYTES[suite] }) };
  let lifetime = MAX_KEY_LIFETIME;
  for (const p of rest) {
    if (p.includes(':')) return { refused: say('sdp.cryptoMki', { ...name, mki: p }) };
    const n = lifetimeOf(p);
    if (n === undefined || n < 1) return { refused: say('sdp.cryptoLifetime', { ...name, lifetime: p }) };
    if (n > MAX_KEY_LIFETIME) return { refused: say('sdp.cryptoLifetimeLong', { ...name, lifetime: p }) };
    lifetime = n;
  }
  let windowSize: number | undefined;
  for (const sp of String(a.sessionConfig ?? '')
    .split(/\s+/)
    .filter(Boolean)) {
    const wsh = /^WSH=(\d{1,5})$/.exec(sp);
    if (wsh) windowSize = Math.min(32_768, Math.max(64, Number(wsh[1])));
    else if (sp === 'KDR=0' || sp === 'FEC_ORDER=FEC_SRTP')
      continue; // what we do anyway
    else return { refused: say('sdp.cryptoParam', { ...name, param: sp }) };
  }
  return { ok: { tag, suite, key, lifetime, ...(windowSize ? { windowSize } : {}) } };
}

/** The first attribute (in the room's order) we can honour, or every reason why none. */
export function chooseCrypto(
  attrs: readonly Parameters<typeof parseCryptoAttr>[0][],
  suites: readonly string[],
): CryptoVerdict {
  const reasons: string[] = [];
  for (const a of attrs) {
    const v = parseCryptoAttr(a, suites);
    if ('ok' in v) return v;
    reasons.push(v.refused);
  }
  return { refused: reasons.length ? reasons.join('; ') : say('sdp.cryptoNone') };
}
