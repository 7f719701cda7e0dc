// English templates of the error details of the site config, the scheduler's calendars (ICS, workdays, recurrence), join tokens and the web server, reports.
// Part of REASONS_EN (../reasonsEn.ts); the same rules hold: add a key rather than reword an old one.
export const OPS_REASONS_EN = {} as const;
