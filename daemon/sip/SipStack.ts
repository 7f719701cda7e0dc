// The SIP user agent: transports and transactions from the (patched) npm `sip` package, our
// dialog layer on top. Every new request passes RequestScreen before the library keeps any state
// for it; the stack routes the rest to calls, and offers OPTIONS probes, dialling and registration
// to the layers above.
import { TypedEmitter } from '../util/TypedEmitter.js';
import type { Logger } from '../util/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import {
  createLibStack,
  parseUri,
  type LibStack,
  type NameAddr,
  type Remote,
  type ScreenVerdict,
  type SendHandle,
  type SipMessage,
} from './sipLibrary.js';
import type { CoreConfig, DialogHandler, SipCore } from './SipCore.js';
import { dialogKey } from './SipCore.js';
import { DigestVerifier } from './digest.js';
import { IncomingCall } from './IncomingCall.js';
import { InviteClient, type DialOptions } from './InviteClient.js';
import { Registration, type RegistrationOptions } from './Registration.js';
import { Call } from './Call.js';
import { RequestScreen, statelessReply } from './RequestScreen.js';
import { localResponse, withTimeout } from './requests.js';
import type { OptionsProbeResult } from '../../protocol/index.js';
import { checkInvite, probeOptions } from './probe.js';
import { listenOptions, stackTlsOptions, type SipListen, type SipTlsOptions } from './listen.js';
import { uasSessionTimer } from './SessionTimer.js';
import { logNoDialog } from './noDialog.js';
import { ConnectionGuard } from './ConnectionGuard.js';
import {
  ACCEPT,
  ALLOW,
  SUPPORTED,
  hostFamily,
  seenOf,
  sourceOf,
  tagOf,
  uriString,
  type SipMessageSeen,
  type SipSource,
  type SipTarget,
  type SipTransport,
} from './message.js';

export type { SipListen, SipTlsOptions, SipMessageSeen };
export type { SipStackOptions, SipStats, SipStackEvents } from './stackTypes.js';
import type { SipStackOptions, SipStats, SipStackEvents } from './stackTypes.js';

const NOT_IN_DIALOG = new Set(['BYE', 'UPDATE', 'INFO', 'PRACK']);

export class SipStack extends TypedEmitter<SipStackEvents> implements SipCore {
  readonly log: Logger;
  readonly clock: Clock;
  readonly config: CoreConfig;
  readonly publicHost: string;
  readonly #o: SipStackOptions;
  readonly #dialogs = new Map<string, DialogHandler>();
  readonly #pending = new Map<string, IncomingCall>();
  readonly #registrations = new Set<Registration>();
  readonly #screen: RequestScreen;
  readonly #verifier: DigestVerifier;
  readonly #contacts = new Map<string, NameAddr>();
  #lib!: LibStack;
  #guard!: ConnectionGuard;
  #ports: Partial<Record<SipTransport, number>> = {};
  #family: 4 | 6 | 0 = 0;
  #closed = false;

  /** Listen on every configured transport; VcError PORT_IN_USE when a port is taken. */
  static async start(o: SipStackOptions): Promise<SipStack> {
    const stack = new SipStack(o);
    await stack.#open();
    return stack;
  }

