import { Command } from 'commander';
import { z } from 'zod';
import type { EndpointView } from '../../protocol/index.js';
import { globals, parseOptions, withClient, type Lang } from '../context.js';
import { print, table } from '../output.js';
import { explain } from '../ui/i18n/explain.js';
import { fmtDuration, translator, type T } from '../ui/i18n/translate.js';

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
export function fmtSince(iso: string | null, now = Date.now(), t: T = translator('en')): string {
  if (iso === null) return '—';
  return t('time.ago', { d: fmtDuration((now - Date.parse(iso)) / 1000, t) });
}

export function fmtRegistration(r: EndpointView['registration'], t: T = translator('en')): string {
  return r === 'none' ? '—' : t(`reg.${r}`);
}

function render(rows: EndpointView[], lang: Lang, t: T): string {
  if (rows.length === 0) return t('c.ep.none');
  const now = Date.now();
  return table(
    [
      t('c.col.id'),
      t('c.col.name'),
      t('c.col.kind'),
      t('c.col.state'),
      'RTT',
      t('c.col.since'),
      t('c.col.registration'),
      t('c.col.note'),
    ],
    rows.map((e) => [
      e.id,
      endpointName(e, lang),
      t(`kind1.${e.kind}`),
      t(`state.${e.state}`),
      fmtRtt(e.rttMs),
      fmtSince(e.since, now, t),
      fmtRegistration(e.registration, t),
      [e.conferenceId ? t('c.ep.inConf', { id: e.conferenceId }) : '', explain(e.reason, lang)]
        .filter(Boolean)
        .join(t('c.sep')),
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
    print(g, rows, (r) => render(r, g.lang, g.t));
  });
