// The prober the health bench drives: the real SIP stack, listening on 127.0.0.1 (UDP).
import type { OptionsProber } from '../daemon/health/types.js';
import { SipStack } from '../daemon/sip/SipStack.js';
import { silentLogger } from '../daemon/util/logger.js';
import { freePort } from '../tests/helpers/ports.js';

export async function makeBenchProber(): Promise<{ prober: OptionsProber; kind: string; close: () => Promise<void> }> {
  const port = await freePort();
  const stack = await SipStack.start({ listen: [{ transport: 'udp', host: '127.0.0.1', port }], userAgent: 'vcbridge-bench', log: silentLogger() });
  return { prober: stack, kind: `SipStack on udp 127.0.0.1:${port}`, close: () => stack.close() };
}
