// The site config's errors and warnings in the operator's language (issue #14 item 6): broken config
// files through the real loader, their refusal said by the CLI's explainError under zh — every problem
// line still naming file:line and the field path, no English left but config keys, ids and the
// values the file has — and the details (issues: path, line, message) as structured as before.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { say } from '../../protocol/index.js';
import { explain, explainError, explainLine } from '../../cli/ui/i18n/explain.js';
import { translator } from '../../cli/ui/i18n/translate.js';
import { loadConfig, parseConfig, type ConfigInvalidDetails } from '../../daemon/config/load.js';
import { describeConfigChanges } from '../../daemon/config/diff.js';
import { resolveSecret } from '../../daemon/config/validate.js';
import { findTemplate } from '../../daemon/config/templates.js';
import { hashToken } from '../../daemon/config/tokens.js';
import { VcError } from '../../daemon/errors.js';
import { replaceOnce } from '../helpers/configIssues.js';
import { CONFIG_WORDS } from '../helpers/configWords.js';
import { literalMessages, tsFilesUnder } from '../helpers/errorTemplates.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

const FILE = '/etc/vcbridge/site-under-test.yaml';

const BASE = `site:
  name: Test site
  timezone: Asia/Shanghai
sip:
  listen:
    - { transport: udp, host: 127.0.0.1, port: 5060 }
api:
  host: 127.0.0.1
  port: 7443
operators:
  - name: alice
    role: operator
    tokenHash: ${hashToken('alice-token')}
groups:
  - { id: towns, name: { zh: 乡镇, en: Towns } }
endpoints:
  - id: zhengzhou
    name: { zh: 郑州市政府, en: Zhengzhou }
    kind: upstream
    uri: sip:gongyi@127.0.4.1:5060
    credentials: { username: gongyi, password: env:VC_UP_SECRET }
  - id: mihe
    name: { zh: 米河镇, en: Mihe }
    kind: town
    uri: sip:mihe@127.0.1.1:5060
    groups: [towns]
templates:
  - id: weekly
    name: { zh: 周例会, en: Weekly }
    groups:
      - towns
    chair: mihe
`;

/** Replace one exact, unique piece of BASE. */
const mutate = (from: string, to: string, text = BASE): string => replaceOnce(text, from, to);

const t = translator('zh');
const headline = (code: string): string => {
  const k = `err.${code}`;
  return k in (t as unknown as Record<string, unknown>) ? code : t(k as Parameters<typeof t>[0]);
};

function refusal(text: string, env: Record<string, string> = { VC_UP_SECRET: 'x' }): VcError {
  try {
    parseConfig(text, FILE, { env });
  } catch (e) {
    if (e instanceof VcError) return e;
    throw e;
  }
  throw new Error('the config was accepted');
}

/** Words a zh config message may keep: config keys, the base's ids, the values the cases write. */
const allowed = allowList(
  CONFIG_WORDS,
  ['towns', 'weekly', 'mihe', 'zhengzhou', 'gongyi', 'alice'],
  ['seven', 'boss', 'timezon', 'colour', 'villages', 'xinzhen', 'Mars', 'Olympus', 'Test', 'site'],
);

