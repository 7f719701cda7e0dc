// State whose latest value a key handler can read at once. Several keys can arrive in one read from
// the terminal (a paste, tmux send-keys, a fast typist) and are handled before React re-renders: the
// second key must see what the first one did (the arrow moved the cursor, then 'f' acts on the new row).
import { useCallback, useRef, useState } from 'react';

export function useSyncState<T>(initial: T): [value: T, set: (next: T | ((old: T) => T)) => void, get: () => T] {
  const [value, setValue] = useState(initial);
  const ref = useRef(initial);
  const set = useCallback((next: T | ((old: T) => T)) => {
    ref.current = typeof next === 'function' ? (next as (old: T) => T)(ref.current) : next;
    setValue(ref.current);
  }, []);
  const get = useCallback(() => ref.current, []);
  return [value, set, get];
}
