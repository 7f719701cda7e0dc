// While a text field or a question is open it owns the keyboard: the app's own keys (1-4 to switch
// screens, q) must not fire when the operator types "1" into a form.
import { createContext, useContext, useLayoutEffect } from 'react';

/** Adds +1 / -1 to the number of components capturing the keyboard. */
export const CaptureContext = createContext<(delta: number) => void>(() => {});

export function useCaptureKeys(active: boolean): void {
  const add = useContext(CaptureContext);
  // a layout effect: captured at the same commit that draws the form, before the next key
  useLayoutEffect(() => {
    if (!active) return;
    add(1);
    return () => add(-1);
  }, [active, add]);
}
