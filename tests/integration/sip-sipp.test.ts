// sipp drives load at our stack (a UAS answering every INVITE with a dummy SDP): every OPTIONS
// and every INVITE/ACK/BYE call must succeed. bench/sip.ts runs the same at full speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import { buildOffer } from '../../daemon/sip/sdp.js';
import { startTestStack } from '../helpers/sipTestStack.js';
import { runSipp } from '../peers/sipp.js';

const SDP = buildOffer({ address: '127.0.0.1', audio: { port: 40000, codecs: ['PCMU'] } });
let stack: SipStack;

beforeAll(async () => {
  stack = await startTestStack();
  stack.on('invite', (inc) => void inc.accept(SDP).catch(() => undefined));
});
afterAll(() => stack.close());

describe('sipp against our stack', () => {
  it('1,000 OPTIONS at 500/s over UDP: all answered 200', async () => {
    const r = await runSipp({ port: stack.ports.udp!, scenario: 'options', rate: 500, count: 1000 });
    expect(r).toMatchObject({ successful: 1000, failed: 0 });
    expect(stack.stats().optionsAnswered).toBeGreaterThanOrEqual(1000);
  });

  it('200 INVITE/ACK/BYE calls at 100/s over UDP and 100 at 50/s over TCP: all complete, no dialog left', async () => {
    const udp = await runSipp({ port: stack.ports.udp!, scenario: 'invite-bye', rate: 100, count: 200 });
    expect(udp).toMatchObject({ successful: 200, failed: 0 });
    const tcp = await runSipp({
      port: stack.ports.tcp!,
      transport: 'tcp',
      scenario: 'invite-bye',
      rate: 50,
      count: 100,
    });
    expect(tcp).toMatchObject({ successful: 100, failed: 0 });
    expect(stack.stats()).toMatchObject({ dialogs: 0, pendingInvites: 0 });
  });
});
