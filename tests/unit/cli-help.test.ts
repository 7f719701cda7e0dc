// The CLI's --help comes from the help catalogue in both languages: the command tree and the
// catalogue name the same commands, options and arguments (a command added without its help texts
// fails here), the Chinese has the English's placeholders, and each language's help says what the
// catalogue says — with commander's own words (Usage, Options, <placeholders>) in Chinese too.
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';
import { helpKeys, visibleCommands } from '../../cli/help.js';
import { helpEn, type HelpKey } from '../../cli/ui/i18n/helpEn.js';
import { helpZh } from '../../cli/ui/i18n/helpZh.js';
import type { Command } from 'commander';

const TREE = visibleCommands(buildProgram('en'));
const treeKeys = TREE.flatMap(({ cmd, path }) => {
  const k = helpKeys(cmd, path);
  return [k.command, ...k.options, ...k.args];
});
const placeholders = (s: string): string[] => [...s.matchAll(/\{\w+\}/g)].map((m) => m[0]).sort();
const find = (program: Command, path: string): Command =>
  path.split(' ').reduce((c, name) => c.commands.find((x) => x.name() === name)!, program);

describe('--help from the catalogue', () => {
  it('the catalogue has a text for every command, option and argument of the tree, and nothing else', () => {
    expect(TREE.length).toBeGreaterThan(60);
    const catalogue = Object.keys(helpEn).filter((k) => !k.startsWith('help.'));
    expect(treeKeys.filter((k) => !(k in helpEn))).toEqual([]);
    expect(catalogue.filter((k) => !treeKeys.includes(k))).toEqual([]);
  });

  it('Chinese has every key with the same placeholders, and is not the English left as it is', () => {
    for (const k of Object.keys(helpEn) as HelpKey[]) {
      expect(placeholders(helpZh[k]), k).toEqual(placeholders(helpEn[k]));
      if (/[a-z]{4,} [a-z]{4,}/.test(helpEn[k])) expect(helpZh[k], k).not.toBe(helpEn[k]);
    }
  });

  it("each language's help says the catalogue's texts, commander's words included", () => {
    const en = find(buildProgram('en'), 'conf poll').helpInformation();
    expect(en).toContain('Usage: vcbridge conf poll [options] <id>');
    expect(en).toContain(helpEn['conf poll --interval']);
    expect(en).toContain('display help for command');
    const zh = find(buildProgram('zh'), 'conf poll').helpInformation();
    expect(zh).toContain('用法： vcbridge conf poll [选项] <编号>');
    expect(zh).toContain(helpZh['conf poll --interval']);
    expect(zh).toMatch(/--interval <时长>/);
    expect(zh).toContain('显示命令帮助');
    expect(zh).not.toMatch(/Usage|Options|Arguments|display help/);
    // a second program in English is English again (the commands are shared objects)
    expect(find(buildProgram('en'), 'conf poll').helpInformation()).toContain(helpEn['conf poll --stop']);
  });

  it('Chinese help lines wrap between characters, never starting a line with a comma or a closing mark', () => {
    const zh = find(buildProgram('zh'), 'conf').helpInformation();
    const lines = zh.split('\n');
    expect(lines.some((l) => /^\s+[\u4e00-\u9fff]/.test(l) && !/^\s{2}\S/.test(l))).toBe(true); // wrapped
    expect(lines.filter((l) => /^\s+[，。；：、）」”]/.test(l))).toEqual([]);
  });
});
