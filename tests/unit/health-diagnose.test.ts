import { describe, expect, it } from 'vitest';
import { checkEndpoint, type CheckStep } from '../../daemon/health/diagnose.js';
import type { OptionsProber } from '../../daemon/health/types.js';
import type { EndpointCheckResult, Notifications, OptionsProbeResult, SipTransport } from '../../protocol/index.js';
import type { EndpointStateChange, RegistrationChange } from '../../daemon/health/types.js';

// compile-time check: health's events are the API's notifications
const _sameShape: [Notifications['endpoint.state'], Notifications['endpoint.registration']] = [
  {} as EndpointStateChange,
  {} as RegistrationChange,
];
void _sameShape;

// How `endpoint check` words each kind of failure. The replies here are scripted; the same paths
// run against real peers in tests/integration/health-peers.test.ts.

const ep = { id: 'xiaoguan', uri: 'sip:xiaoguan@10.20.0.7:5060', transport: 'udp' as const };
const opts = { timeoutMs: 2000, degradedRttMs: 300 };

function prober(by: Partial<Record<SipTransport, OptionsProbeResult>>): OptionsProber & { asked: SipTransport[] } {
  const asked: SipTransport[] = [];
  return {
    asked,
    options: async (t) => {
      asked.push(t.transport);
      return by[t.transport] ?? { ok: false, error: 'timeout' };
    },
  };
}

const ok200: OptionsProbeResult = { ok: true, status: 200, reason: 'OK', rttMs: 4.2, server: 'Polycom/5.9' };

