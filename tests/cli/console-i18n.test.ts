import { describe, expect, it } from 'vitest';
import { en } from '../../cli/ui/i18n/en.js';
import { zhCN } from '../../cli/ui/i18n/zh-CN.js';
import { fmtDuration, fmtRelative, localName, translator } from '../../cli/ui/i18n/translate.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console message catalogue', () => {
  it('translates every English key into Chinese, with the same placeholders', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(zhCN[key as keyof typeof en]), key).toEqual(placeholders(text));
      expect(zhCN[key as keyof typeof en].trim(), key).not.toBe('');
    }
  });

  it('fills placeholders and leaves an unknown one visible', () => {
    const t = translator('zh');
    expect(t('ov.sites', { connected: 12, total: 16 })).toBe('12/16 个会场');
    expect(translator('en')('ov.sites', { connected: 1 })).toBe('1/{total} sites');
  });

  it('writes durations and countdowns in each language', () => {
    const en = translator('en');
    const zh = translator('zh');
    expect(fmtDuration(42, en)).toBe('42s');
    expect(fmtDuration(303, en)).toBe('5m 03s');
    expect(fmtDuration(3900, zh)).toBe('1小时05分');
    expect(fmtDuration(2 * 86400 + 3 * 3600, zh)).toBe('2天3小时');
    expect(fmtRelative(10_000 + 65_000, 10_000, en)).toBe('in 1m 05s');
    expect(fmtRelative(0, 120_000, zh)).toBe('2分00秒前');
  });

  it('picks the endpoint name in the console language, falling back to the other one', () => {
    expect(localName({ zh: '小关镇', en: 'Xiaoguan' }, 'zh')).toBe('小关镇');
    expect(localName({ zh: '小关镇', en: 'Xiaoguan' }, 'en')).toBe('Xiaoguan');
    expect(localName({ zh: '小关镇', en: '' }, 'en')).toBe('小关镇');
  });
});
