import { Command } from 'commander';
import type { IdKind } from '../completion.js';
import { bashCompletion } from '../completion.js';
import { ApiClient } from '../client.js';
import { globals } from '../context.js';
import { usage } from '../errors.js';
import { say } from '../../protocol/index.js';

// `vcbridge completion bash` prints the completion script; `vcbridge __complete KIND` (hidden) is
// what the script calls for ids. It must answer fast and never print an error into a prompt.

const KINDS: readonly IdKind[] = ['conferences', 'endpoints', 'groups', 'templates', 'schedules'];
/** A completion waits at most this long for the daemon. */
const COMPLETE_TIMEOUT_MS = 1500;

export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('print the bash completion script (`vcbridge daemon install` installs it)')
    .argument('<shell>', 'bash')
    .action((shell: string) => {
      if (shell !== 'bash') throw usage(say('cli.shell', { value: shell }));
      process.stdout.write(bashCompletion(root()));
    });
}

async function ids(c: ApiClient, kind: IdKind): Promise<string[]> {
  switch (kind) {
    case 'conferences':
      return (await c.call('conference.list', {})).map((x) => x.id);
    case 'endpoints':
      return (await c.call('endpoints.list', {})).map((x) => x.id);
    case 'groups':
      return [...new Set((await c.call('endpoints.list', {})).flatMap((x) => x.groups))];
    case 'templates':
      return (await c.call('template.list', {})).map((x) => x.id);
    case 'schedules':
      return [...new Set((await c.call('schedule.list', {})).map((x) => x.scheduleId))];
  }
}

export const completeIds = new Command('__complete')
  .argument('<kind>')
  .action(async (kind: string, _o, cmd: Command) => {
    if (!(KINDS as readonly string[]).includes(kind)) return;
    let client: ApiClient | undefined;
    try {
      const g = globals(cmd);
      client = await ApiClient.connect({ url: g.url, token: g.token, timeoutMs: COMPLETE_TIMEOUT_MS });
      process.stdout.write(`${(await ids(client, kind as IdKind)).sort().join('\n')}\n`);
    } catch (err) {
      // no daemon, no token, an old daemon: complete nothing (the script sends stderr to /dev/null)
      process.stderr.write(`vcbridge __complete ${kind}: ${err instanceof Error ? err.message : String(err)}\n`);
    } finally {
      client?.close();
    }
  });
