import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { Table } from '../../cli/ui/components/Table.js';
import { plain, renderIn } from '../helpers/console.js';

describe('Table', () => {
  it('lines up Chinese and Latin names by display width in the rendered frame', () => {
    const { lastFrame } = renderIn('en', (
      <Table
        columns={[{ header: 'Site' }, { header: 'RTT', align: 'right' }, { header: 'State' }]}
        rows={[['小关镇', '12 ms', 'ok'], ['Xiaoguan', '8 ms', 'ok'], ['新华路街道', '120 ms', { text: 'slow', color: 'yellow' }]]}
      />
    ));
    const lines = plain(lastFrame()).split('\n');
    expect(lines).toHaveLength(4);
    // The RTT column ends, and the State column starts, at the same display column on every line.
    const stateCol = lines.map((l) => stringWidth(l.slice(0, l.search(/State|ok|slow/))));
    expect(new Set(stateCol).size).toBe(1);
    const rttEnd = lines.slice(1).map((l) => stringWidth(l.slice(0, l.indexOf('ms') + 2)));
    expect(new Set(rttEnd).size).toBe(1);
    // 新华路街道 is 10 columns, the widest cell: column 1 is 10 wide plus the 2-column gap.
    expect(stateCol[0]).toBe(10 + 2 + 6 + 2);
  });

  it('cuts cells longer than maxWidth with an ellipsis, still aligned', () => {
    const { lastFrame } = renderIn('en', (
      <Table columns={[{ header: 'Meeting', maxWidth: 8 }, { header: 'x' }]} rows={[['周一例会全体乡镇参加', 'a'], ['Weekly', 'b']]} />
    ));
    const lines = plain(lastFrame()).split('\n');
    expect(lines[1]).toContain('周一例…');
    expect(stringWidth(lines[1]!.slice(0, lines[1]!.indexOf('a')))).toBe(stringWidth(lines[2]!.slice(0, lines[2]!.indexOf('b'))));
  });

  it('marks the selected row with › so it shows without colour', () => {
    const { lastFrame } = renderIn('en', <Table columns={[{ header: 'Site' }]} rows={[['a'], ['b']]} selected={1} />);
    const lines = plain(lastFrame()).split('\n');
    expect(lines[1]).toBe('  a');
    expect(lines[2]).toBe('› b');
  });

  it('leaves out optional columns, highest first, only until the table fits the width', () => {
    const columns = [{ header: 'Site' }, { header: 'Jitter', optional: 1 }, { header: 'Trend', optional: 2 }];
    const rows = [['小关镇', '3 ms', '▁▂▃']];
    expect(plain(renderIn('en', <Table width={40} columns={columns} rows={rows} />).lastFrame()).split('\n')[0]).toBe('Site    Jitter  Trend');
    expect(plain(renderIn('en', <Table width={15} columns={columns} rows={rows} />).lastFrame()).split('\n')[0]).toBe('Site    Jitter');
    expect(plain(renderIn('en', <Table width={8} columns={columns} rows={rows} />).lastFrame()).split('\n')[0]).toBe('Site');
  });

  it('shows the empty text when there are no rows', () => {
    const { lastFrame } = renderIn('en', <Table columns={[{ header: 'Site' }]} rows={[]} emptyText="nothing here" />);
    expect(plain(lastFrame())).toContain('nothing here');
  });
});
