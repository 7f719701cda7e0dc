// SRTP for one RtpRelay: unprotect what the room sends before the relay reads it, protect what goes
// to the room after the relay rewrote it. A packet that fails is dropped and counted here (and
// reported on srtpEvents for /metrics); nothing a peer sends can throw out of this class.
import { TypedEmitter } from '../../util/TypedEmitter.js';
import {
  KEY_EXPIRED,
  SRTP_AUTH_FAIL,
  SRTP_REPLAY_FAIL,
  SRTP_REPLAY_OLD,
  type SrtpContext,
  type SrtpSuiteName,
} from './libsrtp.js';
import type { SrtpKeys } from './SrtpKeys.js';

export interface SrtpCounters {
  /** Inbound packets (SRTP and SRTCP) that failed authentication: tampered, garbage or wrong key. */
  authFailures: number;
  /** Inbound packets refused as replays (seen already, or older than the window). */
  replays: number;
  /** Packets refused for another reason (malformed, key lifetime reached, either direction). */
  otherFailures: number;
}

/** Process-wide report of authentication failures by leg, read by the API layer's metrics. */
export const srtpEvents = new TypedEmitter<{ authFailure: [{ legId: string }] }>();

export class SrtpGuard {
  #keys: SrtpKeys;
  readonly #legId: string;
  #in: SrtpContext;
  #out: SrtpContext;
  readonly counters: SrtpCounters = { authFailures: 0, replays: 0, otherFailures: 0 };
  #expiredNoted = false;
  onKeyExpired: (() => void) | undefined;

  constructor(keys: SrtpKeys, legId: string) {
    this.#keys = keys;
    this.#legId = legId;
    this.#in = keys.openInbound();
    try {
      this.#out = keys.openOutbound();
    } catch (e) {
      this.#in.close();
      throw e;
    }
  }

  get suite(): SrtpSuiteName {
    return this.#keys.suite;
  }
  get keys(): SrtpKeys {
    return this.#keys;
  }

  /** New keys from a re-INVITE: only the direction whose key changed gets a new context. */
  rekey(keys: SrtpKeys): void {
    const rx = keys.sameRx(this.#keys) ? undefined : keys.openInbound();
    let tx;
    try {
      tx = keys.sameTx(this.#keys) ? undefined : keys.openOutbound();
    } catch (e) {
      rx?.close();
      throw e;
    }
    if (rx) {
      this.#in.close();
      this.#in = rx;
    }
    if (tx) {
      this.#out.close();
      this.#out = tx;
    }
    this.#keys = keys;
    this.#expiredNoted = false;
  }

  /** The plain packet (a view of `msg`, decrypted in place), or undefined when it must be dropped. */
  unprotect(msg: Buffer, rtcp: boolean): Buffer | undefined {
    const r = rtcp ? this.#in.unprotectRtcp(msg) : this.#in.unprotectRtp(msg);
    if (typeof r !== 'number') return r;
    this.#count(r);
    return undefined;
  }

  protectRtp(pkt: Uint8Array): Buffer | undefined {
    return this.#out1(this.#out.protectRtp(pkt));
  }

  protectRtcp(pkt: Uint8Array): Buffer | undefined {
    return this.#out1(this.#out.protectRtcp(pkt));
  }

  close(): void {
    this.#in.close();
    this.#out.close();
  }

  #out1(r: Buffer | number): Buffer | undefined {
    if (typeof r !== 'number') return r;
    this.#count(r);
    return undefined;
  }

  #count(status: number): void {
    if (status === SRTP_AUTH_FAIL) {
      this.counters.authFailures++;
      srtpEvents.emit('authFailure', { legId: this.#legId });
    } else if (status === SRTP_REPLAY_FAIL || status === SRTP_REPLAY_OLD) {
      this.counters.replays++;
    } else {
      this.counters.otherFailures++;
      if (status === KEY_EXPIRED && !this.#expiredNoted) {
        this.#expiredNoted = true;
        this.onKeyExpired?.();
      }
    }
  }
}
