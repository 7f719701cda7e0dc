// The console's link to the daemon: connect, subscribe to every notification, and when the daemon
// goes away say so and reconnect by itself with backoff (0.5 s, 1 s, 2 s … at most `maxMs`).
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiClient } from '../../client.js';
import { safeDeep, safeText } from '../../safeText.js';
import { errorMessage, type ConnState, type ConsoleApi, type NotificationListener } from '../data/types.js';

export interface DaemonOptions {
  url: string;
  token?: string;
  backoff?: { firstMs: number; maxMs: number };
  /** Per-call timeout; the test call of a diagnosis needs more than a status call. */
  timeoutMs?: number;
}

export interface DaemonHandle {
  conn: ConnState;
  /** Present while connected. */
  api: ConsoleApi | null;
  /** Bumped on every successful (re)connect: the signal to reload the snapshot. */
  generation: number;
  /** Listen to notifications; survives reconnects. Returns the unsubscribe function. */
  onNotification(listener: NotificationListener): () => void;
}

const DEFAULT_BACKOFF = { firstMs: 500, maxMs: 10_000 };

export function useDaemon({ url, token, backoff = DEFAULT_BACKOFF, timeoutMs = 60_000 }: DaemonOptions): DaemonHandle {
  const [conn, setConn] = useState<ConnState>({ phase: 'connecting' });
  const [client, setClient] = useState<ApiClient | null>(null);
  const [generation, setGeneration] = useState(0);
  const listeners = useRef(new Set<NotificationListener>());
  const { firstMs, maxMs } = backoff;

  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: ApiClient | undefined;
    let attempt = 0;

    const retry = (error: string | null) => {
      if (stopped) return;
      attempt += 1;
      const delay = Math.min(maxMs, firstMs * 2 ** (attempt - 1));
      setClient(null);
      setConn({ phase: 'disconnected', error, attempt, retryAt: Date.now() + delay });
      timer = setTimeout(() => void connect(), delay);
    };

    const connect = async () => {
      let c: ApiClient;
      try {
        c = await ApiClient.connect({ url, token, timeoutMs });
      } catch (err) {
        retry(errorMessage(err));
        return;
      }
      if (stopped) {
        c.close();
        return;
      }
      current = c;
      // what the daemon sends (peer text, stored titles) is made safe once here for every view
      c.onNotification((...n) => {
        const clean = safeDeep(n);
        for (const l of listeners.current) l(...clean);
      });
      c.onClose(() => {
        if (current === c) retry(null);
      });
      try {
        await c.call('subscribe', { topics: ['*'] });
      } catch (err) {
        // A refused subscription (bad token) closes nothing by itself: close and retry later.
        current = undefined;
        c.close();
        retry(errorMessage(err));
        return;
      }
      if (stopped) return;
      attempt = 0;
      setClient(c);
      setConn({ phase: 'connected' });
      setGeneration((g) => g + 1);
    };

    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      current?.close();
    };
  }, [url, token, firstMs, maxMs, timeoutMs]);

  const api = useMemo<ConsoleApi | null>(
    () =>
      client
        ? {
            call: (m, p) =>
              client.call(m, p).then(safeDeep, (err: unknown) => {
                if (err instanceof Error) err.message = safeText(err.message);
                throw err;
              }),
          }
        : null,
    [client],
  );
  const onNotification = useMemo(
    () => (l: NotificationListener) => {
      listeners.current.add(l);
      return () => {
        listeners.current.delete(l);
      };
    },
    [],
  );
  return { conn, api, generation, onNotification };
}
