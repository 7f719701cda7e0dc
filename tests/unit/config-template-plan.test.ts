// A template's multi-picture layout and auto-polling (会议模板: layout, polling): checked with the
// rest of the config (bad values are errors naming file and line), carried by applyTemplate into
// what conference.start and schedule.add take, and kept with a booked series in a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configIssues, lineOf } from '../helpers/configIssues.js';
import { parseConfig } from '../../daemon/config/load.js';
import { TEMPLATE_LAYOUT_PANES } from '../../daemon/config/schema.js';
import { applyTemplate } from '../../daemon/config/templates.js';
import { hashToken } from '../../daemon/config/tokens.js';
import { LAYOUTS, MAX_PANES, paneCount } from '../../daemon/media/compositor/layouts.js';
import { Store } from '../../daemon/store/Store.js';

const FILE = 'configs/template-plan-under-test.yaml';
const BASE = `site: { name: Test }
operators:
  - { name: alice, role: operator, tokenHash: ${hashToken('alice-token')} }
groups:
  - { id: towns, name: { zh: 乡镇, en: Towns } }
endpoints:
  - { id: zhuhuichang, name: { zh: 市政府主会场, en: Main room }, kind: city, uri: sip:c@127.0.5.1 }
  - { id: xiaoguan, name: { zh: 小关镇, en: Xiaoguan }, kind: town, uri: sip:x@127.0.1.3, groups: [towns] }
  - { id: mihe, name: { zh: 米河镇, en: Mihe }, kind: town, uri: sip:m@127.0.1.1, groups: [towns] }
templates:
  - id: patrol
    name: { zh: 轮巡检查, en: Patrol }
    groups: [towns]
    chair: zhuhuichang
    durationMinutes: 30
    layout: 2x2
    polling:
      intervalSeconds: 15
      group: towns
      pane: 4
`;

const issues = (text: string): ReturnType<typeof configIssues> => configIssues(text, FILE);

describe('templates with a layout and polling', () => {
  it("names the compositor's layouts with their pane counts", () => {
    const names = Object.keys(TEMPLATE_LAYOUT_PANES).filter((n) => n !== 'off');
    expect(new Set(names)).toEqual(new Set(LAYOUTS));
    for (const l of LAYOUTS) expect(TEMPLATE_LAYOUT_PANES[l], l).toBe(l === 'auto' ? MAX_PANES : paneCount(l));
  });

  it('applying the template carries its layout and polling', () => {
    const { config } = parseConfig(BASE, FILE, { env: {} });
    const p = applyTemplate(config, { template: 'patrol' });
    expect(p.layout).toBe('2x2');
    expect(p.polling).toEqual({ intervalSeconds: 15, group: 'towns', pane: 4 });
    expect(applyTemplate(config, { title: 'ad hoc' }).polling).toBeUndefined();
  });

  it.each([
    ['a layout that does not exist', 'layout: 2x2', 'layout: 6x6', 'templates[0].layout', /2x2/],
    ['an interval under 5 s', 'intervalSeconds: 15', 'intervalSeconds: 2', 'templates[0].polling.intervalSeconds', /5/],
    [
      'an unknown group',
      'group: towns\n',
      'group: villages\n',
      'templates[0].polling.group',
      /unknown group "villages"/,
    ],
    [
      'a pane the layout lacks',
      'pane: 4',
      'pane: 5',
      'templates[0].polling.pane',
      /pane 5 is out of range: layout 2x2 has panes 1-4/,
    ],
    ['an unknown option', 'pane: 4', 'pane: 4\n      every: 3', 'templates[0].polling.every', /unknown key "every"/],
  ])('%s is a config error naming file, line and field', (_what, from, to, path, message) => {
    const text = BASE.replace(from, to);
    const found = issues(text).find((i) => i.path === path);
    expect(found, JSON.stringify(issues(text))).toBeDefined();
    expect(found!.message).toMatch(message);
    expect(found!.line).toBe(lineOf(text, to.trim().split('\n').at(-1)!.trim()));
  });

  it('a polled site that is not configured, a pane without a layout, sites and group together: each named', () => {
    const sites = BASE.replace('      group: towns\n', '      sites: [mihe, nosuch]\n');
    expect(issues(sites)).toContainEqual(
      expect.objectContaining({ path: 'templates[0].polling.sites[1]', line: lineOf(sites, 'nosuch') }),
    );
    const noLayout = BASE.replace('    layout: 2x2\n', '');
    expect(issues(noLayout)).toContainEqual(
      expect.objectContaining({
        path: 'templates[0].polling.pane',
        message: expect.stringMatching(/needs a multi-picture layout/),
      }),
    );
    const both = BASE.replace('      group: towns\n', '      group: towns\n      sites: [mihe]\n');
    expect(issues(both)).toContainEqual(
      expect.objectContaining({ path: 'templates[0].polling.group', message: 'give sites or group, not both' }),
    );
    const target = BASE.replace('      pane: 4\n', '      pane: 4\n      target: zhuhuichang\n');
    expect(issues(target)).toContainEqual(
      expect.objectContaining({ path: 'templates[0].polling.pane', message: expect.stringMatching(/own layout/) }),
    );
  });
});

describe('a booked series keeps what its meetings start with', () => {
  const root = mkdtempSync(join(tmpdir(), 'vc-plan-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stores the layout and polling in the SQLite file and reads them back after a reopen', () => {
    const file = join(root, 'vcbridge.db');
    let store = Store.open(file);
    const plan = { layout: '2x2' as const, polling: { intervalSeconds: 15, group: 'towns', pane: 4 } };
    const row = store.schedules.create({
      title: '轮巡检查',
      startUtc: Date.UTC(2026, 11, 7, 1),
      durationMs: 30 * 60_000,
      tz: 'Asia/Shanghai',
      endpoints: ['mihe', 'xiaoguan'],
      createdBy: 'alice',
      plan,
    });
    const plain = store.schedules.create({
      title: '例会',
      startUtc: Date.UTC(2026, 11, 8, 1),
      durationMs: 30 * 60_000,
      tz: 'Asia/Shanghai',
      endpoints: ['mihe'],
      createdBy: 'alice',
    });
    store.close();
    store = Store.open(file);
    try {
      expect(store.schedules.get(row.id)?.plan).toEqual(plan);
      expect(store.schedules.get(plain.id)?.plan).toBeNull();
      store.schedules.update(row.id, { title: '轮巡检查（改）' });
      expect(store.schedules.get(row.id)?.plan).toEqual(plan);
    } finally {
      store.close();
    }
  });
});
