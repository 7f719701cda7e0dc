// The SIP stack's door: every new request is judged here before the library keeps any state for
// it (no transaction, no timer). Malformed requests get a budgeted 400/416/505, strangers the
// allow-list's 403 or silence, unsupported Require a 420, out-of-dialog OPTIONS a stateless 200;
// the rest go on to the stack with the access decision remembered for the INVITE handler.
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { Logger } from '../util/logger.js';
import type { Clock } from '../util/clock.js';
import { RateLimiter } from '../util/RateLimiter.js';
import { makeResponse, parseUri, type Remote, type ScreenVerdict, type SipMessage } from './sipLibrary.js';
import type { DialogHandler } from './SipCore.js';
import { dialogKey } from './SipCore.js';
import type { AllowDecision } from './AccessControl.js';
import {
  ACCEPT,
  ALLOW,
  KNOWN_METHODS,
  SUPPORTED,
  newTag,
  sourceOf,
  tagOf,
  tokens,
  uriString,
  type SipSource,
} from './message.js';
import type { SipStackEvents, SipStats } from './stackTypes.js';

export const ALLOW_ALL: AllowDecision = { action: 'allow' };
const SUPPORTED_SET = new Set(SUPPORTED.split(',').map((t) => t.trim().toLowerCase()));

export type ScreenEvents = Pick<SipStackEvents, 'options' | 'rejected' | 'badMessage'>;

export interface RequestScreenOptions {
  userAgent: string;
  log: Logger;
  clock: Clock;
  /** Access control for new requests (default: everyone allowed). */
  isAllowed?: (src: SipSource, msg: SipMessage) => AllowDecision;
  /** Budget per source for answers to malformed messages. */
  badMessageRate: { perSecond: number; burst: number };
  /** The dialog a request with this Call-ID and our tag belongs to, if any. */
  dialog: (key: string) => DialogHandler | undefined;
  /** Host for a URI (IPv6 in brackets), for Warning headers. */
  hostForUri: () => string;
}

/** An answer that keeps no state: the To tag is made up when the request has none. */
export function statelessReply(
  m: SipMessage,
  userAgent: string,
  status: number,
  reason: string,
  headers: Record<string, unknown> = {},
): SipMessage {
  const to = m.headers.to!;
  const rs = makeResponse(m, status, reason, {
    headers: {
      to: { ...to, params: { ...to.params, tag: tagOf(to) ?? newTag() } },
      'user-agent': userAgent,
      ...headers,
    },
  });
  rs.version = '2.0';
  return rs;
}

