import { describe, expect, it } from 'vitest';
import type { EndpointCheckResult, EndpointDetail, EndpointDiagnoseResult } from '../../protocol/index.js';
import { CliError } from '../../cli/errors.js';
import { runDiagnosis, uriAddress, type Diagnosis } from '../../cli/ui/data/diagnose.js';
import type { ConsoleApi } from '../../cli/ui/data/types.js';
import { translator } from '../../cli/ui/i18n/translate.js';

const t = translator('en');
const detail: EndpointDetail = {
  id: 'xiaoguan',
  name: { zh: '小关镇', en: 'Xiaoguan' },
  kind: 'town',
  uri: 'sip:xiaoguan@127.0.1.3:5060',
  transport: 'udp',
  groups: [],
  state: 'reachable',
  rttMs: 12,
  since: null,
  registration: 'none',
  uptime: { last24h: 1, last7d: 1 },
  transitions: [],
};

/** A daemon stand-in answering per method: a value, or an error with the daemon's code. */
function api(answers: Record<string, unknown | CliError>): ConsoleApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    // answers are whatever the test scripts, not checked against the method's result type
    call: (async (method: string) => {
      calls.push(method);
      const a = method in answers ? answers[method] : new CliError('METHOD_UNKNOWN', `unknown method "${method}"`);
      if (a instanceof CliError) throw a;
      return a;
    }) as ConsoleApi['call'],
  };
}

/** The media figures of a test call that measured nothing (each test sets what it needs). */
const noFigures = { lossPct: null, jitterMs: null, rttMs: null, kbpsIn: null, kbpsOut: null } as const;

async function diagnose(a: ConsoleApi): Promise<{ final: Diagnosis; updates: Diagnosis[] }> {
  const updates: Diagnosis[] = [];
  const final = await runDiagnosis(a, 'xiaoguan', t, (d) => updates.push(d));
  return { final, updates };
}

const okCheck: EndpointCheckResult = {
  id: 'xiaoguan',
  uri: detail.uri,
  verdict: 'ok',
  probes: [
    { transport: 'udp', ok: true, status: 200, reason: 'OK', rttMs: 4, server: 'baresip v3' },
    { transport: 'tcp', ok: false, error: 'refused', likelyCause: 'nothing listens on TCP' },
  ],
};

describe('technician diagnosis', () => {
  it('reads host and port from SIP URIs', () => {
    expect(uriAddress('sip:xg@127.0.1.3:5070;transport=tcp', 'tcp')).toEqual({
      host: '127.0.1.3',
      port: 5070,
      literal: true,
    });
    expect(uriAddress('sips:room@hall.example', 'tls')).toEqual({ host: 'hall.example', port: 5061, literal: false });
    expect(uriAddress('mailto:x', 'udp')).toBeNull();
  });

  it('runs the steps in order, each shown running before its result, and ends working', async () => {
    const call: EndpointDiagnoseResult = {
      ...okCheck,
      call: { ok: true, status: 200, setupMs: 180, audioCodec: 'PCMA' },
      media: { ...noFigures, ok: true, packetsSent: 150, packetsReceived: 149, lossPct: 0.7, jitterMs: 4 },
      verdict: 'ok',
    };
    const a = api({ 'endpoint.show': detail, 'endpoint.check': okCheck, 'endpoint.diagnose': call });
    const { final, updates } = await diagnose(a);
    expect(a.calls).toEqual(['endpoint.show', 'endpoint.check', 'endpoint.diagnose']);
    // the first update shows the config step running and nothing else started
    expect(updates[0]?.steps.map((s) => s.state)).toEqual(['running', 'pending', 'pending', 'pending', 'pending']);
    expect(updates.some((u) => u.steps.find((s) => s.id === 'call')?.state === 'running')).toBe(true);
    expect(final.steps.map((s) => [s.id, s.state])).toEqual([
      ['config', 'ok'],
      ['address', 'ok'],
      ['options:udp', 'ok'],
      ['options:tcp', 'warn'],
      ['call', 'ok'],
      ['media', 'ok'],
    ]);
    expect(final.steps.find((s) => s.id === 'options:udp')?.detail).toBe('200 OK in 4 ms · baresip v3');
    expect(final.steps.find((s) => s.id === 'media')?.detail).toContain('sent 150 / received 149');
    // a TCP probe failing is a warning when the endpoint is configured for UDP
    expect(final.verdict).toBe('degraded');
  });

  it('stops after OPTIONS when the endpoint does not answer, with the likely cause', async () => {
    const check: EndpointCheckResult = {
      id: 'xiaoguan',
      uri: detail.uri,
      verdict: 'failed',
      likelyCause: 'host down or a firewall drops SIP',
      probes: [{ transport: 'udp', ok: false, error: 'timeout' }],
    };
    const a = api({ 'endpoint.show': detail, 'endpoint.check': check });
    const { final } = await diagnose(a);
    expect(a.calls).not.toContain('endpoint.diagnose');
    expect(final.verdict).toBe('failed');
    expect(final.likelyCause).toBe('host down or a firewall drops SIP');
    expect(final.steps.find((s) => s.id === 'call')).toMatchObject({
      state: 'skipped',
      detail: 'skipped: the endpoint does not answer OPTIONS',
    });
  });

  it('fails at the first step for an endpoint not in the config', async () => {
    const { final } = await diagnose(api({ 'endpoint.show': new CliError('ENDPOINT_UNKNOWN', 'no endpoint "x"') }));
    expect(final.steps.map((s) => s.state)).toEqual(['fail', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(final.likelyCause).toBe('not in the site config');
  });

  it('says which method the daemon lacks instead of failing the endpoint', async () => {
    const { final } = await diagnose(api({ 'endpoint.show': detail, 'endpoint.check': okCheck }));
    expect(final.steps.find((s) => s.id === 'call')).toMatchObject({
      state: 'skipped',
      detail: 'the daemon does not offer endpoint.diagnose yet',
    });
  });

  it('fails the media step when packets flowed one way only', async () => {
    const call: EndpointDiagnoseResult = {
      ...okCheck,
      verdict: 'failed',
      call: { ok: true, setupMs: 200 },
      media: { ...noFigures, ok: false, packetsSent: 150, packetsReceived: 0 },
      likelyCause: 'no RTP from the room: NAT or firewall',
    };
    const { final } = await diagnose(
      api({
        'endpoint.show': detail,
        'endpoint.check': { ...okCheck, probes: [okCheck.probes[0]!] },
        'endpoint.diagnose': call,
      }),
    );
    expect(final.steps.find((s) => s.id === 'media')?.state).toBe('fail');
    expect(final.verdict).toBe('failed');
    expect(final.likelyCause).toBe('no RTP from the room: NAT or firewall');
  });
});
