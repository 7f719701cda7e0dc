import { Command } from 'commander';
import type { StatusResult } from '../../protocol/index.js';
import { globals, withClient } from '../context.js';
import { duration, print } from '../output.js';

function render(s: StatusResult): string {
  const e = s.endpoints.byState;
  return [
    `${s.site} — vcbridged ${s.version} (pid ${s.pid}), up ${duration(s.uptimeSeconds)}, ${s.timezone}`,
    `endpoints: ${s.endpoints.total} (reachable ${e.reachable}, degraded ${e.degraded}, unreachable ${e.unreachable}, unknown ${e.unknown})`,
    `conferences: ${s.conferences.active} active; meetings in the next 24 h: ${s.schedules.upcoming24h}`,
    `you: ${s.you.name} (${s.you.role}) at ${s.api.url}`,
  ].join('\n');
}

export const status = new Command('status')
  .description('show the daemon, its endpoints and conferences at a glance')
  .action(async (_opts, cmd: Command) => {
    const g = globals(cmd);
    const s = await withClient(g, (c) => c.call('status'));
    print(g, s, render);
  });
