import { Command } from 'commander';
import { CliError } from '../errors.js';
import { globals, withClient } from '../context.js';
import { runDaemonSync } from '../daemonProcess.js';
import { print, writeOut } from '../output.js';
import { explain, explainLine } from '../ui/i18n/explain.js';

interface CheckResult {
  ok: boolean;
  endpoints?: number;
  warnings?: string[];
  error?: { code: string; message: string; details?: unknown };
}

// Validation is the daemon's own loader, run as `vcbridged --check`, so the CLI and the daemon
// can never disagree about what a valid config is (and the CLI imports no daemon code).
export function checkConfigFile(file: string): CheckResult {
  const r = runDaemonSync(['--check', '--json', '--config', file]);
  try {
    return JSON.parse(r.stdout) as CheckResult;
  } catch {
    throw new CliError('INTERNAL', `vcbridged --check failed: ${r.stderr || r.stdout}`);
  }
}

/** The daemon's refusal of a config file as the CLI's error (printed line by line in the operator's language). */
export function configRefusal(out: CheckResult): CliError | undefined {
  return !out.ok && out.error
    ? new CliError(out.error.code, out.error.message, { details: out.error.details })
    : undefined;
}

const check = new Command('check')
  .description('validate a site config file; errors name the file, line and field')
  .argument('<file>', 'site config (YAML)')
  .action((file: string, _opts, cmd: Command) => {
    const g = globals(cmd);
    const out = checkConfigFile(file);
    const refused = configRefusal(out);
    if (refused) throw refused;
    if (g.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else {
      for (const w of out.warnings ?? [])
        writeOut(`${g.t('c.cfg.warning')}${g.t('c.colon')}${explainLine(w, g.lang)}\n`);
      writeOut(`${g.t('c.cfg.valid', { file, n: out.endpoints ?? 0 })}\n`);
    }
  });

const reload = new Command('reload')
  .description("re-read the running daemon's site config (as SIGHUP does); a bad one is refused and the old one kept")
  .action(async (_opts, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('daemon.reload', {}));
    print(g, r, (x) =>
      [
        x.changes.length ? g.t('c.cfg.reloaded', { n: x.changes.length }) : g.t('c.cfg.reloadedNone'),
        ...x.changes.map((c) => `  ${explain(c, g.lang)}`),
      ].join('\n'),
    );
  });

export const config = new Command('config').description('site config tools').addCommand(check).addCommand(reload);
