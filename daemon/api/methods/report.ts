import { z } from 'zod';
import type { SiteConfig } from '../../config/schema.js';
import type { Clock } from '../../util/clock.js';
import { buildDailyReport, type ReportStore } from '../../reports/dailyReport.js';
import { say, type DailyReport } from '../../../protocol/index.js';
import type { MethodRouter } from '../MethodRouter.js';

// report.daily: the day's operations report, built from the store (see daemon/reports). Reading
// a report changes nothing, so it is not audited (protocol.isStateChanging).

export interface ReportMethodsDeps {
  store: ReportStore;
  config: () => SiteConfig;
  clock: Clock;
}

const DailyParams = z
  .object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, say('api.dateFormat'))
      .optional(),
  })
  .strict();

export function registerReportMethods(router: MethodRouter, deps: ReportMethodsDeps): void {
  router.register('report.daily', DailyParams, (p): DailyReport => {
    const cfg = deps.config();
    return buildDailyReport(deps.store, {
      site: cfg.site.name,
      timezone: cfg.site.timezone,
      date: p.date,
      endpoints: cfg.endpoints,
      now: deps.clock.now(),
    });
  });
}
