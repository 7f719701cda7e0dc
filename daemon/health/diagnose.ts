import { lookup } from 'node:dns/promises';
import type { Endpoint } from '../config/schema.js';
import { defaultPort, parseSipUri } from '../config/uri.js';
import { isAnswer, isGoodAnswer, likelyCause, probeError, statusText } from './causes.js';
import type { EndpointCheckResult, OptionsProbeResult, ProbeResult, SipTransport } from '../../protocol/index.js';
import type { OptionsProber } from './types.js';

// `vcbridge endpoint check`: an immediate OPTIONS over each transport, timed, with the answer's
// Server/User-Agent and, on failure, the likely cause in plain words. Steps are reported as they
// start and end (config → address → OPTIONS per transport) so a screen can show progress.

export type CheckStepId = 'config' | 'address' | `options:${SipTransport}`;

export interface CheckStep {
  id: CheckStepId;
  state: 'running' | 'ok' | 'warn' | 'fail';
  detail?: string;
}

export interface CheckOptions {
  timeoutMs: number;
  /** RTT above which an answer is "degraded". */
  degradedRttMs: number;
  onStep?: (s: CheckStep) => void;
  /** Name → address (default: the system resolver); only asked for hostnames. */
  resolve?: (host: string) => Promise<string>;
}

const RESOLVE_TIMEOUT_MS = 3000;

export async function checkEndpoint(
  ep: Pick<Endpoint, 'id' | 'uri' | 'transport'>,
  prober: OptionsProber,
  opts: CheckOptions,
): Promise<EndpointCheckResult> {
  const step = (s: CheckStep): void => opts.onStep?.(s);
  const failed = (likely: string): EndpointCheckResult => ({
    id: ep.id,
    uri: ep.uri,
    probes: [],
    verdict: 'failed',
    likelyCause: likely,
  });

  step({ id: 'config', state: 'running' });
  const uri = parseSipUri(ep.uri);
  if (!uri) {
    const why = `the URI ${ep.uri} in the site config is not a SIP URI (expected sip:user@host[:port])`;
    step({ id: 'config', state: 'fail', detail: why });
    return failed(why);
  }
  step({ id: 'config', state: 'ok', detail: `${ep.uri} over ${ep.transport.toUpperCase()}` });

  step({ id: 'address', state: 'running' });
  const host = uri.host;
  if (uri.hostType === 'hostname') {
    try {
      const addr = await withTimeout((opts.resolve ?? systemResolve)(host), RESOLVE_TIMEOUT_MS);
      step({ id: 'address', state: 'ok', detail: `${host} is ${addr}` });
    } catch (err) {
      const why = `the hostname ${host} does not resolve (${(err as Error).message}): check the name in the endpoint's URI, or the DNS server`;
      step({ id: 'address', state: 'fail', detail: why });
      return failed(why);
    }
  } else {
    step({ id: 'address', state: 'ok', detail: `${host} (an address, no DNS needed)` });
  }

  const order: SipTransport[] = [ep.transport, ...(['udp', 'tcp'] as const).filter((t) => t !== ep.transport)];
  const probes = await Promise.all(
    order.map(async (transport): Promise<ProbeResult> => {
      const id = `options:${transport}` as const;
      step({ id, state: 'running' });
      const port = transport === 'tls' && uri.port === undefined ? 5061 : defaultPort(uri);
      const target = { uri: ep.uri, transport };
      let reply: OptionsProbeResult;
      try {
        reply = await prober.options(target, { timeoutMs: opts.timeoutMs });
      } catch (err) {
        // The prober resolves for network failures; a throw is a local fault, reported as such.
        reply = { ok: false, error: 'transport', reason: (err as Error).message };
      }
      const report = toReport(transport, reply);
      const cause = likelyCause(reply, target, host, port, opts.timeoutMs);
      if (cause) report.likelyCause = cause;
      const good = isGoodAnswer(reply);
      const slow = good && reply.rttMs !== undefined && reply.rttMs > opts.degradedRttMs;
      const detail = good
        ? `${statusText(reply)} in ${fmtMs(reply.rttMs)}${reply.server ? ` from "${reply.server}"` : ''}${cryptoText(reply.cryptoSuites)}`
        : (cause ?? statusText(reply));
      step({ id, state: good ? (slow ? 'warn' : 'ok') : transport === ep.transport ? 'fail' : 'warn', detail });
      return report;
    }),
  );
  return { id: ep.id, uri: ep.uri, probes, ...verdict(ep.transport, probes, opts.degradedRttMs) };
}

function toReport(transport: SipTransport, r: OptionsProbeResult): ProbeResult {
  const p: ProbeResult = { transport, ok: isGoodAnswer(r) };
  // A local failure may carry a made-up status (the stack's 408/503): only real answers show one.
  if (isAnswer(r)) {
    if (r.status !== undefined) p.status = r.status;
    if (r.rttMs !== undefined) p.rttMs = Math.round(r.rttMs * 10) / 10;
    if (r.server !== undefined) p.server = r.server;
    if (r.cryptoSuites !== undefined) p.cryptoSuites = r.cryptoSuites;
  }
  if (r.reason !== undefined) p.reason = r.reason;
  const e = probeError(r, transport);
  if (e !== undefined) p.error = e;
  return p;
}

function verdict(
  configured: SipTransport,
  probes: ProbeResult[],
  limitMs: number,
): Pick<EndpointCheckResult, 'verdict' | 'likelyCause'> {
  const main = probes.find((p) => p.transport === configured);
  if (main?.ok) {
    if (main.rttMs !== undefined && main.rttMs > limitMs) {
      return {
        verdict: 'degraded',
        likelyCause: `slow answer: RTT ${Math.round(main.rttMs)} ms (limit ${limitMs} ms): a congested or long network path`,
      };
    }
    return { verdict: 'ok' };
  }
  const other = probes.find((p) => p.ok);
  const mainCause = main?.likelyCause ?? 'no answer';
  // Answered but refused (403/404/401): another transport won't fix that.
  if (other && main?.status === undefined) {
    const o = other.transport.toUpperCase();
    const c = configured.toUpperCase();
    return {
      verdict: 'degraded',
      likelyCause: `it answers over ${o} but not over ${c} (${mainCause}); either fix ${c} on the way to it or set "transport: ${other.transport}" for it`,
    };
  }
  return { verdict: 'failed', likelyCause: mainCause };
}

function cryptoText(suites: string[] | undefined): string {
  if (suites === undefined) return '';
  return suites.length ? `; SRTP offered: ${suites.join(', ')}` : '; no SRTP offered';
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined ? '? ms' : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

async function systemResolve(host: string): Promise<string> {
  return (await lookup(host)).address;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the resolver within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
