// The SDES keys of one SIP leg across its offers and answers. Ours are made fresh per leg, per
// m-line and per suite offered; a re-INVITE that keeps the room's key keeps ours (no re-key), one
// that brings a new room key gets a new key of ours too. The media layer gets both as SrtpKeys.
import { VcError } from '../../errors.js';
import { say } from '../../../protocol/index.js';
import { newSdesKey, SDES_SUITES, type SdesKey, type SdesSuite } from '../../sip/sdes.js';
import type { Negotiation } from '../../sip/sdpNegotiate.js';
import { supportedSuites } from '../../media/srtp/libsrtp.js';
import { SrtpKeys } from '../../media/srtp/SrtpKeys.js';
import type { MediaKind } from '../../media/types.js';

export type SrtpMode = 'off' | 'optional' | 'required';

let available: SdesSuite[] | undefined;
let unavailableReason: string | undefined;

/** Suites this machine can run (none when libsrtp2 cannot be loaded; see srtpUnavailableReason). */
export function srtpSuites(): readonly SdesSuite[] {
  if (!available) {
    try {
      available = supportedSuites().filter((s): s is SdesSuite => (SDES_SUITES as readonly string[]).includes(s));
    } catch (e) {
      unavailableReason = (e as Error).message;
      available = [];
    }
  }
  return available;
}

export function srtpUnavailableReason(): string | undefined {
  srtpSuites();
  return unavailableReason;
}

interface Agreed {
  local: SdesKey;
  remote: SdesKey;
}

export class LegSdes {
  readonly mode: SrtpMode;
  readonly #suites: readonly SdesSuite[];
  readonly #offered: Partial<Record<MediaKind, SdesKey[]>> = {};
  readonly #agreed: Partial<Record<MediaKind, Agreed>> = {};
  #savp = false;

  constructor(mode: SrtpMode, suites: readonly SdesSuite[] = srtpSuites()) {
    this.mode = mode;
    this.#suites = suites;
    if (mode === 'required' && suites.length === 0) {
      const why = srtpUnavailableReason();
      throw new VcError('MEDIA_FAILED', why ? say('sip.srtpUnavailable', { detail: why }) : say('sip.srtpNoSuite'));
    }
  }

  /**
   * After a 488 to our best-effort offer (keys on RTP/AVP): rooms with mandatory encryption refuse
   * anything but RTP/SAVP, so offer that once more. True when there is such a second offer to make.
   */
  preferSavp(): boolean {
    if (this.mode !== 'optional' || this.#savp || this.#suites.length === 0) return false;
    this.#savp = true;
    return true;
  }

  /** a=crypto for our offer of one m-line: every suite we run, tags 1..n; RTP/AVP (best effort)
   *  when optional, RTP/SAVP when required or after preferSavp(). */
  offer(kind: MediaKind): { crypto?: SdesKey[]; bestEffort?: boolean } {
    if (this.mode === 'off' || this.#suites.length === 0) return {};
    const before = this.#offered[kind] ?? [];
    const current = this.#agreed[kind]?.local;
    const keys = this.#suites.map((suite, i) => {
      const kept = current?.suite === suite ? current : before.find((k) => k.suite === suite);
      return kept ? { ...kept, tag: i + 1 } : newSdesKey(i + 1, suite);
    });
    this.#offered[kind] = keys;
    return { crypto: keys, bestEffort: this.mode === 'optional' && !this.#savp };
  }

  /** The room answered our offer: pair its key with ours by tag (RFC 4568 5.1.3). */
  takeAnswer(neg: Negotiation): void {
    for (const kind of ['audio', 'video'] as const) {
      const m = neg[kind];
      if (!m) {
        delete this.#agreed[kind];
        continue;
      }
      const remote = m.remoteCrypto;
      if (!remote) {
        if (m.cryptoRefused)
          throw new VcError(
            'SDP_NO_COMMON_CODEC',
            say('sdp.answerCrypto', { kind: say(kind === 'audio' ? 'sdp.audio' : 'sdp.video'), why: m.cryptoRefused }),
          );
        delete this.#agreed[kind];
        continue;
      }
      const local = this.#offered[kind]?.find((k) => k.tag === remote.tag && k.suite === remote.suite);
      if (!local)
        throw new VcError(
          'SDP_INVALID',
          say('sdp.answerTag', {
            kind: say(kind === 'audio' ? 'sdp.audio' : 'sdp.video'),
            tag: remote.tag,
            suite: remote.suite,
          }),
        );
      this.#agreed[kind] = { local, remote };
    }
  }

  /** Our keys for answering the room's offer (used by buildAnswer with the offer's tag and suite). */
  answer(neg: Negotiation): Partial<Record<MediaKind, SdesKey>> {
    const out: Partial<Record<MediaKind, SdesKey>> = {};
    for (const kind of ['audio', 'video'] as const) {
      const remote = neg[kind]?.remoteCrypto;
      if (!remote) {
        delete this.#agreed[kind];
        continue;
      }
      const was = this.#agreed[kind];
      const sameKey = was && was.remote.suite === remote.suite && was.remote.key.equals(remote.key);
      const local = sameKey ? { ...was.local, tag: remote.tag } : newSdesKey(remote.tag, remote.suite);
      this.#agreed[kind] = { local, remote };
      out[kind] = local;
    }
    return out;
  }

  /** What the relay needs for one m-line, or undefined when it is plain RTP. */
  keysFor(kind: MediaKind): SrtpKeys | undefined {
    const a = this.#agreed[kind];
    if (!a) return undefined;
    return new SrtpKeys(
      a.remote.suite,
      { key: a.remote.key, lifetime: a.remote.lifetime, windowSize: a.remote.windowSize },
      { key: a.local.key },
    );
  }
}
