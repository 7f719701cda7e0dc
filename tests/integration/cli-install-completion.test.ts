// `vcbridge daemon install` puts vcbridge/vcbridged on PATH and installs bash completion generated
// from the command tree. Checked with a real bash: the staged launchers run, and the completion
// function, sourced from the installed file, offers commands, options and the running daemon's ids
// (templates, conferences, sites) the way a person's TAB would. Also: templates through the daemon
// (list, show, unknown id) and a reload that adds one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_JS, TOKENS, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';

let d: RunningDaemon;
let root: string;
let config: Record<string, unknown>;
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'vcb-xdg-')),
  VCBRIDGE_URL: d.url,
  VCBRIDGE_TOKEN: TOKENS.operator,
});

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI_JS, ...args], { encoding: 'utf8', env: env() });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** What TAB offers after `line` (the last word may be partial), from the installed script in bash. */
function complete(line: string): string[] {
  const words = line.split(' ');
  const script = [
    `source ${JSON.stringify(join(root, 'usr/share/bash-completion/completions/vcbridge'))}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_vcbridge',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '-c', script], {
    encoding: 'utf8',
    env: { ...env(), PATH: `${join(root, 'usr/local/bin')}:${process.env.PATH}` },
  });
  if (r.status !== 0) throw new Error(`bash failed (${r.status}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  const apiPort = await freePort();
  config = testConfig(apiPort, await freePort(), {
    endpoints: [
      {
        id: 'xiaoguan',
        name: { zh: '小关镇', en: 'Xiaoguan' },
        kind: 'town',
        uri: 'sip:xiaoguan@127.0.0.1:9',
        groups: ['towns'],
      },
      {
        id: 'zhuhuichang',
        name: { zh: '市政府主会场', en: 'City Main Room' },
        kind: 'city',
        uri: 'sip:zhuhuichang@127.0.0.1:9',
      },
    ],
    templates: [
      {
        id: 'weekly',
        name: { zh: '周例会', en: 'Weekly' },
        groups: ['towns'],
        chair: 'zhuhuichang',
        durationMinutes: 90,
      },
    ],
  });
  d = await startDaemon({ config });
  root = mkdtempSync(join(tmpdir(), 'vcb-root-'));
  const r = cli(['daemon', 'install', '--root', root, '--no-user', '--json']);
  expect(r.code, r.err).toBe(0);
}, 30_000);

afterAll(async () => {
  await d?.stop('SIGKILL');
});

describe('daemon install: commands on PATH and bash completion', () => {
  it('installs executable vcbridge and vcbridged launchers that run this build', () => {
    for (const name of ['vcbridge', 'vcbridged']) {
      const p = join(root, 'usr/local/bin', name);
      expect(statSync(p).mode & 0o111).toBe(0o111);
      expect(readFileSync(p, 'utf8')).toContain(process.execPath);
    }
    const r = spawnSync('bash', ['--norc', '-c', 'vcbridge status --json'], {
      encoding: 'utf8',
      env: { ...env(), PATH: `${join(root, 'usr/local/bin')}:/usr/bin:/bin` },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).site).toBe('Test site');
    const help = spawnSync(join(root, 'usr/local/bin/vcbridged'), ['--help'], { encoding: 'utf8' });
    expect(help.stdout + help.stderr).toMatch(/--config/);
  }, 180_000);

  it('the completion script is valid bash and is what `vcbridge completion bash` prints', () => {
    const file = join(root, 'usr/share/bash-completion/completions/vcbridge');
    expect(existsSync(join(root, 'usr/share/bash-completion/completions/vcbridged'))).toBe(true);
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    expect(cli(['completion', 'bash']).out).toBe(readFileSync(file, 'utf8'));
  }, 180_000);

  it('TAB offers commands, subcommands and options from the command tree', () => {
    expect(complete('vcbridge co')).toEqual(['completion', 'conf', 'config', 'console']);
    expect(complete('vcbridge conf p')).toEqual(['pane', 'poll']);
    expect(complete('vcbridge template ')).toEqual(['list', 'show']);
    expect(complete('vcbridge conf poll c-1 --i')).toEqual(['--interval']);
    expect(complete('vcbridge conf start --mode r')).toEqual(['rollcall']);
    expect(complete('vcbridge --lang ')).toEqual(['en', 'zh']);
    expect(complete('vcbridge __c')).toEqual([]);
  }, 180_000);

  // Each completion runs a real bash and the CLI (which asks the daemon): on a busy machine a few seconds each.
  it("TAB offers the running daemon's template, site, group and conference ids", () => {
    expect(complete('vcbridge conf start --template ')).toEqual(['weekly']);
    expect(complete('vcbridge template show w')).toEqual(['weekly']);
    expect(complete('vcbridge conf start --chair ')).toEqual(['xiaoguan', 'zhuhuichang']);
    expect(complete('vcbridge conf start --group ')).toEqual(['towns']);
    const started = cli(['conf', 'start', '--template', 'weekly', '--wait', '0', '--json']);
    expect(started.code, started.err).toBe(0);
    const id = JSON.parse(started.out).id as string;
    expect(complete('vcbridge conf show ')).toEqual([id]);
    expect(complete(`vcbridge conf floor ${id} zh`)).toEqual(['zhuhuichang']);
    expect(complete(`vcbridge conf poll ${id} --sites xiaoguan,z`)).toEqual(['xiaoguan,zhuhuichang']);
    expect(cli(['conf', 'end', id]).code).toBe(0);
  }, 180_000);

  it('templates through the daemon: list --json, show, an unknown id, and a reload that adds one', async () => {
    const list = JSON.parse(cli(['template', 'list', '--json']).out) as { id: string; name: { zh: string } }[];
    expect(list.map((t) => [t.id, t.name.zh])).toEqual([['weekly', '周例会']]);
    expect(cli(['template', 'show', 'weekly']).out).toMatch(/sites\s+xiaoguan, zhuhuichang/);
    const bad = cli(['template', 'show', 'nosuch', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).error.code).toBe('TEMPLATE_UNKNOWN');
    (config.templates as unknown[]).push({
      id: 'emergency',
      name: { zh: '应急', en: 'Emergency' },
      endpoints: ['xiaoguan'],
    });
    writeFileSync(d.configFile, stringify(config));
    d.proc.kill('SIGHUP');
    const deadline = Date.now() + 60_000;
    while (!/template added: emergency/.test(d.output()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(JSON.parse(cli(['template', 'list', '--json']).out).map((t: { id: string }) => t.id)).toEqual([
      'weekly',
      'emergency',
    ]);
  }, 180_000);
});
