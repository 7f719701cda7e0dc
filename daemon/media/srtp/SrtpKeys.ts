// The SDES keys of one m-line as the media layer holds them. The key bytes are private: logging,
// JSON or util.inspect of a NegotiatedStream shows the suite only (keys never reach a log line).
import { inspect } from 'node:util';
import { SrtpContext, type SrtpSuiteName } from './libsrtp.js';

export interface SrtpKeyParams {
  /** Master key followed by the master salt. */
  key: Uint8Array;
  /** Packets this key may protect (SDES lifetime). */
  lifetime?: number;
  /** Replay window hinted by the sender (WSH). */
  windowSize?: number;
}

export class SrtpKeys {
  readonly suite: SrtpSuiteName;
  readonly #rx: SrtpKeyParams;
  readonly #tx: SrtpKeyParams;

  /** `rx`: the room's key (decrypts what it sends); `tx`: ours (encrypts what it receives). */
  constructor(suite: SrtpSuiteName, rx: SrtpKeyParams, tx: SrtpKeyParams) {
    this.suite = suite;
    this.#rx = { ...rx, key: Uint8Array.from(rx.key) };
    this.#tx = { ...tx, key: Uint8Array.from(tx.key) };
  }

  /** Same suite and keys: a re-INVITE that did not re-key keeps the running contexts. */
  sameAs(o: SrtpKeys | undefined): boolean {
    return this.sameRx(o) && this.sameTx(o);
  }

  /** Same key from the room: its inbound context (replay window, rollover counter) stays. */
  sameRx(o: SrtpKeys | undefined): boolean {
    return !!o && o.suite === this.suite && Buffer.compare(o.#rx.key, this.#rx.key) === 0;
  }

  /** Same key of ours: the outbound context stays (a new one would restart the SRTCP index, which
   *  the room would take for replays). */
  sameTx(o: SrtpKeys | undefined): boolean {
    return !!o && o.suite === this.suite && Buffer.compare(o.#tx.key, this.#tx.key) === 0;
  }

  openInbound(): SrtpContext {
    const windowSize = Math.max(1024, this.#rx.windowSize ?? 0);
    return new SrtpContext(this.suite, this.#rx.key, 'inbound', { windowSize, maxPackets: this.#rx.lifetime });
  }

  openOutbound(): SrtpContext {
    return new SrtpContext(this.suite, this.#tx.key, 'outbound', { maxPackets: this.#tx.lifetime });
  }

  /** The keys as plain data, to hand to the media plane worker (never to a log or the API). */
  toParams(): { suite: SrtpSuiteName; rx: SrtpKeyParams; tx: SrtpKeyParams } {
    return { suite: this.suite, rx: { ...this.#rx }, tx: { ...this.#tx } };
  }

  static fromParams(p: { suite: SrtpSuiteName; rx: SrtpKeyParams; tx: SrtpKeyParams }): SrtpKeys {
    return new SrtpKeys(p.suite, p.rx, p.tx);
  }

  toJSON(): { suite: SrtpSuiteName; keys: string } {
    return { suite: this.suite, keys: '[redacted]' };
  }

  [inspect.custom](): string {
    return `SrtpKeys { suite: '${this.suite}', keys: [redacted] }`;
  }
}

/**
 * How a leg's media is protected, for people and call records: null when nothing is encrypted, the
 * suite when every m-line uses it, else per m-line ("audio AES_CM_128_HMAC_SHA1_80, video plain").
 */
export function srtpLabel(
  m: { audio?: { port: number; srtp?: SrtpKeys }; video?: { port: number; srtp?: SrtpKeys } } | undefined,
): string | null {
  const lines = (['audio', 'video'] as const).flatMap((k) => {
    const s = m?.[k];
    return s && s.port !== 0 ? [{ kind: k, suite: s.srtp?.suite }] : [];
  });
  if (!lines.some((l) => l.suite)) return null;
  const suites = new Set(lines.map((l) => l.suite));
  return suites.size === 1 ? lines[0]!.suite! : lines.map((l) => `${l.kind} ${l.suite ?? 'plain'}`).join(', ');
}