export class RequestScreen extends TypedEmitter<ScreenEvents> {
  readonly #o: RequestScreenOptions;
  readonly #log: Logger;
  readonly #decisions = new WeakMap<SipMessage, AllowDecision>();
  readonly #badLimiter: RateLimiter;
  readonly #badLogOnce: RateLimiter;
  readonly #stats = {
    requestsIn: {} as Record<string, number>,
    optionsAnswered: 0,
    rejected: 0,
    dropped: 0,
    badMessages: 0,
  };

  constructor(o: RequestScreenOptions) {
    super();
    this.#o = o;
    this.#log = o.log;
    this.#badLimiter = new RateLimiter({ ...o.badMessageRate, clock: o.clock });
    this.#badLogOnce = new RateLimiter({ perSecond: 1 / 60, burst: 1, clock: o.clock });
  }

  stats(): Pick<SipStats, 'requestsIn' | 'optionsAnswered' | 'rejected' | 'dropped' | 'badMessages'> {
    return { ...this.#stats, requestsIn: { ...this.#stats.requestsIn } };
  }

  /** The allow-list's decision for a request that passed (ALLOW_ALL when there was nothing to keep). */
  decisionFor(m: SipMessage): AllowDecision {
    return this.#decisions.get(m) ?? ALLOW_ALL;
  }

  /** A message dropped unseen after screening (a stranger's ACK). */
  countDropped(): void {
    this.#stats.dropped++;
  }

  /** Judge a new request; undefined lets it through to the library. */
  decide(m: SipMessage, remote: Remote): ScreenVerdict | undefined {
    const src = sourceOf(remote);
    const method = m.method!;
    const counted = KNOWN_METHODS.has(method) ? method : 'other'; // a peer must not grow this map
    this.#stats.requestsIn[counted] = (this.#stats.requestsIn[counted] ?? 0) + 1;
    if (m.version !== '2.0') return this.#badReply(m, src, 505, 'Version Not Supported');
    const ruri = parseUri(uriString(m.uri ?? ''));
    if (!ruri) {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uriString(m.uri ?? ''))?.[1]?.toLowerCase();
      const bad = scheme && scheme !== 'sip' && scheme !== 'sips';
      return this.#badReply(m, src, bad ? 416 : 400, bad ? 'Unsupported URI Scheme' : 'Bad Request-URI');
    }
    if (!parseUri(uriString(m.headers.from!.uri)) || !parseUri(uriString(m.headers.to!.uri)))
      return this.#badReply(m, src, 400, 'Bad From or To URI');
    const toTag = tagOf(m.headers.to);
    const dialog = toTag ? this.#o.dialog(dialogKey(String(m.headers['call-id']), toTag)) : undefined;
    // a request inside one of our dialogs is the dialog's business when it comes from the dialog's
    // peer; from anywhere else it must pass the allow-list like any other (Call-ID and tags are
    // not secrets: they travel in clear)
    if (dialog?.isPeer(src)) return this.#extensions(m, src);
    const decision = this.#o.isAllowed ? this.#o.isAllowed(src, m) : ALLOW_ALL;
    if (dialog && decision.action === 'allow') return this.#extensions(m, src);
    if (decision.action !== 'allow') {
      const stream = src.transport !== 'udp';
      if (decision.action === 'drop') {
        this.#stats.dropped++;
        this.emit('rejected', { source: src, method, action: 'drop' });
        return { close: stream };
      }
      this.#stats.rejected++;
      this.emit('rejected', { source: src, method, action: 'reject' });
      return { reply: this.#reply(m, decision.status ?? 403, decision.reason ?? 'Forbidden'), close: stream };
    }
    const unsupported = this.#extensions(m, src);
    if (unsupported) return unsupported;
    if (method === 'OPTIONS' && !toTag) {
      // answered statelessly: a probe costs no transaction, no timers
      this.#stats.optionsAnswered++;
      this.emit('options', { source: src, endpointId: decision.endpointId });
      return {
        reply: this.#reply(m, 200, 'OK', {
          allow: ALLOW,
          accept: ACCEPT,
          supported: SUPPORTED,
          server: this.#o.userAgent,
        }),
      };
    }
    if (decision !== ALLOW_ALL) this.#decisions.set(m, decision);
    return undefined;
  }

  /** A message the library could not parse (or that broke a limit); the 400 to send, if any. */
  onBad(reason: string, m: SipMessage | null, remote: Remote): SipMessage | undefined {
    const src = sourceOf(remote);
    const canReply = Boolean(
      m && m.method && m.method !== 'ACK' && Array.isArray(m.headers.via) && m.headers.via.length,
    );
    const reply = canReply && this.#badLimiter.take(src.address);
    this.noteBad(src, reason, reply);
    if (!reply) return undefined;
    const warning = `399 ${this.#o.hostForUri()} "${reason.replace(/[^\x20-\x7e]|"/g, '?').slice(0, 120)}"`;
    return makeResponse(m!, 400, 'Bad Request', { headers: { warning, 'user-agent': this.#o.userAgent } });
  }

  /** Count a malformed message, log it (once a minute per source) and tell the listeners. */
  noteBad(src: SipSource, reason: string, replied: boolean): void {
    this.#stats.badMessages++;
    if (this.#badLogOnce.take(src.address))
      this.#log.info(
        { source: `${src.address}:${src.port}`, transport: src.transport, reason },
        'malformed SIP message (logged at most once a minute per source)',
      );
    this.emit('badMessage', { source: src, reason, replied });
  }

  /** RFC 3261 8.2.2.3: a Require naming an extension we lack gets 420 listing it (ACK and CANCEL
   *  excepted; Proxy-Require is for proxies). */
  #extensions(m: SipMessage, src: SipSource): ScreenVerdict | undefined {
    if (m.method === 'ACK' || m.method === 'CANCEL') return undefined;
    const unsupported = tokens(m, 'require').filter((t) => !SUPPORTED_SET.has(t));
    if (!unsupported.length) return undefined;
    if (!this.#badLimiter.take(src.address)) return {};
    return {
      reply: this.#reply(m, 420, 'Bad Extension', {
        unsupported: unsupported
          .join(', ')
          .replace(/[^\x21-\x7e, ]/g, '?')
          .slice(0, 200),
      }),
    };
  }

  #badReply(m: SipMessage, src: SipSource, status: number, reason: string): ScreenVerdict {
    this.noteBad(src, reason, true);
    return this.#badLimiter.take(src.address) ? { reply: this.#reply(m, status, reason) } : {};
  }

  #reply(m: SipMessage, status: number, reason: string, headers: Record<string, unknown> = {}): SipMessage {
    return statelessReply(m, this.#o.userAgent, status, reason, headers);
  }
}
