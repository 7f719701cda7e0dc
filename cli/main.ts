import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { langOf, type Lang } from './context.js';
import { explainError } from './ui/i18n/explain.js';
import { hasMessage, translator, type MessageKey } from './ui/i18n/translate.js';
import { writeOut } from './output.js';
import { audit } from './commands/audit.js';
import { config } from './commands/config.js';
import { daemon } from './commands/daemon.js';
import { status } from './commands/status.js';
import { commands as laterCommands } from './commands/index.js';
import { completeIds, completionCommand } from './commands/completion.js';
import { localizeHelp } from './help.js';

export function buildProgram(lang: Lang = 'en'): Command {
  const t = translator(lang);
  const program = new Command('vcbridge')
    .description('run the city video-conference bridge: endpoints, conferences, schedules')
    .option('--json', 'print machine-readable JSON')
    .option('--url <url>', 'control API URL (env VCBRIDGE_URL; default ws://127.0.0.1:7443)')
    .option('--token <token>', 'operator token (env VCBRIDGE_TOKEN)')
    .option('--lang <lang>', 'en or zh (default from LANG)')
    .exitOverride();
  for (const c of [status, config, daemon, audit, ...laterCommands, completionCommand(() => program)])
    program.addCommand(c);
  program.addCommand(completeIds, { hidden: true });
  localizeHelp(program, lang);
  // Commander's own usage errors must exit 2, not call process.exit inside subcommands.
  // In Chinese the usage error is said from the catalogue, with a pointer to the help; in English
  // commander's own words and the help after them, as before.
  const output =
    lang === 'zh'
      ? { outputError: (s: string, write: (s: string) => void) => write(`${usageText(s, t)}\n`) }
      : undefined;
  const override = (c: Command) => {
    c.exitOverride();
    if (output) c.configureOutput(output);
    else if (c === program) c.showHelpAfterError();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Run the CLI; returns the exit code (0 ok, 1 error, 2 usage). */
export async function run(argv: string[]): Promise<number> {
  const lang = langOf(argv);
  const program = buildProgram(lang);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(withDefaultCommand(argv), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err, json, lang);
  }
}

const USAGE_KEYS: Record<string, MessageKey> = {
  'commander.unknownOption': 'c.use.unknownOption',
  'commander.unknownCommand': 'c.use.unknownCommand',
  'commander.missingArgument': 'c.use.missingArgument',
  'commander.optionMissingArgument': 'c.use.optionMissingArgument',
  'commander.missingMandatoryOptionValue': 'c.use.missingMandatory',
  'commander.excessArguments': 'c.use.excessArguments',
  'commander.invalidArgument': 'c.use.invalidArgument',
  'commander.conflictingOption': 'c.use.conflictingOption',
};

/** Commander's usage message ("error: unknown option '--x'") from the catalogue, by its shape. */
function usageText(message: string, t: ReturnType<typeof translator>): string {
  const what = /'([^']+)'/.exec(message)?.[1] ?? '';
  const code = Object.entries({
    'commander.unknownOption': /unknown option/,
    'commander.unknownCommand': /unknown command/,
    'commander.missingArgument': /missing required argument/,
    'commander.optionMissingArgument': /argument missing/,
    'commander.missingMandatoryOptionValue': /required option .* not specified/,
    'commander.excessArguments': /too many arguments/,
    'commander.invalidArgument': /invalid/i,
    'commander.conflictingOption': /cannot be used with/,
  }).find(([, re]) => re.test(message))?.[0];
  const key = code ? USAGE_KEYS[code] : undefined;
  return `vcbridge：${key ? t(key, { what }) : t('c.use.other')}${t('c.use.help')}`;
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

/** The one error handler: message for people (in their language), {error:{code,message}} for --json. */
function report(err: unknown, json: boolean, lang: Lang): number {
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
  else {
    const t = translator(lang);
    const headline = (code: string): string => (hasMessage(`err.${code}`) ? t(`err.${code}` as MessageKey) : code);
    writeOut(`vcbridge${t('c.colon')}${explainError(e.code, e.message, lang, headline)}\n`, process.stderr);
  }
  return e.exitCode;
}
