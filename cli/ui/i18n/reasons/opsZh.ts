// Chinese for the error details of the site config, the scheduler's calendars (ICS, workdays, recurrence), join tokens and the web server, reports (English: protocol/reasons/opsEn.ts).
import type { OPS_REASONS_EN } from '../../../../protocol/reasons/opsEn.js';

export const opsZh: Record<keyof typeof OPS_REASONS_EN, string> = {};