const CASES: [string, string][] = [
  ['wrong type', mutate('port: 7443', 'port: "seven"')],
  ['unknown key with a hint', mutate('  timezone:', '  timezon:')],
  ['unknown key, the allowed ones listed', mutate('  name: Test site', '  name: Test site\n  colour: 1')],
  ['out-of-range port', mutate('port: 5060 }', 'port: 70000 }')],
  ['a port that is no integer', mutate('port: 7443', 'port: 7443.5')],
  ['a required field missing', mutate('    name: { zh: 米河镇, en: Mihe }\n', '')],
  ['not one of the allowed values', mutate('role: operator', 'role: boss')],
  ['an id in capitals', mutate('id: mihe', 'id: Mi-He')],
  ['not a SIP URI', mutate('uri: sip:mihe@127.0.1.1:5060', 'uri: mihe-at-home')],
  ['an unknown time zone', mutate('timezone: Asia/Shanghai', 'timezone: Mars/Olympus')],
  ['no operator', mutate(BASE.slice(BASE.indexOf('operators:'), BASE.indexOf('groups:')), 'operators: []\n')],
  ['a port range upside down', mutate('api:', 'media:\n  rtpPorts: { min: 49999, max: 40000 }\napi:')],
  ['a list where a mapping belongs', mutate('  host: 127.0.0.1\n  port: 7443', '  - 7443')],
  ['a duplicate endpoint id', mutate('id: mihe', 'id: zhengzhou')],
  ['an unknown group', mutate('groups: [towns]\n', 'groups: [villages]\n')],
  ['a template naming an unknown site', mutate('chair: mihe', 'chair: xinzhen')],
  ['a template upstream that is a town', mutate('chair: mihe', 'upstream: mihe')],
  ['a bad env: secret name', mutate('env:VC_UP_SECRET', 'env:9-lives')],
  ['register without credentials', mutate('    groups: [towns]\n', '    groups: [towns]\n    register: {}\n')],
  ['an empty name', mutate('name: Test site', 'name: ""')],
  ['a duplicate YAML key', mutate('  port: 7443', '  port: 7443\n  port: 7444')],
  ['a tab as indentation', mutate('  port: 7443', '\tport: 7443')],
  ['an unclosed quote', mutate('name: Test site', 'name: "Test site')],
  ['an empty file', ''],
];

