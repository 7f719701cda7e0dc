import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { BatchWriter } from '../../daemon/store/BatchWriter.js';
import { ManualClock } from '../helpers/manualClock.js';

// The one batched writer of history rows (leg stats, probe samples): rounds by time and by size,
// nothing written twice or lost on close, a failing write logged and dropped.

function setup(write: (rows: number[]) => void = () => undefined) {
  const clock = new ManualClock(0);
  const rounds: number[][] = [];
  const logged: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line).msg) });
  const w = new BatchWriter<number>({
    write: (rows) => {
      write(rows);
      rounds.push(rows);
    },
    clock,
    log,
    what: 'test rows',
    flushMs: 1000,
    maxBatch: 3,
  });
  return { clock, rounds, logged, w };
}

describe('BatchWriter', () => {
  it('writes a round flushMs after its first row, then waits for the next row', async () => {
    const { clock, rounds, w } = setup();
    w.add(1);
    await clock.advance(500);
    w.add(2);
    expect(rounds).toEqual([]);
    await clock.advance(500);
    expect(rounds).toEqual([[1, 2]]);
    await clock.advance(5000);
    expect(rounds).toEqual([[1, 2]]);
    expect(clock.pending).toBe(0);
  });

  it('writes at once when a round reaches maxBatch, and the rest on close', async () => {
    const { clock, rounds, w } = setup();
    for (const n of [1, 2, 3, 4]) w.add(n);
    expect(rounds).toEqual([[1, 2, 3]]);
    w.close();
    expect(rounds).toEqual([[1, 2, 3], [4]]);
    expect(clock.pending).toBe(0);
  });

  it('logs a failing write, drops that round and goes on with the next', async () => {
    let fail = true;
    const { clock, rounds, logged, w } = setup(() => {
      if (fail) throw new Error('disk full');
    });
    w.add(1);
    await clock.advance(1000);
    expect(rounds).toEqual([]);
    expect(logged).toEqual(['could not store test rows; dropped']);
    fail = false;
    w.add(2);
    await clock.advance(1000);
    expect(rounds).toEqual([[2]]);
  });
});
