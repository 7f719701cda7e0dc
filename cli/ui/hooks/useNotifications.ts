import { useEffect, useRef } from 'react';
import type { NotificationListener } from '../data/types.js';

/** Call `handler` for every notification pushed by the daemon, for as long as the component lives. */
export function useNotifications(
  source: { onNotification(l: NotificationListener): () => void },
  handler: NotificationListener,
): void {
  // The latest handler without re-subscribing on every render.
  const latest = useRef(handler);
  latest.current = handler;
  const subscribe = source.onNotification;
  useEffect(() => subscribe((...n) => latest.current(...n)), [subscribe]);
}
