import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { writeOut } from './output.js';
import { audit } from './commands/audit.js';
import { config } from './commands/config.js';
import { daemon } from './commands/daemon.js';
import { status } from './commands/status.js';
import { commands as laterCommands } from './commands/index.js';
import { completeIds, completionCommand } from './commands/completion.js';

export function buildProgram(): Command {
  const program = new Command('vcbridge')
    .description('run the city video-conference bridge: endpoints, conferences, schedules')
    .option('--json', 'print machine-readable JSON')
    .option('--url <url>', 'control API URL (env VCBRIDGE_URL; default ws://127.0.0.1:7443)')
    .option('--token <token>', 'operator token (env VCBRIDGE_TOKEN)')
    .option('--lang <lang>', 'en or zh (default from LANG)')
    .showHelpAfterError()
    .exitOverride();
  for (const c of [status, config, daemon, audit, ...laterCommands, completionCommand(() => program)])
    program.addCommand(c);
  program.addCommand(completeIds, { hidden: true });
  // Commander's own usage errors must exit 2, not call process.exit inside subcommands.
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Run the CLI; returns the exit code (0 ok, 1 error, 2 usage). */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(withDefaultCommand(argv), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err, json);
  }
}

/** `vcbridge` alone (global options at most) opens the console on a terminal and prints the help elsewhere. */
function withDefaultCommand(argv: string[]): string[] {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--url' || a === '--token' || a === '--lang') i++;
    else if (a !== '--json' && !/^--(url|token|lang)=/.test(a)) return argv;
  }
  const interactive = process.stdout.isTTY && process.stdin.isTTY && !argv.includes('--json');
  return interactive ? [...argv, 'console'] : [...argv, '--help'];
}

/** The one error handler: message for people, {error:{code,message}} for --json. */
function report(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // help and version are "errors" to commander, but exit 0
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message: err.message } })}\n`);
    return 2;
  }
  const e =
    err instanceof CliError
      ? err
      : new CliError('INTERNAL', err instanceof Error ? (err.stack ?? err.message) : String(err));
  if (json)
    process.stdout.write(
      `${JSON.stringify({ error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } })}\n`,
    );
  else writeOut(`vcbridge: ${e.message}\n`, process.stderr);
  return e.exitCode;
}
