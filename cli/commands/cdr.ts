import { Command } from 'commander';
import { z } from 'zod';
import type { CdrListParams } from '../../protocol/index.js';
import { globals, parseOptions, withClient } from '../context.js';
import { print, writeOut } from '../output.js';
import { parseSince } from '../time.js';
import { renderCdr, renderCdrCsv } from '../confRender.js';

const Options = z.object({
  since: z.string().optional(),
  conference: z.string().min(1).optional(),
  endpoint: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(1000),
  csv: z.boolean().optional(),
});

export const cdr = new Command('cdr')
  .description('call records: one row per call leg (start, answer, end, duration, reason, codecs, quality)')
  .option('--since <when>', 'ISO time, or a duration back from now such as 2h, 7d')
  .option('--conference <id>', 'only legs of this conference')
  .option('--endpoint <id>', 'only legs of this site')
  .option('--limit <n>', 'most rows (newest)', '1000')
  .option('--csv', 'CSV for a spreadsheet (with a header line)')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(Options, raw);
    const params: CdrListParams = { limit: o.limit };
    if (o.since !== undefined) params.since = parseSince(o.since);
    if (o.conference) params.conferenceId = o.conference;
    if (o.endpoint) params.endpointId = o.endpoint;
    const rows = await withClient(g, (c) => c.call('cdr.list', params));
    if (o.csv && !g.json) writeOut(renderCdrCsv(rows));
    else print(g, rows, (r) => renderCdr(r, g.lang));
  });
