import { lookup } from 'node:dns/promises';
import type { Endpoint } from '../config/schema.js';
import { defaultPort, parseSipUri } from '../config/uri.js';
import { isAnswer, isGoodAnswer, likelyCause, probeError, statusText } from './causes.js';
import {
  reason,
  reasonText,
  say,
  type EndpointCheckResult,
  type OptionsProbeResult,
  type ProbeResult,
  type Reason,
  type SipTransport,
} from '../../protocol/index.js';
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
  const failed = (why: Reason): EndpointCheckResult => ({
    id: ep.id,
    uri: ep.uri,
    probes: [],
    verdict: 'failed',
    likelyCause: reasonText(why),
    why,
  });

  step({ id: 'config', state: 'running' });
  const uri = parseSipUri(ep.uri);
  if (!uri) {
    const why = reason('cause.badUri', { uri: ep.uri });
    step({ id: 'config', state: 'fail', detail: reasonText(why) });
    return failed(why);
  }
  step({ id: 'config', state: 'ok', detail: say('check.uri', { uri: ep.uri, transport: ep.transport.toUpperCase() }) });

  step({ id: 'address', state: 'running' });
  const host = uri.host;
  if (uri.hostType === 'hostname') {
    try {
      const addr = await withTimeout((opts.resolve ?? systemResolve)(host), RESOLVE_TIMEOUT_MS);
      step({ id: 'address', state: 'ok', detail: say('check.resolved', { host, address: addr }) });
    } catch (err) {
      const why = reason('cause.dnsWhy', { host, detail: (err as Error).message });
      step({ id: 'address', state: 'fail', detail: reasonText(why) });
      return failed(why);
    }
  } else {
    step({ id: 'address', state: 'ok', detail: say('check.address', { host }) });
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
      const why = likelyCause(reply, target, host, port, opts.timeoutMs);
      const cause = why ? reasonText(why) : undefined;
      if (why && cause) {
        report.likelyCause = cause;
        report.why = why;
      }
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
): Pick<EndpointCheckResult, 'verdict' | 'likelyCause' | 'why'> {
  const main = probes.find((p) => p.transport === configured);
  const explained = (v: EndpointCheckResult['verdict'], why: Reason) => ({
    verdict: v,
    likelyCause: reasonText(why),
    why,
  });
  if (main?.ok) {
    if (main.rttMs !== undefined && main.rttMs > limitMs)
      return explained('degraded', reason('cause.slow', { rtt: Math.round(main.rttMs), limit: limitMs }));
    return { verdict: 'ok' };
  }
  const other = probes.find((p) => p.ok);
  const mainWhy = main?.why ?? reason('health.noAnswer');
  // Answered but refused (403/404/401): another transport won't fix that.
  if (other && main?.status === undefined) {
    return explained(
      'degraded',
      reason('cause.otherTransport', {
        other: other.transport.toUpperCase(),
        configured: configured.toUpperCase(),
        cause: reasonText(mainWhy),
        otherId: other.transport,
      }),
    );
  }
  return explained('failed', mainWhy);
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
    timer = setTimeout(() => reject(new Error(say('health.resolverTimeout', { ms }))), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
