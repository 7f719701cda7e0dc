import { Command } from 'commander';
import type { StatusResult } from '../../protocol/index.js';
import { globals, withClient } from '../context.js';
import { print } from '../output.js';
import { fmtDuration, type T } from '../ui/i18n/translate.js';

function render(s: StatusResult, t: T): string {
  const e = s.endpoints.byState;
  return [
    t('c.status.head', {
      site: s.site,
      version: s.version,
      pid: s.pid,
      up: fmtDuration(s.uptimeSeconds, t),
      tz: s.timezone,
    }),
    t('c.status.endpoints', { total: s.endpoints.total, ...e }),
    t('c.status.conferences', { active: s.conferences.active, upcoming: s.schedules.upcoming24h }),
    t('c.status.you', { name: s.you.name, role: t(`role.${s.you.role}`), url: s.api.url }),
  ].join('\n');
}

export const status = new Command('status')
  .description('show the daemon, its endpoints and conferences at a glance')
  .action(async (_opts, cmd: Command) => {
    const g = globals(cmd);
    const s = await withClient(g, (c) => c.call('status'));
    print(g, s, (v) => render(v, g.t));
  });
