// REGISTER to the upstream (RFC 3261 10): digest retry, refresh before expiry, re-register with
// exponential back-off after a failure, state events for the health layer and the console.
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { Logger } from '../util/logger.js';
import type { Timer } from '../util/clock.js';
import { say } from '../../protocol/index.js';
import type { SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import type { DigestCredentials } from './digest.js';
import { failureKind, sendRequest } from './requests.js';
import { REGISTER_EXPIRES, clamp, peerSeconds } from './limits.js';
import {
  answerText,
  header,
  newCallId,
  newTag,
  parseNameAddr,
  routableUri,
  uriString,
  type SipTarget,
} from './message.js';

export interface RegistrationOptions {
  /** The registrar (its URI is the Request-URI, e.g. sip:zhengzhou.example:5060). */
  registrar: SipTarget;
  /** Address of record: sip:user@domain (To and From). */
  aor: string;
  credentials?: DigestCredentials;
  /** Requested expiry in seconds (config register.expires). */
  expires: number;
  /** User part of our Contact (default: the AOR's user). */
  contactUser?: string;
  /** Back-off after failures (default 1 s doubling to 60 s, ±20 % jitter). */
  retry?: { minMs: number; maxMs: number };
  /** How long to wait for each REGISTER (default 8 s). */
  timeoutMs?: number;
}

export type RegistrationStatus = 'registering' | 'registered' | 'failed' | 'unregistered';

/** Where one registration stands (its `state` event); the API shows only `state`, as protocol RegistrationState. */
export interface RegistrationSnapshot {
  state: RegistrationStatus;
  reason?: string;
  status?: number;
  /** ms since epoch when the binding runs out (registered). */
  expiresAt?: number;
  /** Consecutive failures. */
  failures: number;
}

export class Registration extends TypedEmitter<{ state: [RegistrationSnapshot] }> {
  readonly #core: SipCore;
  readonly #o: RegistrationOptions;
  readonly #log: Logger;
  readonly #callId = newCallId();
  readonly #tag = newTag();
  #seq = 0;
  #timer: Timer | undefined;
  #state: RegistrationSnapshot = { state: 'unregistered', failures: 0 };
  #closed = false;
  #inFlight = false;

  constructor(core: SipCore, opts: RegistrationOptions) {
    super();
    routableUri(opts.registrar.uri, opts.registrar.transport, 'registrar');
    parseNameAddr(opts.aor);
    this.#core = core;
    this.#o = opts;
    this.#log = core.log.child({ component: 'sip-register', aor: opts.aor });
  }

  get state(): RegistrationSnapshot {
    return this.#state;
  }

  start(): void {
    if (this.#closed) return;
    void this.#register();
  }

  /** REGISTER now instead of at the next refresh: the registrar was seen coming back (it may have
   *  restarted and forgotten the binding). No-op while one is in flight. */
  refreshNow(): void {
    if (this.#closed || this.#inFlight) return;
    this.#core.clock.clearTimeout(this.#timer);
    void this.#register();
  }

  /** Stop refreshing and remove the binding (Expires: 0), best effort. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.clock.clearTimeout(this.#timer);
    if (this.#state.state === 'registered') {
      const rs = await sendRequest(this.#core, () => this.#request(0), {
        credentials: this.#o.credentials,
        timeoutMs: 2000,
      });
      this.#log.debug({ status: rs.status }, 'unregistered');
    }
    this.#set({ state: 'unregistered', failures: 0 });
  }

  #request(expires: number): SipMessage {
    const aor = parseNameAddr(this.#o.aor);
    const user = this.#o.contactUser ?? parseUriUser(uriString(aor.uri));
    return {
      method: 'REGISTER',
      uri: routableUri(this.#o.registrar.uri, this.#o.registrar.transport, 'registrar'),
      headers: {
        to: { uri: uriString(aor.uri), params: {} },
        from: { uri: uriString(aor.uri), params: { tag: this.#tag } },
        'call-id': this.#callId,
        cseq: { seq: ++this.#seq, method: 'REGISTER' },
        contact: [this.#core.contact(this.#o.registrar.transport, user)],
        expires: String(expires),
        'max-forwards': '70',
        'user-agent': this.#core.config.userAgent,
      },
    };
  }

  async #register(): Promise<void> {
    if (this.#inFlight || this.#closed) return;
    this.#inFlight = true;
    this.#set({ ...this.#state, state: this.#state.state === 'registered' ? 'registered' : 'registering' });
    let rs: SipMessage;
    try {
      rs = await sendRequest(this.#core, () => this.#request(this.#o.expires), {
        credentials: this.#o.credentials,
        timeoutMs: this.#o.timeoutMs ?? 8000,
      });
    } catch (e) {
      this.#inFlight = false;
      return this.#failed((e as Error).message);
    }
    this.#inFlight = false;
    if (this.#closed) return;
    const st = rs.status ?? 0;
    if (st >= 200 && st < 300) {
      const granted = this.#grantedExpiry(rs);
      const now = this.#core.clock.now();
      this.#set({ state: 'registered', status: st, expiresAt: now + granted * 1000, failures: 0 });
      // refresh well before the binding runs out
      const refreshIn = Math.max(granted * 500, (granted - 60) * 1000, 1000);
      this.#schedule(Math.max(500, Math.min(refreshIn, (granted - 1) * 1000)));
      return;
    }
    const kind = failureKind(rs);
    const reason = kind
      ? kind === 'timeout'
        ? say('sip.regNoAnswer')
        : kind === 'dns'
          ? say('sip.regNoDns')
          : say('sip.regUnreachable', { detail: rs.transportError ?? kind })
      : st === 401 || st === 407
        ? say('sip.regAuthFailed', { answer: answerText(st, rs.reason) })
        : answerText(st, rs.reason);
    this.#failed(reason, kind ? undefined : st);
  }

  #failed(reason: string, status?: number): void {
    const failures = this.#state.failures + 1;
    this.#set({ state: 'failed', reason, ...(status !== undefined ? { status } : {}), failures });
    this.#log.warn({ reason, status, failures }, 'registration failed');
    const { minMs, maxMs } = this.#o.retry ?? { minMs: 1000, maxMs: 60_000 };
    const base = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 20));
    this.#schedule(base * (0.8 + Math.random() * 0.4));
  }

  #schedule(ms: number): void {
    this.#core.clock.clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = this.#core.clock.setTimeout(() => void this.#register(), ms);
  }

  #grantedExpiry(rs: SipMessage): number {
    const mine = this.#core.contact(this.#o.registrar.transport).uri;
    const contacts = Array.isArray(rs.headers.contact) ? rs.headers.contact : [];
    const match = contacts.find((c) => sameContact(uriString(c.uri), uriString(mine)));
    // the registrar's numbers are clamped (REGISTER_EXPIRES; never below what we asked for, when
    // that is less): neither a REGISTER storm nor a timer overflow
    const range = { min: Math.min(REGISTER_EXPIRES.min, this.#o.expires), max: REGISTER_EXPIRES.max };
    const granted = (raw: unknown): number | undefined => {
      const n = peerSeconds(raw, { min: 0, max: range.max });
      return n ? clamp(n, range) : undefined;
    };
    return granted(match?.params?.expires) ?? granted(header(rs, 'expires')) ?? this.#o.expires;
  }

  #set(s: RegistrationSnapshot): void {
    const changed =
      s.state !== this.#state.state ||
      s.status !== this.#state.status ||
      s.reason !== this.#state.reason ||
      s.expiresAt !== this.#state.expiresAt;
    this.#state = s;
    if (changed) this.emit('state', s);
  }
}

function parseUriUser(uri: string): string | undefined {
  return /^sips?:([^@;:]+)@/i.exec(uri)?.[1];
}

/** Same host:port (and user) — registrars may reorder or drop URI parameters. */
function sameContact(a: string, b: string): boolean {
  const strip = (u: string): string =>
    u
      .replace(/^sips?:/i, '')
      .split(';')[0]!
      .toLowerCase();
  return strip(a) === strip(b) || strip(a).split('@').pop() === strip(b).split('@').pop();
}
