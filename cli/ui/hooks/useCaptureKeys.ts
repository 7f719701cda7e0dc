// While a text field or a question is open it owns the keyboard: the app's own keys (1-4 to switch
// screens, q) must not fire when the operator types "1" into a form.
import { createContext, useContext, useEffect } from 'react';

/** Adds +1 / -1 to the number of components capturing the keyboard. */
export const CaptureContext = createContext<(delta: number) => void>(() => {});

export function useCaptureKeys(active: boolean): void {
  const add = useContext(CaptureContext);
  useEffect(() => {
    if (!active) return;
    add(1);
    return () => add(-1);
  }, [active, add]);
}
