import { Command } from 'commander';
import type { TemplateView } from '../../protocol/index.js';
import { globals, withClient, type Lang } from '../context.js';
import { padEnd, print, table } from '../output.js';
import { pollingText } from '../scheduleRender.js';
import { translator, type MessageKey } from '../ui/i18n/translate.js';

// vcbridge template list|show: the meeting templates (会议模板) of the running daemon's site config.

const name = (t: TemplateView, lang: Lang): string => (lang === 'zh' ? t.name.zh : t.name.en);
const sitesText = (t: TemplateView): string =>
  t.sites.length > 8 ? `${t.sites.slice(0, 8).join(', ')}, … (${t.sites.length})` : t.sites.join(', ');

function renderList(rows: TemplateView[], lang: Lang): string {
  const t = translator(lang);
  if (rows.length === 0) return t('c.tpl.none');
  return table(
    [
      t('c.col.id'),
      t('c.col.name'),
      t('c.col.sites'),
      t('c.col.chair'),
      t('c.col.upstream'),
      t('c.col.mode'),
      t('c.col.duration'),
    ],
    rows.map((x) => [
      x.id,
      name(x, lang),
      String(x.sites.length),
      x.chair ?? '—',
      x.upstream ?? '—',
      x.mode ? t(`cmode.${x.mode}`) : '—',
      x.durationMinutes ? t('c.minutes', { n: x.durationMinutes }) : '—',
    ]),
  );
}

function renderOne(x: TemplateView, lang: Lang): string {
  const t = translator(lang);
  const f = (k: MessageKey, v: string) => `  ${padEnd(t(k), 10)}${v}`;
  return [
    `${x.id}  ${name(x, lang)}`,
    f('c.col.title', x.title),
    f('c.col.sites', sitesText(x) || '—'),
    ...(x.groups.length ? [f('c.ep.groups', x.groups.join(', '))] : []),
    f('c.col.chair', x.chair ?? '—'),
    f('c.col.upstream', x.upstream ?? '—'),
    f('c.col.mode', t(`cmode.${x.mode ?? 'broadcast'}`)),
    f('c.col.duration', x.durationMinutes ? t('c.minutes', { n: x.durationMinutes }) : '—'),
    ...(x.layout !== undefined ? [f('c.col.layout', x.layout)] : []),
    ...(x.polling ? [f('c.col.polling', pollingText(x.polling, t))] : []),
    ...(x.record ? [f('c.col.record', t('c.plan.yes'))] : []),
    ...(x.workdays === 'cn' ? [f('c.col.workdays', t('c.plan.workdaysCn'))] : []),
  ].join('\n');
}

const list = new Command('list')
  .description('the meeting templates of the site config')
  .action(async (_raw, cmd: Command) => {
    const g = globals(cmd);
    print(g, await withClient(g, (c) => c.call('template.list', {})), (rows) => renderList(rows, g.lang));
  });

const show = new Command('show')
  .description('one template: title, every site it takes, chair, upstream, mode, duration, layout, polling, recording')
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
