// Raised hands (申请发言): sites and browsers that asked to speak, in the order they asked. A room
// asks with a DTMF sequence (default *1, per site in the config), a browser with its page's button.
// Asking again while raised keeps the first place in the queue.

export interface RaisedHand {
  endpointId: string;
  at: number;
  via: 'dtmf' | 'browser' | 'operator';
}

/** Longest queue kept; a conference has far fewer sites, this only bounds a misbehaving peer. */
const MAX_HANDS = 500;

export class RaisedHands {
  readonly #hands = new Map<string, RaisedHand>();

  /** True when the hand is newly raised. */
  raise(endpointId: string, at: number, via: RaisedHand['via']): boolean {
    if (this.#hands.has(endpointId) || this.#hands.size >= MAX_HANDS) return false;
    this.#hands.set(endpointId, { endpointId, at, via });
    return true;
  }

  /** True when there was a hand to lower. */
  lower(endpointId: string): boolean {
    return this.#hands.delete(endpointId);
  }

  clear(): string[] {
    const ids = [...this.#hands.keys()];
    this.#hands.clear();
    return ids;
  }

  at(endpointId: string): number | undefined {
    return this.#hands.get(endpointId)?.at;
  }

  /** Oldest first. */
  list(): RaisedHand[] {
    return [...this.#hands.values()];
  }
}

/** How long the digits of one sequence may be apart. */
export const DTMF_SEQUENCE_GAP_MS = 3000;

/**
 * Matches one site's DTMF digits against its raise-hand sequence: the digits must follow each
 * other within DTMF_SEQUENCE_GAP_MS. Digits arrive one by one (RFC 4733 events or SIP INFO).
 */
export class DtmfSequence {
  readonly #want: string;
  #buf = '';
  #last = 0;

  constructor(sequence: string) {
    this.#want = sequence;
  }

  /** Feed one digit; true when it completes the sequence. */
  push(digit: string, now: number): boolean {
    if (now - this.#last > DTMF_SEQUENCE_GAP_MS) this.#buf = '';
    this.#last = now;
    this.#buf = (this.#buf + digit).slice(-this.#want.length);
    if (this.#buf !== this.#want) return false;
    this.#buf = '';
    return true;
  }
}
