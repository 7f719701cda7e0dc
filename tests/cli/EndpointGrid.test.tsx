import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { EndpointGrid } from '../../cli/ui/components/EndpointGrid.js';
import { SITE, endpoint, plain, renderIn } from '../helpers/console.js';

describe('EndpointGrid', () => {
  it('groups endpoints by kind in the order city rooms, upstream, towns, subdistricts, bureaus, with state symbols and RTT', () => {
    const city = endpoint('zhuhuichang', '市政府主会场', 'City Main Room', 'city', { rttMs: 2 });
    const { lastFrame } = renderIn('en', <EndpointGrid endpoints={[...SITE, city].reverse()} width={100} />);
    const f = plain(lastFrame());
    const order = ['City rooms (1)', 'Upstream (1)', 'Towns (3)', 'Subdistricts (1)', 'Bureaus (1)'].map((h) => f.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(f).toMatch(/● Xiaoguan\s+15 ms/);
    expect(f).toMatch(/◐ Mihe\s+420 ms/);
    expect(f).toMatch(/✕ Zhulin\s+—/);
    expect(f).toMatch(/○ Xinhua Rd\s+—/);
    expect(f).toMatch(/● City Main Room\s+2 ms/);
  });

  it("puts the city's rooms first in Chinese too", () => {
    const city = endpoint('wangkong', '网络管理中心', 'Network Centre', 'city');
    const lines = plain(renderIn('zh', <EndpointGrid endpoints={[...SITE, city]} width={100} />).lastFrame()).split('\n');
    expect(lines[0]).toBe('市直会场 (1)');
    expect(lines[1]).toContain('网络管理中心');
  });

  it('shows Chinese names in zh and lines the cells up in columns by display width', () => {
    const towns = [
      endpoint('xiaoguan', '小关镇', 'Xiaoguan', 'town'), endpoint('mihe', '米河镇', 'Mihe', 'town'),
      endpoint('xinzhong', '新中镇', 'Xinzhong', 'town'), endpoint('hzl', '回郭镇', 'Huiguo', 'town'),
      endpoint('a', 'Abc', 'Abc', 'town'),
    ];
    const { lastFrame } = renderIn('zh', <EndpointGrid endpoints={towns} width={60} />);
    const lines = plain(lastFrame()).split('\n');
    expect(lines[0]).toBe('乡镇 (5)');
    // cells of the second line start at the same display columns as those of the first
    const starts = (l: string) => [...l.matchAll(/[●◐✕○]/g)].map((m) => stringWidth(l.slice(0, m.index)));
    expect(lines[1]).toContain('小关镇');
    expect(starts(lines[2]!)).toEqual(starts(lines[1]!).slice(0, starts(lines[2]!).length));
    expect(lines.slice(1).every((l) => stringWidth(l) <= 60)).toBe(true);
  });

  it('keeps the endpoints with a problem visible and counts the reachable ones when the site does not fit', () => {
    const bureaus = Array.from({ length: 40 }, (_, i) => endpoint(`b${i}`, `局${i}`, `Bureau ${i}`, 'bureau'));
    bureaus[7] = { ...bureaus[7]!, state: 'unreachable', rttMs: null };
    const f = plain(renderIn('en', <EndpointGrid endpoints={bureaus} width={100} maxLines={5} />).lastFrame());
    expect(f.split('\n')).toEqual(['Bureaus (40) ● 39 reachable', '✕ Bureau 7        —']);
  });
});
