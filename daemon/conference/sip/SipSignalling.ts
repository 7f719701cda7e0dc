// The conference layer's Signalling over the SIP stack: dial with our SDP offer, negotiate the
// answer into media descriptions, adapt incoming INVITEs, and keep the upstream's registration
// (one Registration per endpoint that has `register` in the site config; its state is re-emitted
// for the health layer and the API's endpoint.registration notification).
import type { Endpoint } from '../../config/schema.js';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { VcError, toVcError } from '../../errors.js';
import { say } from '../../../protocol/index.js';
import { resolveCredentials } from '../../config/validate.js';
import type { DigestCredentials } from '../../sip/digest.js';
import type { IncomingCall } from '../../sip/IncomingCall.js';
import type { Registration, RegistrationSnapshot } from '../../sip/Registration.js';
import type { SipStack } from '../../sip/SipStack.js';
import { parseUri } from '../../sip/message.js';
import { answerFor, negotiateFor, offerFor, toMediaNegotiated } from './sipMedia.js';
import { SipCall } from './SipCall.js';
import { LegSdes } from './sipSrtp.js';
import type { DialRequest, IncomingSignal, SignalCall, Signalling } from '../Signalling.js';

export interface SipSignallingOptions {
  stack: Pick<SipStack, 'dial' | 'register' | 'on' | 'off' | 'publicHost'>;
  log: Logger;
  /** CANCEL an unanswered INVITE after this long (default 45 s). */
  ringTimeoutMs?: number;
  /** How long register() waits for the registrar (default 10 s). */
  registerTimeoutMs?: number;
  /** A Registration the daemon already keeps for this endpoint (shared rather than duplicated). */
  registrationFor?: (endpointId: string) => Registration | undefined;
}

export interface RegistrationChange {
  endpointId: string;
  state: 'registering' | 'registered' | 'failed' | 'none';
  reason?: string;
}

type SignallingEvents = { registration: [RegistrationChange] };

export class SipSignalling extends TypedEmitter<SignallingEvents> implements Signalling {
  readonly #o: SipSignallingOptions;
  readonly #log: Logger;
  readonly #regs = new Map<string, Registration>();
  readonly #handlers = new Set<(c: IncomingSignal) => void>();
  readonly #onInvite = (ic: IncomingCall): void => this.#incoming(ic);

