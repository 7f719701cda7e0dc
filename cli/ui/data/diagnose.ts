// The technician's diagnosis, step by step: config → address → SIP OPTIONS per transport → test call →
// media both ways. Driven by sequential API calls (endpoint.show, endpoint.check, endpoint.diagnose);
// each step is reported as it starts and ends so the screen can spin.
import type {
  EndpointCheckResult,
  EndpointDetail,
  EndpointDiagnoseResult,
  ProbeResult,
} from '../../../protocol/index.js';
import type { StepState } from '../components/StatusBadge.js';
import type { MessageKey, T, Vars } from '../i18n/index.js';
import { fmtMs, fmtPct } from '../format.js';
import { explainT } from '../i18n/explain.js';
import { sipPhraseZh } from '../i18n/sipZh.js';
import { errorCode, errorMessage, isMethodUnknown, type ConsoleApi } from './types.js';

export interface DiagStep {
  id: string;
  title: MessageKey;
  titleVars?: Vars;
  state: StepState;
  detail?: string;
}

export interface Diagnosis {
  endpointId: string;
  steps: DiagStep[];
  done: boolean;
  verdict?: 'ok' | 'degraded' | 'failed';
  likelyCause?: string;
}

/** Host and port of a SIP URI, or null when none can be read. */
export function uriAddress(uri: string, transport: string): { host: string; port: number; literal: boolean } | null {
  const m = /^sips?:(?:[^@;]+@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?/i.exec(uri);
  if (!m?.[1]) return null;
  const host = m[1];
  const port = m[2] ? Number(m[2]) : uri.toLowerCase().startsWith('sips:') || transport === 'tls' ? 5061 : 5060;
  const literal = host.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  return { host, port, literal };
}

function probeDetail(p: ProbeResult, t: T): string {
  if (p.ok) {
    const base = t('diag.optionsOk', {
      status: p.status ?? '',
      reason: p.status !== undefined && t.lang === 'zh' ? (sipPhraseZh(p.status) ?? p.reason ?? '') : (p.reason ?? ''),
      rtt: fmtMs(p.rttMs),
    });
    return p.server ? base + t('diag.server', { server: p.server }) : base;
  }
  return t('diag.optionsFail', {
    error:
      p.why || p.likelyCause
        ? explainT(p.why ?? p.likelyCause, t)
        : explainT([p.error, p.status, p.reason].filter((x) => x !== undefined && x !== '').join(' ') || '?', t),
  });
}

/** Run the diagnosis, calling `onUpdate` with a fresh copy after every change. */
export async function runDiagnosis(
  api: ConsoleApi,
  endpointId: string,
  t: T,
  onUpdate: (d: Diagnosis) => void,
): Promise<Diagnosis> {
  let d: Diagnosis = {
    endpointId,
    done: false,
    steps: [
      { id: 'config', title: 'diag.config', state: 'pending' },
      { id: 'address', title: 'diag.address', state: 'pending' },
      { id: 'options', title: 'diag.options', state: 'pending' },
      { id: 'call', title: 'diag.call', state: 'pending' },
      { id: 'media', title: 'diag.media', state: 'pending' },
    ],
  };
  const emit = (next: Diagnosis) => {
    d = next;
    onUpdate(d);
  };
  const set = (id: string, patch: Partial<DiagStep>) =>
    emit({ ...d, steps: d.steps.map((s) => (s.id === id ? { ...s, ...patch } : s)) });
  const finish = (likelyCause?: string): Diagnosis => {
    const steps = d.steps.map((s) => (s.state === 'pending' ? { ...s, state: 'skipped' as const } : s));
    const verdict = steps.some((s) => s.state === 'fail')
      ? 'failed'
      : steps.some((s) => s.state === 'warn')
        ? 'degraded'
        : 'ok';
    emit({ ...d, steps, done: true, verdict, likelyCause });
    return d;
  };

  // 1. The endpoint as the daemon's config knows it.
  set('config', { state: 'running' });
  let ep: EndpointDetail;
  try {
    ep = await api.call('endpoint.show', { id: endpointId });
  } catch (err) {
    const unknown = errorCode(err) === 'ENDPOINT_UNKNOWN';
    set('config', { state: 'fail', detail: unknown ? t('diag.unknownEndpoint') : errorMessage(err) });
    return finish(unknown ? t('diag.unknownEndpoint') : errorMessage(err));
  }
  set('config', {
    state: 'ok',
    detail: t('diag.configOk', { kind: t(`kind.${ep.kind}`), uri: ep.uri, transport: ep.transport }),
  });

  // 2. Where it is.
  set('address', { state: 'running' });
  const addr = uriAddress(ep.uri, ep.transport);
  if (!addr) {
    set('address', { state: 'fail', detail: t('diag.addressBad', { uri: ep.uri }) });
    return finish(t('diag.addressBad', { uri: ep.uri }));
  }
  set('address', {
    state: 'ok',
    detail: t(addr.literal ? 'diag.addressOk' : 'diag.addressName', { host: addr.host, port: addr.port }),
  });

  // 3. SIP OPTIONS on each transport; one step per probe once the answers are in.
  set('options', { state: 'running' });
  let check: EndpointCheckResult;
  try {
    check = await api.call('endpoint.check', { id: endpointId });
  } catch (err) {
    set('options', {
      state: 'fail',
      detail: isMethodUnknown(err) ? t('diag.notOffered', { method: 'endpoint.check' }) : errorMessage(err),
    });
    return finish(isMethodUnknown(err) ? undefined : errorMessage(err));
  }
  const probeSteps: DiagStep[] = check.probes.map((p) => ({
    id: `options:${p.transport}`,
    title: 'diag.optionsVia',
    titleVars: { transport: p.transport.toUpperCase() },
    state: p.ok ? (check.verdict === 'degraded' ? 'warn' : 'ok') : p.transport === ep.transport ? 'fail' : 'warn',
    detail: probeDetail(p, t),
  }));
  emit({ ...d, steps: d.steps.flatMap((s) => (s.id === 'options' ? probeSteps : [s])) });
  const mainProbe = check.probes.find((p) => p.transport === ep.transport) ?? check.probes[0];
  const failedProbe = check.probes.find((p) => !p.ok);
  const optionsCause =
    explainT(check.why ?? check.likelyCause ?? failedProbe?.why ?? failedProbe?.likelyCause, t) || undefined;
  if (!mainProbe?.ok) {
    set('call', { state: 'skipped', detail: t('diag.skipNoOptions') });
    set('media', { state: 'skipped' });
    return finish(optionsCause);
  }

  // 4 + 5. A short test call and the media it carried both ways.
  set('call', { state: 'running' });
  let r: EndpointDiagnoseResult;
  try {
    r = await api.call('endpoint.diagnose', { id: endpointId });
  } catch (err) {
    if (isMethodUnknown(err)) {
      set('call', { state: 'skipped', detail: t('diag.notOffered', { method: 'endpoint.diagnose' }) });
      return finish(optionsCause);
    }
    set('call', { state: 'fail', detail: errorMessage(err) });
    return finish(errorMessage(err));
  }
  const call = r.call;
  if (!call) set('call', { state: 'skipped' });
  else if (call.ok) {
    const codec = [call.audioCodec, call.videoCodec].filter(Boolean).join(' + ');
    set('call', {
      state: 'ok',
      detail: t('diag.callOk', { ms: fmtMs(call.setupMs) }) + (codec ? t('diag.callCodec', { codec }) : ''),
    });
  } else
    set('call', {
      state: 'fail',
      detail: t('diag.callFail', {
        reason: explainT([call.status, call.reason].filter((x) => x !== undefined).join(' ') || '?', t),
      }),
    });
  const m = r.media;
  if (!m) set('media', { state: call?.ok ? 'warn' : 'skipped', detail: call?.ok ? t('diag.noMedia') : undefined });
  else {
    const state: StepState = !m.ok ? 'fail' : r.verdict === 'degraded' ? 'warn' : 'ok';
    set('media', {
      state,
      // a count is null when the daemon has none; a daemon of the same protocol version from before
      // the counts were added (28f7de9) leaves them out: both show "?"
      detail: t('diag.mediaLine', {
        sent: m.packetsSent ?? '?',
        received: m.packetsReceived ?? '?',
        loss: fmtPct(m.lossPct),
        jitter: fmtMs(m.jitterMs),
      }),
    });
  }
  return finish(explainT(r.why ?? r.likelyCause, t) || (check.verdict !== 'ok' ? optionsCause : undefined));
}
