import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { ReportDailyParams } from '../../protocol/index.js';
import { globals, parseOptions, withClient } from '../context.js';
import { CliError } from '../errors.js';
import { print, writeOut } from '../output.js';
import { renderReportCsv, renderReportHtml, renderReportText } from '../reportRender.js';

const DailyOptions = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .optional(),
  csv: z.boolean().optional(),
  html: z.string().min(1).optional(),
});

const daily = new Command('daily')
  .description('one day: meetings held, attendance per site (on time / late / missing), endpoint uptime, worst links')
  .option('--date <YYYY-MM-DD>', "the day, in the site's time zone (default today)")
  .option('--csv', 'CSV for a spreadsheet (one block per table)')
  .option('--html <file>', 'also write a printable HTML page to this file')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(DailyOptions, raw);
    const params: ReportDailyParams = o.date ? { date: o.date } : {};
    const report = await withClient(g, (c) => c.call('report.daily', params));
    if (o.html) {
      const file = resolve(o.html);
      try {
        writeFileSync(file, renderReportHtml(report, g.lang));
      } catch (err) {
        throw new CliError('INTERNAL', g.t('rep.writeFailed', { file, why: (err as Error).message }));
      }
      if (!g.json && !o.csv) writeOut(`${g.t('rep.written', { file })}\n`, process.stderr);
    }
    if (o.csv && !g.json) writeOut(renderReportCsv(report, g.lang));
    else print(g, report, (v) => renderReportText(v, g.lang));
  });

export const report = new Command('report').description('operations reports').addCommand(daily);
