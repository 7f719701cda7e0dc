// API shapes of auto-polling and raised hands.
import type { HandView, PollingView } from '../../protocol/index.js';
import type { Polling } from './Polling.js';
import type { RaisedHand } from './RaisedHands.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function pollingView(p: Polling): PollingView {
  return {
    intervalSeconds: p.intervalSeconds,
    sites: [...p.sites],
    target: p.target,
    ...(p.pane !== null ? { pane: p.pane } : {}),
    current: p.current,
    next: p.peekNext(),
    nextAt: iso(p.nextAt),
    startedAt: new Date(p.startedAt).toISOString(),
  };
}

export function handsView(hands: readonly RaisedHand[]): HandView[] {
  return hands.map((h) => ({ endpointId: h.endpointId, at: new Date(h.at).toISOString(), via: h.via }));
}
