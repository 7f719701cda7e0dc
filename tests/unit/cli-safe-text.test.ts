import { describe, expect, it } from 'vitest';
import { table } from '../../cli/output.js';
import { safeDeep, safeText } from '../../cli/safeText.js';
import { controlCharacterIn } from '../../daemon/util/text.js';

describe('terminal-safe text', () => {
  it('shows ESC, BEL, NUL, CR, DEL and C1 controls as symbols; keeps newlines, tabs and CJK', () => {
    expect(safeText('a\x1b[2Jb\x07c\x00d\re\x7ff\x9bg')).toBe('a␛[2Jb␇c␀d␍e␡f\\u{9b}g');
    expect(safeText('小关镇\tline 1\nline 2')).toBe('小关镇\tline 1\nline 2');
    expect(safeText('abc\u202Edef')).toBe('abc\\u{202e}def');
  });

  it('cleans every string of a result, keys included, and leaves other values alone', () => {
    expect(safeDeep({ title: 'x\x1b', n: 3, list: ['\x07', null, true], nested: { 'k\x00': 'v' } })).toEqual({
      title: 'x␛',
      n: 3,
      list: ['␇', null, true],
      nested: { 'k␀': 'v' },
    });
  });

  it('aligns a table on the visible symbols', () => {
    const t = table(
      ['name', 'server'],
      [
        ['a\x1b', 'x'],
        ['bb', 'y'],
      ],
    ).split('\n');
    expect(t[2]).toBe('a␛    x');
    expect(t[3]).toBe('bb    y');
  });

  it('names the first control character of a title for the API error', () => {
    expect(controlCharacterIn('Weekly\x1b[2J')).toBe('ESC (U+001B) at character 7');
    expect(controlCharacterIn('周例会')).toBeNull();
    expect(controlCharacterIn('a\tb')).toBe('TAB (U+0009) at character 2');
  });
});
