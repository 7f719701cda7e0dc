// Signed, expiring invitations for browser participants. A token is
//   base64url(JSON claims) "." base64url(HMAC-SHA256(secret, that first part))
// and binds the conference id, the display name, the seat (participant id) and the expiry: change
// any of them and the signature no longer matches. The secret is made once and kept in the store's
// kv table, so links survive a daemon restart; deleting that key revokes every link.
// Live links (watch-only HLS, issue #16) are signed with the same secret under their own domain
// ("live:" is part of what is signed), so a join token is never a live one and the other way round.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';

/** What a valid token says. */
export interface JoinClaims {
  conferenceId: string;
  name: string;
  participantId: string;
  expiresAt: number;
}

/** What a valid live (watch-only) token says. */
export interface LiveClaims {
  conferenceId: string;
  expiresAt: number;
}

/** The bit of the store this needs (Store.kv). */
export interface SecretStore {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

const SECRET_KEY = 'web.joinTokenSecret';
const MAX_TOKEN_CHARS = 2048;
/** What live tokens' signatures cover before the body. */
const LIVE = 'live:';

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export class JoinTokens {
  readonly #secret: Buffer;
  readonly #clock: Clock;

  constructor({ kv, clock = systemClock }: { kv: SecretStore; clock?: Clock }) {
    let hex = kv.get<string>(SECRET_KEY);
    if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) {
      hex = randomBytes(32).toString('hex');
      kv.set(SECRET_KEY, hex);
    }
    this.#secret = Buffer.from(hex, 'hex');
    this.#clock = clock;
  }

  /** A new seat in the conference: its own participant id, valid for `ttlMs`. */
  issue(o: { conferenceId: string; name: string; ttlMs: number; participantId?: string }): {
    token: string;
    claims: JoinClaims;
  } {
    const claims: JoinClaims = {
      conferenceId: o.conferenceId,
      name: o.name,
      participantId: o.participantId ?? `web-${randomBytes(3).toString('hex')}`,
      expiresAt: this.#clock.now() + o.ttlMs,
    };
    const body = b64(
      JSON.stringify({ v: 1, c: claims.conferenceId, n: claims.name, p: claims.participantId, e: claims.expiresAt }),
    );
    return { token: `${body}.${this.#sign(body)}`, claims };
  }

  /** The claims of a genuine, unexpired token; TOKEN_INVALID or TOKEN_EXPIRED otherwise. */
  verify(token: string | null | undefined): JoinClaims {
    const c = this.#open(token, '') as { v?: unknown; c?: unknown; n?: unknown; p?: unknown; e?: unknown };
    if (
      c.v !== 1 ||
      typeof c.c !== 'string' ||
      typeof c.n !== 'string' ||
      typeof c.p !== 'string' ||
      typeof c.e !== 'number'
    ) {
      throw new VcError('TOKEN_INVALID', say('token.format'));
    }
    const claims: JoinClaims = { conferenceId: c.c, name: c.n, participantId: c.p, expiresAt: c.e };
    this.#checkExpiry(claims.expiresAt, claims);
    return claims;
  }

  /** A watch-only link to a conference's live stream, valid for `ttlMs`. */
  issueLive(o: { conferenceId: string; ttlMs: number }): { token: string; claims: LiveClaims } {
    const claims: LiveClaims = { conferenceId: o.conferenceId, expiresAt: this.#clock.now() + o.ttlMs };
    const body = b64(JSON.stringify({ v: 1, k: 'live', c: claims.conferenceId, e: claims.expiresAt }));
    return { token: `${body}.${this.#sign(body, LIVE)}`, claims };
  }

  /** The claims of a genuine, unexpired live token; TOKEN_INVALID or TOKEN_EXPIRED otherwise. */
  verifyLive(token: string | null | undefined): LiveClaims {
    const c = this.#open(token, LIVE) as { v?: unknown; k?: unknown; c?: unknown; e?: unknown };
    if (c.v !== 1 || c.k !== 'live' || typeof c.c !== 'string' || typeof c.e !== 'number')
      throw new VcError('TOKEN_INVALID', say('token.liveFormat'));
    const claims: LiveClaims = { conferenceId: c.c, expiresAt: c.e };
    this.#checkExpiry(claims.expiresAt, claims);
    return claims;
  }

  /** The JSON a genuine token carries (signature checked in constant time), unchecked otherwise. */
  #open(token: string | null | undefined, domain: string): unknown {
    if (!token) throw new VcError('TOKEN_INVALID', say('token.missing'));
    const dot = token.indexOf('.');
    if (token.length > MAX_TOKEN_CHARS || dot <= 0) throw new VcError('TOKEN_INVALID', say('token.malformed'));
    const body = token.slice(0, dot);
    // compare the signature as text, not decoded: base64 has several spellings of one byte string
    // (padding, the standard alphabet, stray bits in the last character), and only ours is genuine
    const given = Buffer.from(token.slice(dot + 1), 'utf8');
    const want = Buffer.from(this.#sign(body, domain), 'utf8');
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      throw new VcError('TOKEN_INVALID', say('token.forged'));
    }
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    } catch (err) {
      // signed by us but unreadable: only a bug of ours can get here
      throw new VcError('TOKEN_INVALID', say('token.unreadable'), undefined, { cause: err });
    }
  }

  #checkExpiry(expiresAt: number, claims: JoinClaims | LiveClaims): void {
    if (this.#clock.now() >= expiresAt) {
      throw new VcError('TOKEN_EXPIRED', say('token.expired', { time: new Date(expiresAt).toISOString() }), {
        claims,
      });
    }
  }

  /** Join tokens sign the bare body (links made before live links existed stay valid). */
  #sign(body: string, domain = ''): string {
    return b64(
      createHmac('sha256', this.#secret)
        .update(domain + body)
        .digest(),
    );
  }
}
