import { Command } from 'commander';
import stringWidth from 'string-width';
import type { EndpointCheckResult, EndpointDetail, ProbeResult } from '../../protocol/index.js';
import { globals, withClient, type Lang } from '../context.js';
import { padEnd, print, table } from '../output.js';
import { explain } from '../ui/i18n/explain.js';
import type { T } from '../ui/i18n/translate.js';
import { endpointName, fmtRegistration, fmtRtt, fmtSince } from './endpoints.js';

/** Local wall-clock time of an instant: "2026-12-07 09:00:05". */
function fmtTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function fmtUptime(p: number | null): string {
  return p === null ? '—' : `${p.toFixed(p === 100 ? 0 : 2)} %`;
}

function renderShow(e: EndpointDetail, lang: Lang, t: T): string {
  const other = lang === 'zh' ? e.name.en : e.name.zh;
  const label = (k: string) => padEnd(k, Math.max(13, stringWidth(k) + 2));
  const field = (k: string, v: string) => `  ${label(k)}${v}`;
  const transport = e.transport.toUpperCase();
  const lines = [
    `${e.id} — ${endpointName(e, lang)} (${other}), ${t(`kind1.${e.kind}`)}`,
    field(t('c.ep.uri'), t('c.ep.over', { uri: e.uri, transport })),
    field(t('c.ep.groups'), e.groups.join(', ') || '—'),
    field(
      t('c.col.state'),
      `${t(`state.${e.state}`)}${e.since ? t('c.ep.since', { time: fmtTime(e.since), ago: fmtSince(e.since, Date.now(), t) }) : ''}`,
    ),
  ];
  if (e.reason) lines.push(field(t('c.ep.why'), explain(e.reason, lang)));
  lines.push(field('RTT', fmtRtt(e.rttMs)));
  lines.push(field(t('c.col.registration'), fmtRegistration(e.registration, t)));
  if (e.conferenceId) lines.push(field(t('c.ep.inMeeting'), e.conferenceId));
  if (e.lastUserAgent) lines.push(field(t('c.ep.userAgent'), e.lastUserAgent));
  lines.push(
    field(t('c.ep.uptime'), t('c.ep.uptimeValue', { d1: fmtUptime(e.uptime.last24h), d7: fmtUptime(e.uptime.last7d) })),
  );
  lines.push('');
  if (e.transitions.length === 0) lines.push(t('c.ep.noTransitions'));
  else {
    lines.push(t('c.ep.transitions'));
    lines.push(
      table(
        [t('c.col.when'), t('c.col.from'), t('c.col.to'), 'RTT', t('c.col.reason')],
        e.transitions.map((x) => [
          fmtTime(x.at),
          t(`state.${x.from}`),
          t(`state.${x.to}`),
          fmtRtt(x.rttMs),
          explain(x.reason, lang),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

function probeLine(p: ProbeResult, lang: Lang, t: T): string[] {
  const answer =
    p.status !== undefined
      ? explain(`${p.status}${p.reason ? ` ${p.reason}` : ''}`, lang)
      : `${p.error ? t(`perr.${p.error}`) : t('c.chk.failed')}${p.reason ? ` (${explain(p.reason, lang)})` : ''}`;
  return [p.transport.toUpperCase(), p.ok ? t('c.chk.ok') : t('c.chk.fail'), answer, fmtRtt(p.rttMs), p.server ?? ''];
}

function renderCheck(r: EndpointCheckResult, lang: Lang, t: T): string {
  const lines = [t('c.chk.head', { id: r.id, uri: r.uri })];
  if (r.probes.length > 0)
    lines.push(
      table(
        [t('c.chk.via'), t('c.chk.result'), t('c.chk.answer'), t('c.chk.time'), t('c.chk.server')],
        r.probes.map((p) => probeLine(p, lang, t)),
      ),
    );
  for (const p of r.probes)
    if (!p.ok && (p.why ?? p.likelyCause))
      lines.push(`  ${p.transport.toUpperCase()}: ${explain(p.why ?? p.likelyCause, lang)}`);
  const suites = r.probes.find((p) => p.cryptoSuites !== undefined)?.cryptoSuites;
  if (suites) lines.push(t('c.chk.srtp', { suites: suites.length ? `🔒 ${suites.join(', ')}` : t('c.chk.srtpNone') }));
  else if (r.probes.some((p) => p.ok)) lines.push(t('c.chk.srtpUnknown'));
  lines.push('');
  const cause = r.why ?? r.likelyCause;
  lines.push(
    cause
      ? t('c.chk.verdictWhy', { verdict: t(`verdict1.${r.verdict}`), cause: explain(cause, lang) })
      : t('c.chk.verdict', { verdict: t(`verdict1.${r.verdict}`) }),
  );
  return lines.join('\n');
}

const show = new Command('show')
  .description('details and history of one endpoint: state, uptime over 24 h and 7 d, last state changes')
  .argument('<id>', 'endpoint id from the site config, e.g. xiaoguan')
  .action(async (id: string, _opts, cmd: Command) => {
    const g = globals(cmd);
    const e = await withClient(g, (c) => c.call('endpoint.show', { id }));
    print(g, e, (v) => renderShow(v, g.lang, g.t));
  });

const check = new Command('check')
  .description('send OPTIONS now over each transport and explain a failure (technician role); exits 1 when it fails')
  .argument('<id>', 'endpoint id from the site config, e.g. xiaoguan')
  .action(async (id: string, _opts, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('endpoint.check', { id }));
    print(g, r, (v) => renderCheck(v, g.lang, g.t));
    if (r.verdict === 'failed') process.exitCode = 1;
  });

export const endpoint = new Command('endpoint')
  .description('one endpoint: show its health and history, or check it now')
  .addCommand(show)
  .addCommand(check);
