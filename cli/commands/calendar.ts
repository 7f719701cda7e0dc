import { Command } from 'commander';
import type { CalendarImportResult, CalendarListResult } from '../../protocol/index.js';
import { globals, withClient } from '../context.js';
import { usage } from '../errors.js';
import { readInput } from '../readInput.js';
import { print, table } from '../output.js';

// vcbridge calendar list|import: the working-day calendar (调休) that `--workdays cn` series follow.

function renderYear(r: CalendarListResult): string {
  const head = r.confirmed
    ? `${r.year}: the official arrangement${r.days.some((d) => d.source === 'site') ? " and the site's own days" : ''}`
    : `${r.year}: NOT PUBLISHED YET — only the statutory holidays count; import the year's calendar when it is out`;
  if (r.days.length === 0) return `${head}\nno special days`;
  const wd = (day: string): string =>
    ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(`${day}T00:00:00Z`).getUTCDay()]!;
  return `${head}\n${table(
    ['day', '', 'kind', 'name', 'source'],
    r.days.map((d) => [
      d.day,
      wd(d.day),
      d.kind === 'off' ? 'day off' : 'make-up working day (补班)',
      d.name,
      d.source,
    ]),
  )}`;
}

function renderImport(r: CalendarImportResult): string {
  const lines = [
    `imported ${r.offDays} day(s) off and ${r.workDays} make-up working day(s) for ${r.years.join(', ')} (the site's days of those years are replaced)`,
  ];
  if (r.skipped.length)
    lines.push(
      `skipped ${r.skipped.length} event(s):`,
      ...r.skipped.slice(0, 10).map((s) => `  line ${s.line} "${s.summary}": ${s.reason}`),
    );
  return lines.join('\n');
}

const list = new Command('list')
  .description("holidays and make-up working days of a year (official, statutory, or the site's own)")
  .option('--year <year>', 'default: this year')
  .action(async (o: { year?: string }, cmd: Command) => {
    const g = globals(cmd);
    const year = o.year === undefined ? new Date().getFullYear() : Number(o.year);
    if (!Number.isInteger(year)) throw usage(`--year must be a year such as 2026, got "${o.year}"`);
    print(g, await withClient(g, (c) => c.call('calendar.list', { year })), renderYear);
  });

const importCmd = new Command('import')
  .description('import a holiday calendar (.ics) as days off and make-up working days — not as meetings')
  .argument('<file>', '.ics file ("-" for standard input)')
  .action(async (file: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const ics = readInput(file);
    print(g, await withClient(g, (c) => c.call('calendar.import', { ics })), renderImport);
  });

export const calendar = new Command('calendar')
  .description('the working-day calendar (调休) of series booked with --workdays cn: holidays, make-up days')
  .addCommand(list)
  .addCommand(importCmd);
