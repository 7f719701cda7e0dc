import { Command } from 'commander';
import type { TemplateView } from '../../protocol/index.js';
import { globals, withClient, type Lang } from '../context.js';
import { print, table } from '../output.js';

// vcbridge template list|show: the meeting templates (会议模板) of the running daemon's site config.

const name = (t: TemplateView, lang: Lang): string => (lang === 'zh' ? t.name.zh : t.name.en);
const sitesText = (t: TemplateView): string =>
  t.sites.length > 8 ? `${t.sites.slice(0, 8).join(', ')}, … (${t.sites.length})` : t.sites.join(', ');

function renderList(rows: TemplateView[], lang: Lang): string {
  if (rows.length === 0) return 'no templates in the site config (add them under templates:)';
  return table(
    ['id', 'name', 'sites', 'chair', 'upstream', 'mode', 'duration'],
    rows.map((t) => [
      t.id,
      name(t, lang),
      String(t.sites.length),
      t.chair ?? '—',
      t.upstream ?? '—',
      t.mode ?? '—',
      t.durationMinutes ? `${t.durationMinutes} min` : '—',
    ]),
  );
}

function renderOne(t: TemplateView, lang: Lang): string {
  return [
    `${t.id}  ${name(t, lang)}`,
    `  title     ${t.title}`,
    `  sites     ${sitesText(t) || '—'}`,
    ...(t.groups.length ? [`  groups    ${t.groups.join(', ')}`] : []),
    `  chair     ${t.chair ?? '—'}`,
    `  upstream  ${t.upstream ?? '—'}`,
    `  mode      ${t.mode ?? 'broadcast'}`,
    `  duration  ${t.durationMinutes ? `${t.durationMinutes} min` : '—'}`,
  ].join('\n');
}

const list = new Command('list')
  .description('the meeting templates of the site config')
  .action(async (_raw, cmd: Command) => {
    const g = globals(cmd);
    print(g, await withClient(g, (c) => c.call('template.list', {})), (rows) => renderList(rows, g.lang));
  });

const show = new Command('show')
  .description('one template: title, every site it takes, chair, upstream, mode, duration')
  .argument('<id>', 'template id (see vcbridge template list)')
  .action(async (id: string, _raw, cmd: Command) => {
    const g = globals(cmd);
    print(g, await withClient(g, (c) => c.call('template.show', { id })), (t) => renderOne(t, g.lang));
  });

export const template = new Command('template')
  .description(
    'meeting templates (会议模板): start one with `conf start --template ID`, book one with `schedule add --template ID`',
  )
  .addCommand(list)
  .addCommand(show);