describe("the site config's refusals in Chinese", () => {
  it.each(CASES)('%s: every problem line in Chinese, naming file:line and field', (_what, text) => {
    const e = refusal(text);
    expect(e.code).toBe('CONFIG_INVALID');
    const { issues, file } = e.details as ConfigInvalidDetails;
    // the details stay structured as before: the field path, the line and the English message
    expect(file).toBe(FILE);
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(typeof i.path).toBe('string');
      expect(Number.isInteger(i.line) && i.line >= 1).toBe(true);
      expect(e.message).toContain(`${FILE}:${i.line} ${i.path ? `${i.path}: ` : ''}${i.message}`);
    }
    const zh = explainError(e.code, e.message, 'zh', headline);
    expect(untranslated(zh, allowed), zh).toEqual([]);
    for (const i of issues) expect(zh).toContain(`${FILE}:${i.line} ${i.path ? `${i.path}: ` : ''}`);
    expect(zh).toMatch(/站点配置 .* 有误（(1|\d+) 处问题）：/);
  });

  it('says the values and bounds of zod issues from their parameters', () => {
    const zh = (text: string) => explainError('CONFIG_INVALID', refusal(text).message, 'zh', headline);
    expect(zh(mutate('port: 7443', 'port: "seven"'))).toContain('api.port: 应为数字，实际为字符串 "seven"');
    expect(zh(mutate('port: 5060 }', 'port: 70000 }'))).toContain(
      'sip.listen[0].port: 不能大于 65535（实际为数字 70000）',
    );
    expect(zh(mutate('  timezone:', '  timezon:'))).toContain(
      'site.timezon: 未知的配置项 “timezon”；是不是 “timezone”？',
    );
    expect(zh(mutate('role: operator', 'role: boss'))).toContain(
      '只能是以下之一：operator, technician, viewer（实际为字符串 "boss"）',
    );
    expect(zh(mutate('chair: mihe', 'chair: xinzhen'))).toContain(
      'templates[0].chair: 未知会场 “xinzhen”（已有：zhengzhou, mihe）',
    );
    expect(zh(mutate('chair: mihe', 'upstream: mihe'))).toContain('“mihe” 是乡镇会场，不是上级链路');
    // a secret's value is never repeated back, in either language
    const secret = refusal(mutate('env:VC_UP_SECRET', 'env:9-lives'));
    expect(secret.message).toContain('"env:9-lives" does not name an environment variable');
  });

  it('the warnings of an accepted config, in Chinese line by line', () => {
    const text = mutate(
      '    groups: [towns]\n',
      '    groups: [towns]\n    pin: "1234"\n    tlsVerify: false\n  - id: towns\n    name: { zh: 同名, en: Same }\n    kind: town\n    uri: sip:mihe@127.0.1.1:5060\n',
    );
    const { warnings } = parseConfig(text, FILE, { env: { VC_UP_SECRET: 'x' } });
    expect(warnings.length).toBeGreaterThanOrEqual(4);
    for (const w of warnings) {
      const zh = explainLine(w, 'zh');
      expect(zh).toMatch(new RegExp(`^${FILE.replace(/[.]/g, '\\.')}:\\d+ \\S+: `));
      expect(untranslated(zh, allowed), zh).toEqual([]);
      expect(explainLine(w, 'en')).toBe(w);
    }
  });

  it('a YAML warning in Chinese; a line that only starts with host:port keeps its own template', () => {
    const { warnings } = parseConfig(mutate('name: Test site', 'name: !foo Test site'), FILE, {
      env: { VC_UP_SECRET: 'x' },
    });
    expect(warnings).toEqual([`${FILE}:2 (yaml): Unresolved tag: !foo`]);
    expect(explainLine(warnings[0]!, 'zh')).toBe(`${FILE}:2 (yaml): 无法识别的 YAML 标签：!foo`);
    const icmp = say('cause.icmp', { where: '127.0.0.1:5060', port: 5060 });
    expect(explainLine(icmp, 'zh')).toBe(explain(icmp, 'zh'));
    expect(explainLine(icmp, 'zh')).not.toMatch(/answered/);
  });

  it('a missing file, a secret the environment lacks, an unknown template: in Chinese too', () => {
    const errors: VcError[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'vcb-cfg-zh-'));
    for (const fn of [
      () => loadConfig(join(dir, 'nowhere.yaml')),
      () => resolveSecret('env:VC_NOT_SET', {}),
      () => resolveSecret('env:9-lives', {}),
      () => findTemplate(parseConfig(BASE, FILE, { env: { VC_UP_SECRET: 'x' } }).config, 'emergency'),
    ]) {
      try {
        fn();
      } catch (e) {
        if (e instanceof VcError) errors.push(e);
        else throw e;
      }
    }
    expect(errors.map((e) => e.code)).toEqual([
      'CONFIG_NOT_FOUND',
      'CONFIG_INVALID',
      'CONFIG_INVALID',
      'TEMPLATE_UNKNOWN',
    ]);
    for (const e of errors) {
      const zh = explainError(e.code, e.message, 'zh', headline);
      expect(
        untranslated(zh, allowList(CONFIG_WORDS, ['emergency', 'weekly', 'lives', 'template', 'list'])),
        zh,
      ).toEqual([]);
    }
    // a real file through loadConfig names it the same way
    const file = join(dir, 'site.yaml');
    writeFileSync(file, mutate('id: mihe', 'id: zhengzhou'));
    const real = (() => {
      try {
        loadConfig(file, { env: { VC_UP_SECRET: 'x' } });
      } catch (e) {
        return e as VcError;
      }
      throw new Error('accepted');
    })();
    expect(explainError(real.code, real.message, 'zh', headline)).toContain(
      `${file}:${BASE.split('\n').findIndex((l) => l.includes('id: mihe')) + 1} endpoints[1].id: 终端编号 “zhengzhou” 重复（已被 endpoints[0] 使用）`,
    );
  });

  it('what a reload changes, in Chinese', () => {
    const a = parseConfig(BASE, FILE, { env: { VC_UP_SECRET: 'x' } }).config;
    const b = parseConfig(
      mutate(
        'port: 7443',
        'port: 7444',
        mutate(
          'role: operator',
          'role: viewer',
          mutate('uri: sip:mihe@127.0.1.1:5060', 'uri: sip:mihe@127.0.1.9:5060'),
        ),
      ),
      FILE,
      { env: { VC_UP_SECRET: 'x' } },
    ).config;
    b.endpoints.push({ ...b.endpoints[1]!, id: 'xinzhen', uri: 'sip:xinzhen@127.0.1.7' });
    b.templates = [];
    const changes = describeConfigChanges(a, b).map((c) => c.text);
    expect(changes.length).toBeGreaterThanOrEqual(5);
    for (const c of changes) {
      const zh = explain(c, 'zh');
      expect(untranslated(zh, allowList(CONFIG_WORDS, ['xinzhen', 'mihe', 'alice', 'weekly'])), `${c} → ${zh}`).toEqual(
        [],
      );
    }
  });

  it('daemon/config builds every message from a template: errors, findings, issues, schema rules', () => {
    const files = tsFilesUnder('daemon/config');
    expect(files.length).toBeGreaterThan(8);
    expect(literalMessages(files, { configFindings: true })).toEqual([]);
  });
});
