import { Command } from 'commander';
import { globals } from '../context.js';
import { CliError, usage } from '../errors.js';
import { translator } from '../ui/i18n/translate.js';
import { say } from '../../protocol/index.js';

export const consoleCommand = new Command('console')
  .description('open the live operator console (needs an interactive terminal)')
  .option('--screen <screen>', 'open on: overview, conference, technician or schedule', 'overview')
  .action(async (opts: { screen: string }, cmd: Command) => {
    const g = globals(cmd);
    const screens = ['overview', 'conference', 'technician', 'schedule'] as const;
    const screen = screens.find((s) => s === opts.screen);
    if (!screen) throw usage(say('cli.screen', { screens: screens.join(', '), value: String(opts.screen) }));
    // Never draw escape codes into a pipe or a file: point at the plain commands instead.
    if (!process.stdout.isTTY || !process.stdin.isTTY)
      throw new CliError('NOT_A_TERMINAL', translator(g.lang)('console.notTty'));
    // Loaded on demand (a separate chunk in the bundle): Ink and React take ~0.4 s to load, which
    // the plain commands must not pay.
    const { runConsole } = await import('../ui/run.js');
    process.exitCode = await runConsole({ url: g.url, token: g.token, lang: g.lang, initialScreen: screen });
  });
