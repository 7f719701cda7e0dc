import { Command } from 'commander';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { globals, parseOptions } from '../context.js';
import { CliError } from '../errors.js';
import { print } from '../output.js';
import { bashCompletion } from '../completion.js';

const Options = z.object({
  root: z.string().default('/'),
  config: z.string().optional(),
  user: z.boolean().default(true),
});

/** The project folder (where dist/ and configs/ are), from this bundle's location. */
function prefix(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'configs', 'vcbridged.service'))) return dir;
    dir = dirname(dir);
  }
  throw new CliError('INTERNAL', 'cannot find configs/vcbridged.service next to this vcbridge');
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new CliError('INTERNAL', `${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

const shQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** vcbridge and vcbridged on everyone's PATH: small launchers naming this node and this install. */
function installLaunchers(binDir: string, pre: string): string[] {
  mkdirSync(binDir, { recursive: true });
  return ['vcbridge', 'vcbridged'].map((name) => {
    const path = join(binDir, name);
    writeFileSync(
      path,
      `#!/bin/sh\n# installed by \`vcbridge daemon install\`\nexec ${shQuote(process.execPath)} ${shQuote(join(pre, 'dist', `${name}.js`))} "$@"\n`,
    );
    chmodSync(path, 0o755);
    return path;
  });
}

/** The completion script, where bash-completion looks for it by command name. */
function installCompletion(dir: string, root: Command): string[] {
  mkdirSync(dir, { recursive: true });
  const script = bashCompletion(root);
  return ['vcbridge', 'vcbridged'].map((name) => {
    const path = join(dir, name);
    writeFileSync(path, script);
    return path;
  });
}

/**
 * Place the systemd unit, the config dir and the state dir. With --root (a staging tree, used by
 * the tests and by packagers) nothing outside that tree is touched and no user is created.
 */
export const install = new Command('install')
  .description(
    'install the systemd unit (vcbridged.service), /etc/vcbridge, /var/lib/vcbridge, vcbridge/vcbridged in /usr/local/bin and bash completion',
  )
  .option('--root <dir>', 'install into this tree instead of / (packaging, tests)')
  .option('--config <file>', 'copy this site config to /etc/vcbridge/site.yaml (kept if one exists)')
  .option('--no-user', 'do not create the vcbridge system user')
  .action((raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(Options, raw);
    const root = resolve(o.root);
    const live = root === '/';
    const pre = prefix();
    const unit = readFileSync(join(pre, 'configs', 'vcbridged.service'), 'utf8')
      .replaceAll('@NODE@', process.execPath)
      .replaceAll('@PREFIX@', pre);
    const unitPath = join(root, 'etc/systemd/system/vcbridged.service');
    const etc = join(root, 'etc/vcbridge');
    const state = join(root, 'var/lib/vcbridge');
    if (live && process.getuid?.() !== 0) throw new CliError('FORBIDDEN', g.t('c.inst.root'));
    mkdirSync(dirname(unitPath), { recursive: true });
    mkdirSync(etc, { recursive: true });
    mkdirSync(state, { recursive: true, mode: 0o750 });
    writeFileSync(unitPath, unit);
    const site = join(etc, 'site.yaml');
    let configCopied = false;
    if (o.config && !existsSync(site)) {
      copyFileSync(o.config, site);
      configCopied = true;
    }
    let top: Command = cmd;
    while (top.parent) top = top.parent;
    const launchers = installLaunchers(join(root, 'usr/local/bin'), pre);
    const completion = installCompletion(join(root, 'usr/share/bash-completion/completions'), top);
    const steps: string[] = [
      g.t('c.inst.unit', { path: unitPath }),
      g.t(configCopied ? 'c.inst.configCopied' : 'c.inst.config', { path: etc }),
      g.t('c.inst.state', { path: state }),
      g.t('c.inst.commands', { list: launchers.join(', ') }),
      g.t('c.inst.completion', { path: completion[0] ?? '' }),
    ];
    if (live && o.user) {
      if (spawnSync('id', ['vcbridge']).status !== 0)
        run('useradd', ['--system', '--home-dir', '/var/lib/vcbridge', '--shell', '/usr/sbin/nologin', 'vcbridge']);
      run('chown', ['-R', 'vcbridge:vcbridge', state]);
      steps.push(g.t('c.inst.user'));
    }
    if (live && existsSync('/run/systemd/system')) {
      run('systemctl', ['daemon-reload']);
      steps.push(g.t('c.inst.reloaded'));
    } else {
      steps.push(g.t('c.inst.noSystemd'));
    }
    print(
      g,
      { installed: true, unit: unitPath, configDir: etc, stateDir: state, configCopied, launchers, completion },
      () => steps.join('\n'),
    );
  });
