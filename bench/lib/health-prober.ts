// The prober the health bench drives: the real SIP stack, listening on 127.0.0.1 (UDP).
// PROBER=instant swaps in a prober that answers at once without any network, to show what the
// monitor itself costs (scheduling, state, SQLite) apart from the SIP stack.
import type { OptionsProber } from '../../daemon/health/types.js';
import { SipStack } from '../../daemon/sip/SipStack.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { freePort } from '../../tests/helpers/ports.js';

export async function makeBenchProber(): Promise<{ prober: OptionsProber; kind: string; close: () => Promise<void> }> {
  if (process.env.PROBER === 'instant') {
    return {
      prober: { options: async () => ({ ok: true, status: 200, reason: 'OK', rttMs: 0.1 }) },
      kind: 'instant (no network: the monitor alone)',
      close: async () => undefined,
    };
  }
  const port = await freePort();
  const stack = await SipStack.start({
    listen: [{ transport: 'udp', host: '127.0.0.1', port }],
    userAgent: 'vcbridge-bench',
    log: silentLogger(),
  });
  return { prober: stack, kind: `SipStack on udp 127.0.0.1:${port}`, close: () => stack.close() };
}
