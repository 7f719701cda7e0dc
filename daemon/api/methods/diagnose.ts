import { z } from 'zod';
import type { SiteConfig } from '../../config/schema.js';
import { VcError } from '../../errors.js';
import type { EndpointMonitor } from '../../health/EndpointMonitor.js';
import type { TestCallReport } from '../../conference/TestCall.js';
import type { EndpointDiagnoseResult } from '../../../protocol/index.js';
import { say } from '../../../protocol/index.js';
import type { MethodRouter } from '../MethodRouter.js';

export interface DiagnoseDeps {
  monitor: Pick<EndpointMonitor, 'check'>;
  testCall: (endpointId: string) => Promise<TestCallReport>;
  config: () => SiteConfig;
}

/** Why a call that answered OPTIONS still fails, or why media does not flow, in plain words. */
function callCause(r: TestCallReport): string | undefined {
  if (!r.call.ok) {
    const s = r.call.status;
    if (s === 488 || /codec|488/i.test(r.call.reason ?? '')) return say('api.diag.codec');
    if (s === 486 || s === 600) return say('api.diag.busy');
    if (s === 403 || s === 603) return say('api.diag.refuses');
    if (s === 401 || s === 407) return say('api.diag.credentials');
    return r.call.reason ? say('api.diag.noSetup', { reason: r.call.reason }) : say('api.diag.noSetupBare');
  }
  if (r.media && !r.media.ok) {
    if (!r.media.kbpsIn) return say('api.diag.noMediaIn');
    return say('api.diag.noMediaOut');
  }
  return undefined;
}

/** endpoint.diagnose: the technician's full check — OPTIONS per transport, then a short test call. */
export function registerDiagnoseMethod(router: MethodRouter, deps: DiagnoseDeps): void {
  router.register(
    'endpoint.diagnose',
    z.object({ id: z.string().min(1).max(64) }).strict(),
    async (p): Promise<EndpointDiagnoseResult> => {
      const ep = deps.config().endpoints.find((e) => e.id === p.id);
      if (!ep) throw new VcError('ENDPOINT_UNKNOWN', say('err.endpointUnknownBare', { id: p.id }));
      const check = await deps.monitor.check(ep);
      if (check.verdict === 'failed') return { ...check };
      const r = await deps.testCall(ep.id);
      const cause = callCause(r);
      const verdict =
        !r.call.ok || (r.media && !r.media.ok)
          ? 'failed'
          : (r.media?.lossPct ?? 0) > 2 || check.verdict === 'degraded'
            ? 'degraded'
            : 'ok';
      return {
        ...check,
        call: r.call,
        ...(r.media ? { media: r.media } : {}),
        verdict,
        ...(cause ? { likelyCause: cause } : check.likelyCause ? { likelyCause: check.likelyCause } : {}),
      };
    },
  );
}
