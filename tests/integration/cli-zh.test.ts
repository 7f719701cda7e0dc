import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';
import { visibleCommands } from '../../cli/help.js';
import { CLI_JS, ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { corpusFile } from '../helpers/sharedCorpus.js';
import { allowList, untranslated, type Offence } from '../helpers/untranslated.js';

// Every command of the CLI, found by walking commander's command tree (so a command added later is
// run too, with arguments guessed from their names), against a real daemon on the example site
// (configs/gongyi.example.yaml, free ports, a temp data dir), with a Chinese LANG. Each output must
// be free of English words, catalogue keys and unfilled placeholders; the failure lists each
// offending word with the command that printed it. The same for `--help` of every command.

const TOKEN = 'op-token-zh';
const hash = (t: string) => `sha256:${createHash('sha256').update(t).digest('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'vcb-zh-'));
let d: RunningDaemon;
let site: { endpoints: { id: string; name: { en: string } }[]; groups: { id: string }[]; templates?: { id: string }[] };

/** Commands that change the host or run forever: not run here (their texts are unit-checked). */
const NOT_RUN = new Set(['daemon start', 'daemon stop', 'daemon install']);
/** Output that is not for people: the generated completion script. */
const NOT_TEXT = new Set(['completion']);
/** Values an operator types as they are, which --help names (modes, layouts, screens, states, `help`). */
const TYPED_VALUES = [
  ...['broadcast', 'rollcall', 'voice', 'select', 'auto', 'off', 'default', 'none', 'help'],
  ...['overview', 'conference', 'technician', 'schedule', 'unknown', 'reachable', 'degraded', 'unreachable'],
];
/** Run after everything else: they end what the others look at. */
const LAST = ['conf hangup', 'conf end', 'schedule cancel'];

interface Ran {
  command: string;
  code: number | null;
  out: string;
}

function cli(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI_JS, ...args], {
      env: {
        ...process.env,
        LANG: 'zh_CN.UTF-8',
        LC_ALL: '',
        VCBRIDGE_LANG: '',
        VCBRIDGE_URL: d.url,
        VCBRIDGE_TOKEN: TOKEN,
        XDG_CONFIG_HOME: dir,
      },
    });
    let out = '';
    p.stdout.on('data', (x) => (out += x));
    p.stderr.on('data', (x) => (out += x));
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ command: `vcbridge ${args.join(' ')}`, code, out });
    });
  });
}

function leaves(c: Command, path: string[] = []): { path: string; cmd: Command }[] {
  const visible = c.commands.filter((x) => !(x as unknown as { _hidden: boolean })._hidden);
  if (visible.length === 0) return [{ path: path.join(' '), cmd: c }];
  return visible.flatMap((x) => leaves(x, [...path, x.name()]));
}

const ids = { conference: '', schedule: '', icsOut: join(dir, 'export.ics') };

/** A value for an argument or a required option, guessed from its name and the command's parent. */
function guess(parent: string, name: string): string {
  const n = name.toLowerCase();
  if (n === 'id') {
    if (parent === 'endpoint') return 'xiaoguan';
    if (parent === 'schedule') return ids.schedule;
    if (parent === 'template') return 'weekly';
    return ids.conference;
  }
  if (/site|endpoint|source|target/.test(n)) return 'mihe';
  if (/^(n|pane|number)$/.test(n)) return '1';
  if (n === 'mode') return 'broadcast';
  if (n === 'layout') return '2x2';
  if (/minutes|duration|ttl/.test(n)) return '15m';
  if (/text|banner|title/.test(n)) return '防汛通知';
  if (n === 'shell') return 'bash';
  if (/ics|file/.test(n)) return parent === 'calendar' ? corpusFile('china-holidays/cal_holiday.ics') : ids.icsOut;
  if (n === 'name') return '教育局';
  if (n === 'config') return join(ROOT, 'configs/gongyi.example.yaml');
  return 'xiaoguan';
}

/** The argv for one leaf: known commands as an operator would type them, others guessed. */
function argv(path: string, cmd: Command): string[] {
  const known: Record<string, string[]> = {
    'conf start': ['conf', 'start', '--template', 'weekly', '--title', '防汛调度会', '--wait', '3'],
    'schedule add': [
      'schedule',
      'add',
      '--title',
      '周一例会',
      '--start',
      '2031-01-06T09:00+08:00',
      '--duration',
      '60m',
      '--group',
      'towns',
      '--rrule',
      'FREQ=WEEKLY;BYDAY=MO',
    ],
    'schedule export': ['schedule', 'export', '--ics', ids.icsOut],
    'schedule import': ['schedule', 'import', '--ics', ids.icsOut],
    'conf poll': ['conf', 'poll', ids.conference, '--interval', '10s'],
    'conf floor': ['conf', 'floor', ids.conference, 'mihe'],
    'conf mute': ['conf', 'mute', ids.conference, 'mihe'],
    'conf unmute': ['conf', 'unmute', ids.conference, 'mihe'],
    'conf view': ['conf', 'view', ids.conference, 'xiaoguan', 'mihe'],
    'schedule edit': ['schedule', 'edit', ids.schedule, '--title', '周二例会'],
    'conf invite': ['conf', 'invite', ids.conference, '--name', '教育局'],
    'report daily': ['report', 'daily'],
    'config check': ['config', 'check', join(ROOT, 'configs/gongyi.example.yaml')],
  };
  if (known[path]) return known[path];
  const parent = path.split(' ').at(-2) ?? '';
  const args = cmd.registeredArguments.filter((a) => a.required).map((a) => guess(parent, a.name()));
  const opts = cmd.options
    .filter((o) => o.mandatory)
    .flatMap((o) => [o.long ?? o.short ?? '', guess(parent, o.attributeName())]);
  return [...path.split(' '), ...args, ...opts];
}

beforeAll(async () => {
  const example = parse(readFileSync(join(ROOT, 'configs/gongyi.example.yaml'), 'utf8'));
  site = example;
  const sipPort = await freePort();
  example.sip.listen = example.sip.listen.map((l: object) => ({ ...l, port: sipPort }));
  example.api.port = await freePort();
  example.media = { ...example.media, rtpPorts: { min: 10000, max: 14999 }, relayPorts: { min: 15000, max: 19999 } };
  example.operators = [{ name: 'demo', role: 'operator', tokenHash: hash(TOKEN) }];
  const configFile = join(dir, 'site.yaml');
  writeFileSync(configFile, stringify(example));
  d = await startDaemon({ dir });
}, 120_000);

afterAll(async () => {
  await d?.stop();
});

describe('every command speaks Chinese under a zh LANG', () => {
  it('prints no English word, catalogue key or placeholder in the output of any command', async () => {
    const program = buildProgram();
    const all = leaves(program);
    expect(all.length).toBeGreaterThan(30);
    const allowed = allowList(
      site.endpoints.map((e) => e.id),
      site.endpoints.map((e) => e.name.en),
      site.groups.map((g) => g.id),
      (site.templates ?? []).map((t) => t.id),
      all.flatMap((l) => l.path.split(' ')),
      ['demo', 'weekly', 'emergency', 'xiaoguan', 'mihe', 'zhengzhou', 'nowhere', 'nosuchconf'],
      ['yesterdayish', 'abc', 'zsh'], // bad values the usage errors below repeat back
    );
    const ran: Ran[] = [];
    const run = async (args: string[]) => {
      const r = await cli(args);
      ran.push(r);
      return r;
    };
    // what the others need: a running conference and a booked series
    const started = await run([...argv('conf start', program), '--json']);
    ids.conference = JSON.parse(started.out).id;
    await run(argv('conf start', program).map((a) => (a === '防汛调度会' ? '第二个会' : a)));
    const booked = await run([...argv('schedule add', program), '--json']);
    ids.schedule = JSON.parse(booked.out).schedule.id;
    ran.splice(0); // the --json runs above are not for people; the rest is checked

    const order = [
      ...all.filter((l) => !LAST.includes(l.path) && !NOT_RUN.has(l.path)),
      ...LAST.map((p) => all.find((l) => l.path === p)).filter((l) => l !== undefined),
    ];
    for (const l of order) {
      await run(argv(l.path, l.cmd));
      if (NOT_TEXT.has(l.path)) ran.pop();
    }
    // a usage error and a daemon error, by command and by code
    await run(['conf', 'show', 'c-nosuchconf']);
    await run(['endpoint', 'show', 'nowhere']);
    await run(['endpoints', '--bogus']);
    // the commands' own usage errors (said from the catalogue, like the daemon's reasons)
    for (const args of [
      ['conf', 'poll', ids.conference, '--interval', '3x'],
      ['conf', 'poll', ids.conference, '--stop', '--group', 'towns'],
      ['conf', 'floor', ids.conference, '--next', '--previous'],
      ['conf', 'mute', ids.conference],
      ['conf', 'extend', ids.conference, '3q'],
      ['conf', 'pane', ids.conference, 'x', 'mihe'],
      ['schedule', 'list', '--from', 'yesterdayish'],
      ['schedule', 'edit', ids.schedule],
      ['schedule', 'add', '--title', '例会', '--start', '2031-01-06T09:00+08:00'],
      ['calendar', 'list', '--year', 'abc'],
      ['recordings', 'list', '--limit', '0'],
      ['completion', 'zsh'],
    ]) {
      const r = await run(args);
      expect(r.code, r.command).toBe(2);
    }

    // --help of every command, the root and the command groups included
    const helps: Ran[] = [];
    for (const { path } of visibleCommands(program)) helps.push(await cli([...path, '--help']));
    expect(helps.length).toBe(visibleCommands(program).length);
    expect(helps.every((h) => h.code === 0 && /^用法：/.test(h.out))).toBe(true);
    const helpAllowed = new Set([...allowed, ...TYPED_VALUES]);

    const offences: (Offence & { command: string })[] = [];
    for (const r of ran) for (const o of untranslated(r.out, allowed)) offences.push({ ...o, command: r.command });
    for (const r of helps)
      for (const o of untranslated(r.out, helpAllowed)) offences.push({ ...o, command: r.command });
    const report = offences.map((o) => `${o.command}\n    "${o.word}" in: ${o.line}`).join('\n');
    expect(ran.length).toBeGreaterThan(30);
    expect(offences, `English left in zh output:\n${report}`).toEqual([]);
  }, 600_000);
});
