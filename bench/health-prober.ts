// The prober the health bench drives: the real SIP stack (daemon/sip/SipStack.ts).
import type { OptionsProber } from '../daemon/health/types.js';
import { MiniOptionsClient } from '../tests/helpers/miniOptionsClient.js';

export async function makeBenchProber(): Promise<{ prober: OptionsProber; kind: string; close: () => Promise<void> }> {
  // TEMPORARY until daemon/sip lands.
  const c = await MiniOptionsClient.start();
  return { prober: c, kind: 'mini UDP client (interim)', close: async () => c.close() };
}
