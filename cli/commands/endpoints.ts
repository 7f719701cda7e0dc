import { Command } from 'commander';
import { z } from 'zod';
import type { EndpointView } from '../../protocol/index.js';
import { globals, parseOptions, withClient, type Lang } from '../context.js';
import { duration, print, table } from '../output.js';

const Options = z.object({
  group: z.string().min(1).optional(),
  state: z.enum(['unknown', 'reachable', 'degraded', 'unreachable']).optional(),
});

export function endpointName(e: Pick<EndpointView, 'name'>, lang: Lang): string {
  return lang === 'zh' ? e.name.zh : e.name.en;
}

export function fmtRtt(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** "12m 03s ago", or "—" when never known. */
export function fmtSince(iso: string | null, now = Date.now()): string {
  if (iso === null) return '—';
  return `${duration((now - Date.parse(iso)) / 1000)} ago`;
}

export function fmtRegistration(r: EndpointView['registration']): string {
  return r === 'none' ? '—' : r;
}

function render(rows: EndpointView[], lang: Lang): string {
  if (rows.length === 0) return 'no endpoints match';
  const now = Date.now();
  return table(
    ['id', 'name', 'kind', 'state', 'RTT', 'since', 'registration', 'note'],
    rows.map((e) => [
      e.id,
      endpointName(e, lang),
      e.kind,
      e.state,
      fmtRtt(e.rttMs),
      fmtSince(e.since, now),
      fmtRegistration(e.registration),
      [e.conferenceId ? `in ${e.conferenceId}` : '', e.reason ?? ''].filter(Boolean).join('; '),
    ]),
  );
}

export const endpoints = new Command('endpoints')
  .description('list endpoints and their health (state, OPTIONS round-trip time, since when)')
  .option('--group <group>', 'only endpoints of this group')
  .option('--state <state>', 'only endpoints in this state: unknown, reachable, degraded, unreachable')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(Options, raw);
    const params: { group?: string; state?: EndpointView['state'] } = {};
    if (o.group !== undefined) params.group = o.group;
    if (o.state !== undefined) params.state = o.state;
    const rows = await withClient(g, (c) => c.call('endpoints.list', params));
    print(g, rows, (r) => render(r, g.lang));
  });