  private constructor(o: SipStackOptions) {
    super();
    this.#o = o;
    this.log = o.log.child({ component: 'sip' });
    this.clock = o.clock ?? systemClock;
    const host = o.listen[0]?.host ?? '127.0.0.1';
    this.publicHost = o.publicHost ?? host;
    this.config = {
      userAgent: o.userAgent,
      timers: { t1: o.timers?.t1 ?? 500, t2: o.timers?.t2 ?? 4000 },
      sessionTimer: o.sessionTimer ?? { expires: 1800, minSE: 90 },
      maxCallSeconds: o.maxCallSeconds ?? 6 * 3600,
      inviteTimeoutMs: o.inviteTimeoutMs ?? 180_000,
    };
    this.#screen = new RequestScreen({
      userAgent: o.userAgent,
      log: this.log,
      clock: this.clock,
      isAllowed: o.isAllowed,
      badMessageRate: o.badMessageRate ?? { perSecond: 20, burst: 40 },
      dialog: (key) => this.#dialogs.get(key),
      hostForUri: () => this.#hostForUri(),
    });
    this.#screen.on('options', (e) => this.emit('options', e));
    this.#screen.on('rejected', (e) => this.emit('rejected', e));
    this.#screen.on('badMessage', (e) => this.emit('badMessage', e));
    this.#verifier = new DigestVerifier({ realm: o.realm ?? o.userAgent, now: () => this.clock.now() });
  }

  async #open(): Promise<void> {
    const base = listenOptions(this.#o.listen);
    this.#family = hostFamily(base.address) || 4;
    const guard = new ConnectionGuard({
      limits: this.#o.connectionLimits,
      isKnown: this.#o.isKnownAddress ?? (() => true),
      log: this.log,
      clock: this.clock,
    });
    this.#guard = guard;
    const lib = createLibStack(
      {
        ...base,
        publicAddress: this.publicHost,
        ...(base.tls ? stackTlsOptions(this.#o.tls) : {}),
        headerTimeout: this.#o.headerTimeoutMs ?? 10_000,
        maxConnections: guard.limits.maxTotal,
        admit: guard.admit,
        screen: (m, remote) => this.#screenRequest(m, remote),
        onBadMessage: (reason, m, remote) => this.#onBad(reason, m, remote),
        logger: {
          error: (e) => this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'SIP library error'),
          transportError: (transport, e) => {
            this.log.debug({ transport, err: e.message }, 'SIP transport error');
            this.emit('transportError', { transport, message: e.message });
          },
        },
      },
      (m, remote) => this.#onMessage(m, remote),
    );
    const ports = await new Promise<Record<string, number>>((resolve, reject) =>
      lib.listening((err, p) => (err ? reject(err) : resolve(p))),
    ).catch((err: Error & { code?: string; protocol?: string }) => {
      lib.destroy();
      const where = this.#o.listen.find((l) => l.transport.toUpperCase() === err.protocol) ?? this.#o.listen[0];
      const at = where
        ? `${where.transport} ${where.host}:${where.port}`
        : this.#o.listen.map((l) => l.transport).join('/');
      throw new VcError(
        err.code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'SIP_FAILED',
        listenFailure(at, err),
        { code: err.code },
        { cause: err },
      );
    });
    this.#lib = lib;
    for (const [k, v] of Object.entries(ports)) this.#ports[k.toLowerCase() as SipTransport] = v;
    this.log.info({ ports: this.#ports, publicHost: this.publicHost }, 'SIP stack listening');
  }

  /** The ports actually bound per transport. */
  get ports(): Readonly<Partial<Record<SipTransport, number>>> {
    return this.#ports;
  }

  stats(): SipStats {
    return {
      ...this.#screen.stats(),
      dialogs: this.#dialogs.size,
      pendingInvites: this.#pending.size,
      connections: this.#guard.stats(),
    };
  }

  /** Probe a peer with OPTIONS (health monitor). Never throws. */
  options(target: SipTarget, { timeoutMs = 2000 }: { timeoutMs?: number } = {}): Promise<OptionsProbeResult> {
    return probeOptions(this, target, timeoutMs);
  }

  /** Place a call; resolves with the Call once answered (VcError SIP_FAILED / SIP_TIMEOUT otherwise). */
  dial(opts: DialOptions): Promise<Call> {
    if (this.#closed) return Promise.reject(new VcError('SIP_FAILED', say('sip.stackClosed')));
    return new InviteClient(this, opts).start();
  }

  /** Register to a registrar and keep the binding fresh; watch registration.on('state'). */
  register(opts: RegistrationOptions): Registration {
    const r = new Registration(this, opts);
    this.#registrations.add(r);
    // on the next tick, so listeners attached right after register() see 'registering'
    process.nextTick(() => r.start());
    return r;
  }

  /** Unregister, hang up remaining calls, refuse pending INVITEs, close the transports. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const calls = [...new Set(this.#dialogs.values())].filter((h): h is Call => h instanceof Call);
    for (const p of [...this.#pending.values()]) p.reject(503, 'Service Unavailable');
    await Promise.allSettled([
      ...[...this.#registrations].map((r) => r.close()),
      ...calls.map((c) => withTimeout(c.hangup('shutdown'), 1000)),
    ]);
    this.#lib.destroy();
  }

  // ---- SipCore (used by calls and registrations) ----

  send(req: SipMessage, onResponse: (rs: SipMessage) => void): SendHandle {
    const fail = (why: string): SendHandle => {
      const rs = localResponse(req, 503, 'Service Unavailable', { transportError: why });
      process.nextTick(() => onResponse(rs));
      return { aborted: false, abort: () => undefined };
    };
    if (this.#closed) return fail('the SIP stack is closed');
    const hop = parseUri(uriString(req.headers.route?.[0]?.uri ?? req.uri!));
    const fam = hop ? hostFamily(hop.host) : 0;
    if (fam && fam !== this.#family)
      return fail(`EAFNOSUPPORT: ${hop!.host} is IPv${fam} but SIP listens on IPv${this.#family} only`);
    try {
      const handle = this.#lib.send(req, (rs) => {
        if (!rs.local) this.#seen('in', rs);
        onResponse(rs);
      });
      this.#seen('out', req);
      return handle;
    } catch (e) {
      return fail((e as Error).message);
    }
  }

  sendAck(ack: SipMessage): void {
    if (this.#closed) return;
    try {
      this.#lib.send(ack);
      this.#seen('out', ack);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'cannot send ACK');
    }
  }

  respond(rs: SipMessage): void {
    if (this.#closed) return;
    this.#lib.send(rs);
    this.#seen('out', rs);
  }

  contact(transport: SipTransport, user = 'vcbridge'): NameAddr {
    const key = transport + ' ' + user;
    let c = this.#contacts.get(key);
    if (!c) {
      const port = this.#ports[transport] ?? this.#ports.udp ?? this.#ports.tcp;
      c = {
        uri: `sip:${user}@${this.#hostForUri()}:${port}${transport === 'udp' ? '' : `;transport=${transport}`}`,
        params: {},
      };
      this.#contacts.set(key, c);
    }
    return { ...c, params: {} };
  }

  addDialog(key: string, handler: DialogHandler): void {
    this.#dialogs.set(key, handler);
  }

  removeDialog(key: string, handler: DialogHandler): void {
    if (this.#dialogs.get(key) === handler) this.#dialogs.delete(key);
  }

  forgetPendingInvite(key: string): void {
    this.#pending.delete(key);
  }

  // ---- incoming ----

  #hostForUri(): string {
    return hostFamily(this.publicHost) === 6 ? `[${this.publicHost}]` : this.publicHost;
  }

  /** Every new request, before the library creates a transaction for it. */
  #screenRequest(m: SipMessage, remote: Remote): ScreenVerdict | undefined {
    if (this.#closed) return {};
    this.#seen('in', m);
    const verdict = this.#screen.decide(m, remote);
    if (verdict?.reply) this.#seen('out', verdict.reply);
    return verdict;
  }

  #seen(direction: 'in' | 'out', m: SipMessage): void {
    if (this.listenerCount('message') > 0) this.emit('message', seenOf(direction, m));
  }

  #onBad(reason: string, m: SipMessage | null, remote: Remote): SipMessage | undefined {
    const rs = this.#screen.onBad(reason, m, remote);
    if (rs) this.#seen('out', rs);
    return rs;
  }

  #reply(m: SipMessage, status: number, reason: string, headers: Record<string, unknown> = {}): void {
    this.respond(statelessReply(m, this.config.userAgent, status, reason, headers));
  }

  #onMessage(m: SipMessage, remote: Remote): void {
    if (this.#closed) return;
    const src = sourceOf(remote);
    const toTag = tagOf(m.headers.to);
    const handler = toTag ? this.#dialogs.get(dialogKey(String(m.headers['call-id']), toTag)) : undefined;
    if (m.method === 'ACK') {
      // ACKs are not screened (no transaction, no answer): the dialog's peer or a configured
      // endpoint only, else dropped unseen — a stranger's ACK must not confirm a call or carry SDP
      if (!handler) return;
      if (handler.isPeer(src) || (this.#o.isKnownAddress?.(src.address) ?? true)) handler.onRequest(m, src);
      else this.#screen.countDropped();
      return;
    }
    if (handler) return handler.onRequest(m, src);
    if (toTag) return this.#noDialog(m, src);
    switch (m.method) {
      case 'INVITE':
        return this.#onInvite(m, src);
      case 'CANCEL':
        return this.#onCancel(m);
      case 'OPTIONS':
        return this.#reply(m, 200, 'OK', { allow: ALLOW, accept: ACCEPT, supported: SUPPORTED });
      default:
        if (NOT_IN_DIALOG.has(m.method!)) return this.#noDialog(m, src);
        if (['REGISTER', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE', 'NOTIFY', 'REFER'].includes(m.method!))
          return this.#reply(m, 405, 'Method Not Allowed', { allow: ALLOW });
        return this.#reply(m, 501, 'Not Implemented', { allow: ALLOW });
    }
  }

  #noDialog(m: SipMessage, src: SipSource): void {
    logNoDialog(this.log, m, src);
    this.#reply(m, 481, 'Call/Transaction Does Not Exist');
  }

  #onInvite(m: SipMessage, src: SipSource): void {
    const decision = this.#screen.decisionFor(m);
    const problem = checkInvite(m, src);
    if (problem) {
      if (problem.bad) this.#screen.noteBad(src, problem.bad, true);
      const warning = problem.warning ? { warning: `399 ${this.#hostForUri()} "${problem.warning}"` } : {};
      return this.#reply(m, problem.status, problem.reason, { ...warning, ...problem.headers });
    }
    const st = uasSessionTimer(m, this.config.sessionTimer);
    if (st.reject) return this.#reply(m, 422, 'Session Interval Too Small', { 'min-se': String(st.minSE) });
    if (decision.action === 'allow' && decision.challenge) {
      const v = this.#verifier.verify(m, decision.challenge);
      if (v !== 'ok') {
        if (v === 'bad')
          this.log.warn(
            { source: `${src.address}:${src.port}`, endpoint: decision.endpointId },
            'dial-in failed digest authentication',
          );
        return this.#reply(m, 401, 'Unauthorized', { 'www-authenticate': [this.#verifier.challenge(v === 'stale')] });
      }
    }
    const pendingKey = String(m.headers['call-id']) + ' ' + String(m.headers.via![0]!.params.branch);
    const call = new IncomingCall({
      core: this,
      request: m,
      source: src,
      endpointId: decision.action === 'allow' ? decision.endpointId : undefined,
      sessionHeaders: st.headers,
      sessionTimer: st.state,
      pendingKey,
    });
    this.#pending.set(pendingKey, call);
    if (this.listenerCount('invite') === 0) return call.reject(480, 'Temporarily Unavailable');
    this.emit('invite', call);
    call.handleUnanswered();
  }

  #onCancel(m: SipMessage): void {
    const key = String(m.headers['call-id']) + ' ' + String(m.headers.via![0]!.params.branch);
    const call = this.#pending.get(key);
    if (!call) return this.#reply(m, 481, 'Call/Transaction Does Not Exist');
    this.#reply(m, 200, 'OK');
    call.handleCancel();
  }
}

/** Why a SIP listener could not be bound, one template per common cause (the raw text otherwise). */
function listenFailure(at: string, err: Error & { code?: string }): string {
  if (err.code === 'EADDRINUSE') return say('sip.listenInUse', { at });
  if (err.code === 'EACCES') return say('sip.listenDenied', { at });
  if (err.code === 'EADDRNOTAVAIL') return say('sip.listenNoAddress', { at });
  return say('sip.cannotListen', { at, detail: err.message });
}
