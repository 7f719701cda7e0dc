// HTTP digest authentication for SIP (RFC 3261 22, RFC 2617, RFC 8760): answering a challenge as
// a UAC, and challenging dial-ins as a UAS. The algorithm token is echoed exactly as the server
// wrote it ("MD5", "SHA-256", ...); nonces we hand out are stateless (time + HMAC), so a peer
// that never comes back leaves nothing behind.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthHeader, SipMessage } from './sipLibrary.js';

export interface DigestCredentials {
  username: string;
  password: string;
  /** Only answer challenges for this realm (default: any). */
  realm?: string;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** As the server wrote it; undefined means MD5. */
  algorithm?: string;
  qop: string[];
  stale: boolean;
  /** From a 407 (Proxy-Authenticate) rather than a 401. */
  proxy: boolean;
}

const HASHES: Record<string, 'md5' | 'sha256'> = {
  md5: 'md5',
  'md5-sess': 'md5',
  'sha-256': 'sha256',
  'sha-256-sess': 'sha256',
};

function unq(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

function q(v: string): string {
  return '"' + v.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

function h(alg: 'md5' | 'sha256', s: string): string {
  return createHash(alg).update(s, 'utf8').digest('hex');
}

/** The digest challenges of a 401/407 we can answer, best first (SHA-256 before MD5). */
export function challengesOf(rs: SipMessage): DigestChallenge[] {
  const proxy = rs.status === 407;
  const list = (proxy ? rs.headers['proxy-authenticate'] : rs.headers['www-authenticate']) ?? [];
  const out: DigestChallenge[] = [];
  for (const a of list) {
    if (a.scheme?.toLowerCase() !== 'digest') continue;
    const realm = unq(a.realm);
    const nonce = unq(a.nonce);
    const algorithm = unq(a.algorithm);
    if (realm === undefined || !nonce) continue;
    if (algorithm !== undefined && !(algorithm.toLowerCase() in HASHES)) continue;
    const qop = (unq(a.qop) ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    out.push({
      realm,
      nonce,
      opaque: unq(a.opaque),
      algorithm,
      qop,
      stale: unq(a.stale)?.toLowerCase() === 'true',
      proxy,
    });
  }
  return out.sort((x, y) => rank(y) - rank(x));
}

function rank(c: DigestChallenge): number {
  return (c.algorithm ?? 'md5').toLowerCase().startsWith('sha-256') ? 1 : 0;
}

export interface AuthorizeInput {
  method: string;
  uri: string;
  body?: string;
  nc?: number;
  cnonce?: string;
}

/** Build the Authorization / Proxy-Authorization value answering `ch`. */
export function authorize(ch: DigestChallenge, creds: DigestCredentials, input: AuthorizeInput): AuthHeader {
  const algToken = ch.algorithm;
  const alg = (algToken ?? 'MD5').toLowerCase();
  const hash = HASHES[alg] ?? 'md5';
  const qop = ch.qop.includes('auth') ? 'auth' : ch.qop.includes('auth-int') ? 'auth-int' : undefined;
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  let ha1 = h(hash, `${creds.username}:${ch.realm}:${creds.password}`);
  if (alg.endsWith('-sess')) ha1 = h(hash, `${ha1}:${ch.nonce}:${cnonce}`);
  const ha2 =
    qop === 'auth-int'
      ? h(hash, `${input.method}:${input.uri}:${h(hash, input.body ?? '')}`)
      : h(hash, `${input.method}:${input.uri}`);
  const response = qop
    ? h(hash, `${ha1}:${ch.nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : h(hash, `${ha1}:${ch.nonce}:${ha2}`);
  const a: AuthHeader = {
    scheme: 'Digest',
    username: q(creds.username),
    realm: q(ch.realm),
    nonce: q(ch.nonce),
    uri: q(input.uri),
    response: q(response),
  };
  if (algToken !== undefined) a.algorithm = algToken;
  if (ch.opaque !== undefined) a.opaque = q(ch.opaque);
  if (qop) {
    a.qop = qop;
    a.nc = nc;
    a.cnonce = q(cnonce);
  }
  return a;
}

/**
 * Answer the challenge in `rs` on `rq` (in place): sets Authorization or Proxy-Authorization.
 * False when there is no challenge we can answer (wrong realm, unknown algorithm).
 */
export function signRequest(
  rq: SipMessage,
  rs: SipMessage,
  creds: DigestCredentials,
  uri: string,
  body?: string,
): boolean {
  const ch = challengesOf(rs).find((c) => creds.realm === undefined || c.realm === creds.realm);
  if (!ch) return false;
  const name = ch.proxy ? 'proxy-authorization' : 'authorization';
  rq.headers[name] = [authorize(ch, creds, { method: rq.method ?? '', uri, body })];
  return true;
}

export type VerifyResult = 'ok' | 'missing' | 'stale' | 'bad';

/** Challenges dial-ins and checks their answers. Nonces carry their own time and MAC. */
export class DigestVerifier {
  readonly #realm: string;
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor({ realm, ttlMs = 300_000, now = Date.now }: { realm: string; ttlMs?: number; now?: () => number }) {
    this.#realm = realm;
    this.#secret = randomBytes(32);
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get realm(): string {
    return this.#realm;
  }

  /** A WWW-Authenticate value (MD5 with qop=auth: what room systems support). */
  challenge(stale = false): AuthHeader {
    const ts = this.#now().toString(36);
    const nonce = `${ts}.${this.#mac(ts)}`;
    const a: AuthHeader = { scheme: 'Digest', realm: q(this.#realm), nonce: q(nonce), algorithm: 'MD5', qop: '"auth"' };
    if (stale) a.stale = 'true';
    return a;
  }

  verify(rq: SipMessage, creds: DigestCredentials): VerifyResult {
    const a = (rq.headers.authorization ?? []).find(
      (x) => x.scheme?.toLowerCase() === 'digest' && unq(x.realm) === this.#realm,
    );
    if (!a) return 'missing';
    const username = unq(a.username);
    const nonce = unq(a.nonce) ?? '';
    const uri = unq(a.uri) ?? '';
    const response = unq(a.response) ?? '';
    const algorithm = unq(a.algorithm);
    const qop = unq(a.qop)?.toLowerCase();
    if (username !== creds.username) return 'bad';
    if (algorithm !== undefined && !(algorithm.toLowerCase() in HASHES)) return 'bad';
    const [ts, mac] = nonce.split('.');
    if (!ts || !mac || !safeEqual(mac, this.#mac(ts))) return 'bad';
    const expected = authorize(
      { realm: this.#realm, nonce, algorithm, qop: qop ? [qop] : [], stale: false, proxy: false },
      creds,
      { method: rq.method ?? '', uri, body: rq.content, cnonce: unq(a.cnonce), nc: a.nc ? parseInt(a.nc, 16) : 1 },
    );
    if (!safeEqual(response, unq(expected.response) ?? '')) return 'bad';
    const age = this.#now() - parseInt(ts, 36);
    if (!(age >= 0 && age <= this.#ttlMs)) return 'stale';
    return 'ok';
  }

  #mac(ts: string): string {
    return createHmac('sha256', this.#secret).update(ts).digest('base64url').slice(0, 22);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
