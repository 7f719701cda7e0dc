import { configIssues, lineOf } from '../helpers/configIssues.js';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../daemon/config/load.js';
import { applyTemplate, findTemplate, templateSites } from '../../daemon/config/templates.js';
import { diffConfig } from '../../daemon/config/diff.js';
import { hashToken } from '../../daemon/config/tokens.js';

const FILE = 'configs/templates-under-test.yaml';
const BASE = `site: { name: Test }
operators:
  - { name: alice, role: operator, tokenHash: ${hashToken('alice-token')} }
groups:
  - { id: towns, name: { zh: 乡镇, en: Towns } }
endpoints:
  - { id: zhengzhou, name: { zh: 郑州, en: Zhengzhou }, kind: upstream, uri: sip:z@127.0.4.1 }
  - { id: zhuhuichang, name: { zh: 市政府主会场, en: Main room }, kind: city, uri: sip:c@127.0.5.1 }
  - { id: xiaoguan, name: { zh: 小关镇, en: Xiaoguan }, kind: town, uri: sip:x@127.0.1.3, groups: [towns] }
  - { id: mihe, name: { zh: 米河镇, en: Mihe }, kind: town, uri: sip:m@127.0.1.1, groups: [towns] }
  - { id: jiaoyu, name: { zh: 教育局, en: Education }, kind: bureau, uri: sip:j@127.0.3.1 }
templates:
  - id: weekly
    name: { zh: 周例会, en: Weekly }
    groups: [towns]
    chair: zhuhuichang
    mode: rollcall
    durationMinutes: 90
`;

const issues = (text: string): ReturnType<typeof configIssues> => configIssues(text, FILE);

describe('meeting templates in the site config', () => {
  it('a template naming an unknown site is a config error naming file, line and field', () => {
    const text = BASE.replace(
      '    groups: [towns]\n    chair',
      '    endpoints: [jiaoyu, nosuch]\n    groups: [towns]\n    chair',
    );
    const found = issues(text);
    expect(found).toContainEqual(
      expect.objectContaining({ path: 'templates[0].endpoints[1]', line: lineOf(text, 'nosuch') }),
    );
    expect(found.find((i) => i.path === 'templates[0].endpoints[1]')?.message).toMatch(/unknown site "nosuch"/);
  });

  it('an unknown group, chair or a non-upstream upstream is refused, each with its line', () => {
    const text = BASE.replace(
      'groups: [towns]\n    chair: zhuhuichang',
      'groups: [villages]\n    chair: nobody\n    upstream: mihe',
    );
    const found = issues(text);
    expect(found).toContainEqual(
      expect.objectContaining({ path: 'templates[0].groups[0]', line: lineOf(text, 'villages') }),
    );
    expect(found).toContainEqual(expect.objectContaining({ path: 'templates[0].chair', line: lineOf(text, 'nobody') }));
    const up = found.find((i) => i.path === 'templates[0].upstream');
    expect(up?.message).toMatch(/"mihe" is a town site, not an upstream/);
  });

  it('duplicate ids, an empty template and a bad mode are refused', () => {
    const dup = `${BASE}  - { id: weekly, name: { zh: 又一个, en: Again }, endpoints: [mihe] }\n  - { id: empty, name: { zh: 空, en: Empty } }\n`;
    expect(issues(dup).map((i) => i.path)).toEqual(['templates[1].id', 'templates[2].endpoints']);
    const mode = `${BASE}  - { id: bad, name: { zh: 坏, en: Bad }, endpoints: [mihe], mode: lecture }\n`;
    expect(issues(mode).map((i) => i.path)).toEqual(['templates[1].mode']);
  });

  it('the example site ships weekly and emergency; emergency takes every site and the upstream', () => {
    const { config } = loadConfig('configs/gongyi.example.yaml', { env: {} });
    const weekly = findTemplate(config, 'weekly');
    const emergency = findTemplate(config, 'emergency');
    const kinds = (ids: string[]): Set<string> =>
      new Set(ids.map((id) => config.endpoints.find((e) => e.id === id)?.kind ?? '?'));
    expect(weekly.chair).toBe('zhuhuichang');
    expect(kinds(templateSites(config, weekly))).toEqual(new Set(['town', 'subdistrict', 'city']));
    expect(templateSites(config, weekly)).toHaveLength(16 + 5 + 1);
    expect(emergency.upstream).toBe('zhengzhou');
    expect(new Set([...templateSites(config, emergency), emergency.upstream])).toEqual(
      new Set(config.endpoints.map((e) => e.id)),
    );
  });

  it('applying a template fills in what the caller left out; what the caller gives wins or adds', () => {
    const { config } = parseConfig(BASE, FILE, { env: {} });
    const p = applyTemplate(config, { template: 'weekly', endpoints: ['jiaoyu'], mode: 'voice' as const });
    expect(p).toMatchObject({ title: '周例会', chair: 'zhuhuichang', mode: 'voice', durationMinutes: 90 });
    expect(p.endpoints).toEqual(['xiaoguan', 'mihe', 'zhuhuichang', 'jiaoyu']);
    expect(applyTemplate(config, { template: 'weekly', title: '临时会' }).title).toBe('临时会');
    expect(() => applyTemplate(config, { template: 'nosuch' })).toThrow(
      expect.objectContaining({ code: 'TEMPLATE_UNKNOWN', message: expect.stringMatching(/templates: weekly/) }),
    );
    expect(() => applyTemplate(config, {})).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('a reload names added, removed and changed templates', () => {
    const a = parseConfig(BASE, FILE, { env: {} }).config;
    const b = parseConfig(
      BASE.replace('durationMinutes: 90', 'durationMinutes: 60') +
        '  - { id: flood, name: { zh: 防汛, en: Flood }, groups: [towns] }\n',
      FILE,
      { env: {} },
    ).config;
    expect(diffConfig(a, b)).toEqual([
      'template added: flood (防汛)',
      'template changed: weekly (周例会) (durationMinutes)',
    ]);
  });
});