  constructor(o: SipSignallingOptions) {
    super();
    this.#o = o;
    this.#log = o.log.child({ component: 'conference.signalling' });
    o.stack.on('invite', this.#onInvite);
  }

  async dial(req: DialRequest): Promise<SignalCall> {
    const ep = req.endpoint;
    const sdes = new LegSdes(ep.srtp ?? 'optional');
    const invite = (): ReturnType<SipSignallingOptions['stack']['dial']> =>
      this.#o.stack.dial({
        target: { uri: ep.uri, transport: ep.transport },
        from: fromFor(ep, this.#o.stack.publicHost),
        credentials: credentialsOf(ep),
        sdpOffer: offerFor(ep, req.local, {}, sdes),
        signal: req.signal,
        ringTimeoutMs: this.#o.ringTimeoutMs ?? 45_000,
        endpointId: ep.id,
        onProgress: (p) => {
          if (p.state === 'calling') req.onProgress({ state: 'calling' });
          else if (p.state === 'ringing' || p.state === 'early') req.onProgress({ state: 'ringing' });
        },
      });
    let call;
    try {
      call = await invite();
    } catch (err) {
      // keys on RTP/AVP refused (488): a room with mandatory encryption wants RTP/SAVP
      const e = toVcError(err);
      if ((e.details as { status?: number } | undefined)?.status !== 488 || !sdes.preferSavp()) throw e;
      this.#log.info({ endpoint: ep.id }, '488 to the best-effort SRTP offer: offering RTP/SAVP');
      call = await invite();
    }
    try {
      const neg = negotiateFor(ep, call.remoteSdp);
      if (neg.rejected.length)
        this.#log.info(
          { endpoint: ep.id, callId: call.callId, rejected: neg.rejected },
          'media lines of the answer not used',
        );
      sdes.takeAnswer(neg);
      return new SipCall(call, ep, req.local, toMediaNegotiated(neg, sdes), this.#o.log, sdes);
    } catch (err) {
      // Answered with media we cannot use: hang up rather than sit in a silent call.
      await call
        .hangup('488 no usable media in the answer')
        .catch((e: unknown) => this.#log.debug({ err: e }, 'BYE failed'));
      throw toVcError(err, 'SDP_NO_COMMON_CODEC');
    }
  }

  onIncoming(handler: (call: IncomingSignal) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Registered to the endpoint's registrar: resolves at once when already registered. */
  async register(ep: Endpoint): Promise<void> {
    let reg = this.#o.registrationFor?.(ep.id) ?? this.#regs.get(ep.id);
    if (!reg) {
      reg = this.#createRegistration(ep);
      this.#regs.set(ep.id, reg);
    }
    if (reg.state.state === 'registered') return;
    const r = reg;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        r.off('state', on);
        reject(
          new VcError(
            'SIP_TIMEOUT',
            r.state.reason
              ? say('sip.regNotConfirmed', { id: ep.id, reason: r.state.reason })
              : say('sip.regPending', { id: ep.id }),
            { status: r.state.status },
          ),
        );
      }, this.#o.registerTimeoutMs ?? 10_000);
      const on = (s: RegistrationSnapshot): void => {
        if (s.state === 'registered') {
          clearTimeout(timer);
          r.off('state', on);
          resolve();
        } else if (s.state === 'failed' && s.failures >= 2) {
          clearTimeout(timer);
          r.off('state', on);
          reject(
            new VcError(
              'SIP_FAILED',
              s.reason
                ? say('sip.regFailed', { id: ep.id, reason: s.reason })
                : say('sip.regFailedUnknown', { id: ep.id }),
              { status: s.status },
            ),
          );
        }
      };
      r.on('state', on);
    });
  }

  registrationState(endpointId: string): RegistrationSnapshot | undefined {
    return this.#regs.get(endpointId)?.state;
  }

  /** Unregister (Expires: 0) and stop listening for INVITEs. */
  async close(): Promise<void> {
    this.#o.stack.off('invite', this.#onInvite);
    await Promise.allSettled([...this.#regs.values()].map((r) => r.close()));
    this.#regs.clear();
  }

  #createRegistration(ep: Endpoint): Registration {
    const u = parseUri(ep.uri);
    if (!u) throw new VcError('CONFIG_INVALID', say('sip.cannotRegister', { id: ep.id, uri: ep.uri }));
    const hostPort = `${u.host}${u.port ? `:${u.port}` : ''}`;
    const reg = this.#o.stack.register({
      registrar: { uri: `sip:${hostPort}`, transport: ep.transport },
      aor: `sip:${ep.credentials?.username ?? u.user ?? 'vcbridge'}@${hostPort}`,
      credentials: credentialsOf(ep),
      expires: ep.register?.expires ?? 600,
    });
    reg.on('state', (s) => {
      const state = s.state === 'unregistered' ? 'none' : s.state;
      this.emit('registration', { endpointId: ep.id, state, ...(s.reason ? { reason: s.reason } : {}) });
    });
    return reg;
  }

  #incoming(ic: IncomingCall): void {
    const handler = [...this.#handlers][0];
    if (!handler) return ic.reject(480, 'Temporarily Unavailable');
    const sig: IncomingSignal = {
      callId: ic.callId,
      endpointId: ic.endpointId,
      fromUri: ic.from.uri,
      ring: () => ic.ring(),
      reject: (status, reason) => ic.reject(status, reason),
      accept: async (local, ep) => {
        let sdes: LegSdes;
        try {
          sdes = new LegSdes(ep.srtp ?? 'optional');
        } catch (err) {
          ic.reject(488, 'Not Acceptable Here');
          throw err;
        }
        if (!ic.offer) {
          // Delayed offer: our offer goes in the 200, the room's answer comes in the ACK.
          const call = await ic.accept(offerFor(ep, local, {}, sdes), { credentials: credentialsOf(ep) });
          const answer = negotiateFor(ep, call.remoteSdp);
          sdes.takeAnswer(answer);
          return new SipCall(call, ep, local, toMediaNegotiated(answer, sdes), this.#o.log, sdes);
        }
        let neg;
        try {
          neg = negotiateFor(ep, ic.offer);
        } catch (err) {
          ic.reject(488, 'Not Acceptable Here');
          throw err;
        }
        const call = await ic.accept(answerFor(neg, local, {}, sdes), { credentials: credentialsOf(ep) });
        return new SipCall(call, ep, local, toMediaNegotiated(neg, sdes), this.#o.log, sdes);
      },
    };
    handler(sig);
  }
}

function credentialsOf(ep: Endpoint): DigestCredentials | undefined {
  const c = ep.credentials;
  return resolveCredentials(c);
}

/** Our identity towards an endpoint: the account we hold there (the upstream), else the bridge's. */
function fromFor(ep: Endpoint, publicHost: string): string | undefined {
  if (!ep.credentials) return undefined;
  const u = parseUri(ep.uri);
  return u
    ? `sip:${ep.credentials.username}@${u.host}${u.port ? `:${u.port}` : ''}`
    : `sip:${ep.credentials.username}@${publicHost}`;
}
