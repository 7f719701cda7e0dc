import { Command } from 'commander';
import type { CalendarImportResult, CalendarListResult } from '../../protocol/index.js';
import { globals, withClient } from '../context.js';
import { usage } from '../errors.js';
import { readInput } from '../readInput.js';
import { print, table } from '../output.js';
import type { Lang } from '../context.js';
import { explain } from '../ui/i18n/explain.js';
import { translator } from '../ui/i18n/translate.js';
import { say } from '../../protocol/index.js';

// vcbridge calendar list|import: the working-day calendar (调休) that `--workdays cn` series follow.

function renderYear(r: CalendarListResult, lang: Lang): string {
  const t = translator(lang);
  const head = r.confirmed
    ? t(r.days.some((d) => d.source === 'site') ? 'c.cal.officialSite' : 'c.cal.official', { year: r.year })
    : t('c.cal.unpublished', { year: r.year });
  if (r.days.length === 0) return `${head}\n${t('c.cal.none')}`;
  const wd = (day: string): string =>
    new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { weekday: 'short', timeZone: 'UTC' }).format(
      new Date(`${day}T00:00:00Z`),
    );
  return `${head}\n${table(
    [t('c.col.day'), '', t('c.col.kind'), t('c.col.name'), t('c.col.source')],
    r.days.map((d) => [
      d.day,
      wd(d.day),
      d.kind === 'off' ? t('c.cal.off') : t('c.cal.work'),
      d.name,
      t(`c.cal.src.${d.source}`),
    ]),
  )}`;
}

function renderImport(r: CalendarImportResult, lang: Lang): string {
  const t = translator(lang);
  const lines = [t('c.cal.imported', { off: r.offDays, work: r.workDays, years: r.years.join(', ') })];
  if (r.skipped.length)
    lines.push(
      t('c.cal.skipped', { n: r.skipped.length }),
      ...r.skipped
        .slice(0, 10)
        .map((s) => `  ${t('c.cal.line', { line: s.line, summary: s.summary })}${explain(s.reason, lang)}`),
    );
  return lines.join('\n');
}

const list = new Command('list')
  .description("holidays and make-up working days of a year (official, statutory, or the site's own)")
  .option('--year <year>', 'default: this year')
  .action(async (o: { year?: string }, cmd: Command) => {
    const g = globals(cmd);
    const year = o.year === undefined ? new Date().getFullYear() : Number(o.year);
    if (!Number.isInteger(year)) throw usage(say('cli.year', { value: String(o.year) }));
    print(g, await withClient(g, (c) => c.call('calendar.list', { year })), (v) => renderYear(v, g.lang));
  });

const importCmd = new Command('import')
  .description('import a holiday calendar (.ics) as days off and make-up working days — not as meetings')
  .argument('<file>', '.ics file ("-" for standard input)')
  .action(async (file: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const ics = readInput(file);
    print(g, await withClient(g, (c) => c.call('calendar.import', { ics })), (v) => renderImport(v, g.lang));
  });

export const calendar = new Command('calendar')
  .description('the working-day calendar (调休) of series booked with --workdays cn: holidays, make-up days')
  .addCommand(list)
  .addCommand(importCmd);
