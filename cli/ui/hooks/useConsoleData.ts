// The console's state: a snapshot on every (re)connect, then notifications folded in as they arrive.
// Notifications that arrive while a snapshot is loading are replayed on top of it, so none is lost.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { loadSnapshot } from '../data/calls.js';
import { applyNotification, applySnapshot, emptyState, type ConsoleState, type Snapshot } from '../data/state.js';
import { errorMessage } from '../data/types.js';
import type { NotificationArgs } from '../../../protocol/index.js';
import type { DaemonHandle } from './useDaemon.js';
import { useNotifications } from './useNotifications.js';

type Action = { type: 'snapshot'; snap: Snapshot } | { type: 'notification'; n: NotificationArgs };

function reducer(state: ConsoleState, a: Action): ConsoleState {
  return a.type === 'snapshot' ? applySnapshot(state, a.snap) : applyNotification(state, ...a.n);
}

export interface ConsoleData {
  state: ConsoleState;
  loadError: string | null;
  /** Read the snapshot again (after a booking, a daemon reload). */
  reload(): void;
  /** Read one conference again and fold it in as its `conference.state` (nothing while a snapshot loads). */
  refreshConference(id: string): void;
}

export function useConsoleData(daemon: Pick<DaemonHandle, 'api' | 'generation' | 'onNotification'>): ConsoleData {
  const [state, dispatch] = useReducer(reducer, emptyState);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const loading = useRef<NotificationArgs[] | null>(null);
  const { api, generation } = daemon;

  useEffect(() => {
    if (!api) return;
    let live = true;
    loading.current = [];
    loadSnapshot(api).then(
      (snap) => {
        if (!live) return;
        dispatch({ type: 'snapshot', snap });
        for (const n of loading.current ?? []) dispatch({ type: 'notification', n });
        loading.current = null;
        setLoadError(null);
      },
      (err: unknown) => {
        if (!live) return;
        loading.current = null;
        setLoadError(errorMessage(err));
      },
    );
    return () => {
      live = false;
    };
  }, [api, generation, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  // The answer comes over the same connection as the notifications, after those the daemon sent before
  // it: folded in as they are, it is never older than what the state already holds.
  const refreshConference = useCallback(
    (id: string) => {
      api?.call('conference.show', { id }).then(
        (view) => {
          if (!loading.current) dispatch({ type: 'notification', n: ['conference.state', view] });
        },
        () => undefined, // the conference ended, the link dropped: the state says so by other ways
      );
    },
    [api],
  );

  useNotifications(daemon, (...n) => {
    if (n[0] === 'daemon.reloaded') reload();
    if (loading.current) loading.current.push(n);
    else dispatch({ type: 'notification', n });
  });

  return { state, loadError, reload, refreshConference };
}
