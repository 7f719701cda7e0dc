// Keyboard routing for the console. Ink's useInput subscribes in a passive effect, which React runs
// 10–50 ms after the frame is drawn: a key typed in that gap went to the handler of the previous
// state (the confirmation that did not hear 'y', the floor given to the previously selected site).
// Here one useInput at the root (subscribed once) dispatches to handlers that register in a layout
// effect — at the same commit that draws the frame — and are read through refs assigned in render.
import { createContext, useContext, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import { useInput, type Key } from 'ink';

export type KeyHandler = (input: string, key: Key) => void;
interface Entry {
  handler: KeyHandler;
  active: boolean;
}

class KeyBus {
  readonly entries = new Set<Entry>();

  dispatch(input: string, key: Key): void {
    // a handler may mount or unmount others; walk a copy
    for (const e of [...this.entries]) if (e.active) e.handler(input, key);
  }
}

const KeyBusContext = createContext<KeyBus | null>(null);

/** Put once at the root of the console: the one subscription to Ink's input. */
export function KeyProvider({ children }: { children: ReactNode }) {
  const bus = useMemo(() => new KeyBus(), []);
  useInput((input, key) => bus.dispatch(input, key));
  return <KeyBusContext.Provider value={bus}>{children}</KeyBusContext.Provider>;
}

/** Handle keys while `isActive`; the handler always sees the latest render. */
export function useKeys(handler: KeyHandler, { isActive = true }: { isActive?: boolean } = {}): void {
  const bus = useContext(KeyBusContext);
  const entry = useRef<Entry>({ handler, active: isActive });
  entry.current.handler = handler;
  entry.current.active = isActive;
  useLayoutEffect(() => {
    if (!bus) return;
    const e = entry.current;
    bus.entries.add(e);
    return () => {
      bus.entries.delete(e);
    };
  }, [bus]);
  // Outside a KeyProvider (a component rendered on its own) fall back to Ink's own subscription.
  useInput((input, key) => entry.current.handler(input, key), { isActive: bus === null && isActive });
}
