// A SipStack on 127.0.0.1 with OS-chosen ports (UDP+TCP), quiet unless VCB_SIP_LOG is set.
import { SipStack, type SipStackOptions } from '../../daemon/sip/SipStack.js';
import { createLogger, silentLogger } from '../../daemon/util/logger.js';

export function testLogger() {
  return process.env.VCB_SIP_LOG ? createLogger({ level: process.env.VCB_SIP_LOG, pretty: false }) : silentLogger();
}

export function startTestStack(o: Partial<SipStackOptions> = {}): Promise<SipStack> {
  return SipStack.start({
    listen: [
      { transport: 'udp', host: '127.0.0.1', port: 0 },
      { transport: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    userAgent: 'vcbridge-test',
    log: testLogger(),
    ...o,
  });
}

/** sip:user@127.0.0.1:port for a stack's transport. */
export function uriOf(stack: SipStack, transport: 'udp' | 'tcp' = 'udp', user = 'bridge'): string {
  return `sip:${user}@127.0.0.1:${stack.ports[transport]}${transport === 'tcp' ? ';transport=tcp' : ''}`;
}