describe('checkEndpoint: per-transport probes and likely causes', () => {
  it('probes the configured transport first, then the others, with timing and Server', async () => {
    const p = prober({ udp: ok200, tcp: ok200 });
    const r: EndpointCheckResult = await checkEndpoint({ ...ep, transport: 'tcp' }, p, opts);
    expect(p.asked).toEqual(['tcp', 'udp']);
    expect(r.probes.map((x) => x.transport)).toEqual(['tcp', 'udp']);
    expect(r.probes[0]).toEqual({
      transport: 'tcp',
      ok: true,
      status: 200,
      reason: 'OK',
      rttMs: 4.2,
      server: 'Polycom/5.9',
    });
    expect(r.verdict).toBe('ok');
    expect(r.likelyCause).toBeUndefined();
  });

  it('UDP timeout: host down or a firewall dropping SIP', async () => {
    const r = await checkEndpoint(ep, prober({}), opts);
    expect(r.verdict).toBe('failed');
    expect(r.probes[0]).toMatchObject({ transport: 'udp', ok: false, error: 'timeout' });
    expect(r.likelyCause).toMatch(
      /no answer over UDP within 2000 ms: the host is down, or a firewall drops SIP \(UDP 5060\)/,
    );
  });

  it('TCP refused: nothing listening on that port', async () => {
    const r = await checkEndpoint(
      { ...ep, transport: 'tcp' },
      prober({ tcp: { ok: false, error: 'unreachable' } }),
      opts,
    );
    expect(r.probes[0]).toMatchObject({ error: 'refused' });
    expect(r.likelyCause).toMatch(
      /10\.20\.0\.7:5060 refused the TCP connection: the host is up but nothing listens for SIP on TCP 5060/,
    );
  });

  it('ICMP port unreachable over UDP: nothing listening', async () => {
    const r = await checkEndpoint(ep, prober({ udp: { ok: false, error: 'unreachable' } }), opts);
    expect(r.probes[0]).toMatchObject({ error: 'unreachable' });
    expect(r.likelyCause).toMatch(/port unreachable.*nothing listens for SIP on UDP 5060/);
  });

  it('403: the endpoint refuses us — check its allow-list', async () => {
    const r = await checkEndpoint(
      ep,
      prober({
        udp: { ok: false, status: 403, reason: 'Forbidden', rttMs: 3 },
        tcp: { ok: false, status: 403, reason: 'Forbidden' },
      }),
      opts,
    );
    expect(r.verdict).toBe('failed');
    expect(r.probes[0]).toMatchObject({ error: 'forbidden', status: 403 });
    expect(r.likelyCause).toMatch(/refuses us.*allow-list/);
  });

  it('404: wrong user part in the URI', async () => {
    const r = await checkEndpoint(ep, prober({ udp: { ok: false, status: 404, reason: 'Not Found' } }), opts);
    expect(r.likelyCause).toMatch(/does not know the user "xiaoguan".*check the user part of the URI/);
  });

  it('401/407: it wants credentials', async () => {
    for (const status of [401, 407]) {
      const r = await checkEndpoint(ep, prober({ udp: { ok: false, status } }), opts);
      expect(r.probes[0]?.error).toBe('auth');
      expect(r.likelyCause).toMatch(/wants credentials/);
    }
  });

  it('DNS failure: the hostname does not resolve (resolver step fails before any OPTIONS)', async () => {
    const p = prober({ udp: ok200 });
    const steps: CheckStep[] = [];
    const r = await checkEndpoint({ ...ep, uri: 'sip:xiaoguan@xiaoguan.gongyi.invalid' }, p, {
      ...opts,
      resolve: async () => {
        throw new Error('getaddrinfo ENOTFOUND');
      },
      onStep: (s) => steps.push(s),
    });
    expect(p.asked).toEqual([]);
    expect(r.verdict).toBe('failed');
    expect(r.likelyCause).toMatch(/the hostname xiaoguan\.gongyi\.invalid does not resolve/);
    expect(steps.map((s) => `${s.id}:${s.state}`)).toEqual([
      'config:running',
      'config:ok',
      'address:running',
      'address:fail',
    ]);
  });

  it('DNS failure reported by the SIP stack itself', async () => {
    const r = await checkEndpoint(
      { ...ep, uri: 'sip:xiaoguan@xiaoguan.example' },
      prober({ udp: { ok: false, error: 'dns' }, tcp: { ok: false, error: 'dns' } }),
      { ...opts, resolve: async () => '10.0.0.1' },
    );
    expect(r.probes[0]?.error).toBe('dns');
    expect(r.likelyCause).toMatch(/xiaoguan\.example does not resolve/);
  });

  it('answers over TCP only: degraded, with the advice to switch transport', async () => {
    const r = await checkEndpoint(ep, prober({ tcp: ok200 }), opts);
    expect(r.verdict).toBe('degraded');
    expect(r.likelyCause).toMatch(/answers over TCP but not over UDP.*transport: tcp/);
  });

  it('a slow answer is degraded; 405 (no OPTIONS support) still counts as alive', async () => {
    const slow = await checkEndpoint(ep, prober({ udp: { ...ok200, rttMs: 480 } }), opts);
    expect(slow.verdict).toBe('degraded');
    expect(slow.likelyCause).toMatch(/RTT 480 ms \(limit 300 ms\)/);
    const m405 = await checkEndpoint(
      ep,
      prober({ udp: { ok: false, status: 405, reason: 'Method Not Allowed', rttMs: 2 } }),
      opts,
    );
    expect(m405.verdict).toBe('ok');
  });

  it('reports each step as it starts and ends: config → address → OPTIONS per transport', async () => {
    const steps: CheckStep[] = [];
    await checkEndpoint(ep, prober({ udp: ok200 }), { ...opts, onStep: (s) => steps.push(s) });
    expect(steps.map((s) => `${s.id}:${s.state}`)).toEqual([
      'config:running',
      'config:ok',
      'address:running',
      'address:ok',
      'options:udp:running',
      'options:tcp:running',
      'options:udp:ok',
      'options:tcp:warn',
    ]);
    expect(steps.find((s) => s.id === 'options:udp' && s.state === 'ok')?.detail).toBe(
      '200 OK in 4.2 ms from "Polycom/5.9"',
    );
  });
});
