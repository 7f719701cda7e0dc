import { Command } from 'commander';
import { CliError } from '../errors.js';
import { globals } from '../context.js';
import { runDaemonSync } from '../daemonProcess.js';
import { writeOut } from '../output.js';

// Validation is the daemon's own loader, run as `vcbridged --check`, so the CLI and the daemon
// can never disagree about what a valid config is.
const check = new Command('check')
  .description('validate a site config file; errors name the file, line and field')
  .argument('<file>', 'site config (YAML)')
  .action((file: string, _opts, cmd: Command) => {
    const g = globals(cmd);
    const r = runDaemonSync(['--check', '--json', '--config', file]);
    let out: {
      ok: boolean;
      endpoints?: number;
      warnings?: string[];
      error?: { code: string; message: string; details?: unknown };
    };
    try {
      out = JSON.parse(r.stdout);
    } catch {
      throw new CliError('INTERNAL', `vcbridged --check failed: ${r.stderr || r.stdout}`);
    }
    if (!out.ok && out.error) throw new CliError(out.error.code, out.error.message, { details: out.error.details });
    if (g.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else {
      for (const w of out.warnings ?? []) writeOut(`${g.t('c.cfg.warning')}${g.t('c.colon')}${w}\n`);
      writeOut(`${g.t('c.cfg.valid', { file, n: out.endpoints ?? 0 })}\n`);
    }
  });

export const config = new Command('config').description('site config tools').addCommand(check);
