import { Command } from 'commander';
import { z } from 'zod';
import type { AuditEntry } from '../../protocol/index.js';
import { globals, parseOptions, withClient } from '../context.js';
import { print, table } from '../output.js';
import type { T } from '../ui/i18n/translate.js';
import { parseSince } from '../time.js';

const Options = z.object({
  since: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional(),
});

function render(rows: AuditEntry[], t: T): string {
  if (rows.length === 0) return t('c.audit.none');
  // the id is what --before pages back from
  return table(
    [t('c.col.id'), t('c.col.when'), t('c.col.who'), t('c.col.role'), t('c.col.method'), t('c.col.result')],
    rows.map((r) => [
      String(r.id),
      r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      r.actor,
      r.role === 'operator' || r.role === 'technician' || r.role === 'viewer' ? t(`role.${r.role}`) : r.role,
      r.method,
      r.result === 'ok' ? t('c.chk.ok') : `${t('c.audit.error')} ${r.errorCode ?? ''}`.trim(),
    ]),
  );
}

export const audit = new Command('audit')
  .description('show who changed what (state-changing API calls), newest first')
  .option('--since <when>', 'ISO time, or a duration back from now such as 2h, 7d')
  .option('--limit <n>', 'most entries to show (at most 1000)', '100')
  .option('--before <id>', 'only entries older than this id (page back from the first id shown)')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(Options, raw);
    const since = o.since === undefined ? undefined : parseSince(o.since);
    const rows = await withClient(g, (c) => c.call('audit.list', { since, limit: o.limit, beforeId: o.before }));
    print(g, rows, (v) => render(v, g.t));
  });
