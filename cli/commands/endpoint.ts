import { Command } from 'commander';
import type { EndpointCheckResult, EndpointDetail, ProbeResult } from '../../protocol/index.js';
import { globals, withClient, type Lang } from '../context.js';
import { padEnd, print, table } from '../output.js';
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

function renderShow(e: EndpointDetail, lang: Lang): string {
  const other = lang === 'zh' ? e.name.en : e.name.zh;
  const field = (k: string, v: string) => `  ${padEnd(k, 13)}${v}`;
  const lines = [
    `${e.id} — ${endpointName(e, lang)} (${other}), ${e.kind}`,
    field('uri', `${e.uri} over ${e.transport.toUpperCase()}`),
    field('groups', e.groups.join(', ') || '—'),
    field('state', `${e.state}${e.since ? ` since ${fmtTime(e.since)} (${fmtSince(e.since)})` : ''}`),
  ];
  if (e.reason) lines.push(field('why', e.reason));
  lines.push(field('RTT', fmtRtt(e.rttMs)));
  lines.push(field('registration', fmtRegistration(e.registration)));
  if (e.conferenceId) lines.push(field('in meeting', e.conferenceId));
  if (e.lastUserAgent) lines.push(field('user agent', e.lastUserAgent));
  lines.push(field('uptime', `last 24 h ${fmtUptime(e.uptime.last24h)}, last 7 d ${fmtUptime(e.uptime.last7d)}`));
  lines.push('');
  if (e.transitions.length === 0) lines.push('no state changes recorded yet');
  else {
    lines.push('last state changes (newest first):');
    lines.push(
      table(
        ['when', 'from', 'to', 'RTT', 'reason'],
        e.transitions.map((t) => [fmtTime(t.at), t.from, t.to, fmtRtt(t.rttMs), t.reason ?? '']),
      ),
    );
  }
  return lines.join('\n');
}

function probeLine(p: ProbeResult): string[] {
  const answer =
    p.status !== undefined
      ? `${p.status}${p.reason ? ` ${p.reason}` : ''}`
      : `${p.error ?? 'failed'}${p.reason ? ` (${p.reason})` : ''}`;
  return [p.transport.toUpperCase(), p.ok ? 'ok' : 'FAIL', answer, fmtRtt(p.rttMs), p.server ?? ''];
}

function renderCheck(r: EndpointCheckResult): string {
  const lines = [`OPTIONS to ${r.id} (${r.uri}):`];
  if (r.probes.length > 0)
    lines.push(table(['via', 'result', 'answer', 'time', 'server / user agent'], r.probes.map(probeLine)));
  for (const p of r.probes) if (!p.ok && p.likelyCause) lines.push(`  ${p.transport.toUpperCase()}: ${p.likelyCause}`);
  const suites = r.probes.find((p) => p.cryptoSuites !== undefined)?.cryptoSuites;
  if (suites)
    lines.push(`SRTP (a=crypto in its OPTIONS answer): ${suites.length ? `🔒 ${suites.join(', ')}` : 'none offered'}`);
  else if (r.probes.some((p) => p.ok)) lines.push('SRTP: unknown (its OPTIONS answer carried no SDP)');
  lines.push('');
  lines.push(`verdict: ${r.verdict}${r.likelyCause ? ` — likely cause: ${r.likelyCause}` : ''}`);
  return lines.join('\n');
}

const show = new Command('show')
  .description('details and history of one endpoint: state, uptime over 24 h and 7 d, last state changes')
  .argument('<id>', 'endpoint id from the site config, e.g. xiaoguan')
  .action(async (id: string, _opts, cmd: Command) => {
    const g = globals(cmd);
    const e = await withClient(g, (c) => c.call('endpoint.show', { id }));
    print(g, e, (v) => renderShow(v, g.lang));
  });

const check = new Command('check')
  .description('send OPTIONS now over each transport and explain a failure (technician role); exits 1 when it fails')
  .argument('<id>', 'endpoint id from the site config, e.g. xiaoguan')
  .action(async (id: string, _opts, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('endpoint.check', { id }));
    print(g, r, renderCheck);
    if (r.verdict === 'failed') process.exitCode = 1;
  });

export const endpoint = new Command('endpoint')
  .description('one endpoint: show its health and history, or check it now')
  .addCommand(show)
  .addCommand(check);
