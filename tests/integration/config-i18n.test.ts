// A bad site config told to a Chinese-speaking operator by the real CLI (issue #14 item 6): `config
// check --lang zh`, `daemon start` refusing to start, `config reload` refused by a running daemon —
// every problem line in Chinese, each still naming file:line and the field path; warnings too; and
// the English output as before.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cliSync, TOKENS, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { CONFIG_WORDS } from '../helpers/configWords.js';
import { freePort } from '../helpers/ports.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

const running: RunningDaemon[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop('SIGKILL')));
});

/** The CLI in a C locale: English unless --lang zh. */
const cli = (args: string[]) => cliSync(args, { LANG: 'C' });

/** The lines a broken config has, and the ids and values it writes (they stay as written). */
const BROKEN = `site:
  name: Test site
  timezon: Asia/Shanghai
api:
  port: "seven"
operators:
  - name: alice
    role: boss
    tokenHash: nope
endpoints:
  - id: mihe
    name: { zh: 米河镇, en: Mihe }
    kind: town
    uri: sip:mihe@127.0.1.1:70000
templates:
  - id: weekly
    name: { zh: 周例会, en: Weekly }
    chair: xinzhen
`;
const VALUES = [
  'Test',
  'site',
  'seven',
  'boss',
  'nope',
  'timezon',
  'mihe',
  'Mihe',
  'weekly',
  'Weekly',
  'xinzhen',
  'alice',
];
const allowed = allowList(CONFIG_WORDS, VALUES, ['towns', 'xiaoguan']);

/** Every "file:line path: " of the English output is in the Chinese one, and nothing else is English. */
function expectSameProblemsInChinese(en: string, zh: string, file: string): void {
  const places = [...en.matchAll(new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+ (?:\\S+: )?`, 'g'))].map((m) => m[0]);
  expect(places.length).toBeGreaterThan(0);
  for (const p of places) expect(zh).toContain(p);
  expect(untranslated(zh, allowed), zh).toEqual([]);
}

describe('a bad site config in Chinese, through the real CLI', () => {
  it('config check --lang zh: every problem line in Chinese with file:line and field; English as before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcb-cfg-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, BROKEN);
    const en = cli(['config', 'check', file]);
    expect(en.code).toBe(1);
    expect(en.err).toContain(`invalid site config ${file} (`);
    expect(en.err).toContain(`${file}:5 api.port: expected number, got string "seven"`);
    const zh = cli(['config', 'check', file, '--lang', 'zh']);
    expect(zh.code).toBe(1);
    expect(zh.err).toContain(`站点配置 ${file} 有误（`);
    expect(zh.err).toContain(`${file}:5 api.port: 应为数字，实际为字符串 "seven"`);
    expect(zh.err).toContain(`${file}:3 site.timezon: 未知的配置项 “timezon”；是不是 “timezone”？`);
    expect(zh.err).toContain(
      `${file}:8 operators[0].role: 只能是以下之一：operator, technician, viewer（实际为字符串 "boss"）`,
    );
    expectSameProblemsInChinese(en.err, zh.err, file);
    // --json keeps the structured details (path, line, English message) for scripts
    const json = cli(['config', 'check', file, '--json', '--lang', 'zh']);
    const body = JSON.parse(json.out) as {
      error: { code: string; details: { issues: { path: string; line: number; message: string }[] } };
    };
    expect(body.error.code).toBe('CONFIG_INVALID');
    expect(body.error.details.issues).toContainEqual({
      path: 'api.port',
      line: 5,
      message: 'expected number, got string "seven"',
    });
  }, 180_000);

  it("config check --lang zh: a valid config's warnings in Chinese", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcb-cfg-'));
    const file = join(dir, 'site.yaml');
    const cfg = testConfig(7443, 5060);
    const [ep] = cfg.endpoints as Record<string, unknown>[];
    cfg.endpoints = [
      { ...ep, pin: '1234', tlsVerify: false },
      { ...ep, id: 'towns', name: { zh: '同名', en: 'Same' } },
    ];
    writeFileSync(file, stringify(cfg));
    const en = cli(['config', 'check', file]);
    expect(en.code, en.err).toBe(0);
    const zh = cli(['config', 'check', file, '--lang', 'zh']);
    expect(zh.code, zh.err).toBe(0);
    const warnings = zh.out.split('\n').filter((l) => l.startsWith('警告'));
    expect(warnings.length).toBe(en.out.split('\n').filter((l) => l.startsWith('warning')).length);
    expect(warnings.length).toBeGreaterThanOrEqual(4);
    expect(zh.out).toContain('DTMF PIN 只发给上级；此处会被忽略');
    expectSameProblemsInChinese(en.out, zh.out, file);
  }, 180_000);

  it('daemon start --lang zh with a bad config: refused, every problem in Chinese', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcb-cfg-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, BROKEN);
    const zh = cli(['daemon', 'start', '--config', file, '--data-dir', join(dir, 'data'), '--lang', 'zh']);
    expect(zh.code).not.toBe(0);
    expect(zh.err).toContain(`站点配置 ${file} 有误（`);
    const en = cli(['config', 'check', file]);
    expectSameProblemsInChinese(en.err, zh.err, file);
  }, 180_000);

  it('config reload --lang zh: a bad config is refused in Chinese and the old one kept; a good one says its changes', async () => {
    const apiPort = await freePort();
    const cfg = testConfig(apiPort, await freePort());
    const d = await startDaemon({ config: cfg });
    running.push(d);
    const as = ['--url', d.url, '--token', TOKENS.operator, '--lang', 'zh'];
    const bad = {
      ...cfg,
      endpoints: [...(cfg.endpoints as object[]), { id: 'Mi He', kind: 'village', uri: 'nowhere' }],
    };
    writeFileSync(d.configFile, stringify(bad));
    const refused = cli(['config', 'reload', ...as]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(`站点配置 ${d.configFile} 有误（`);
    expect(refused.err).toMatch(/endpoints\[1\]\.id: 只能用小写字母/);
    expect(refused.err).toMatch(/endpoints\[1\]\.kind: 只能是以下之一：/);
    expect(untranslated(refused.err, allowList(CONFIG_WORDS, ['Mi', 'He', 'village', 'nowhere'])), refused.err).toEqual(
      [],
    );
    // the old config is kept: still one endpoint
    const list = cli(['endpoints', '--json', ...as]);
    expect((JSON.parse(list.out) as unknown[]).length).toBe(1);
    // a good change: said in Chinese
    writeFileSync(
      d.configFile,
      stringify({
        ...cfg,
        site: { name: 'Test site 2', timezone: 'Asia/Shanghai' },
        groups: [],
        endpoints: (cfg.endpoints as Record<string, unknown>[]).map((e) => ({ ...e, groups: [] })),
      }),
    );
    const ok = cli(['config', 'reload', ...as]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/配置已重新加载：\d+ 项变更/);
    expect(ok.out).toContain('删除分组：towns（乡镇）');
    expect(untranslated(ok.out, allowList(CONFIG_WORDS, ['Test', 'site', 'towns', 'xiaoguan'])), ok.out).toEqual([]);
    const en = cli(['config', 'reload', '--url', d.url, '--token', TOKENS.operator]);
    expect(en.out).toContain('config reloaded: no changes');
  }, 180_000);
});
