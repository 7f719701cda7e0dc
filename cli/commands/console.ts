import { Command } from 'commander';
import { globals } from '../context.js';
import { CliError } from '../errors.js';
import { translator } from '../ui/i18n/translate.js';

export const consoleCommand = new Command('console')
  .description('open the live operator console (needs an interactive terminal)')
  .action(async (_opts, cmd: Command) => {
    const g = globals(cmd);
    // Never draw escape codes into a pipe or a file: point at the plain commands instead.
    if (!process.stdout.isTTY || !process.stdin.isTTY) throw new CliError('NOT_A_TERMINAL', translator(g.lang)('console.notTty'));
    // Loaded on demand (a separate chunk in the bundle): Ink and React take ~0.4 s to load, which
    // the plain commands must not pay.
    const { runConsole } = await import('../ui/run.js');
    process.exitCode = await runConsole({ url: g.url, token: g.token, lang: g.lang });
  });
