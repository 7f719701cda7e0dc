// Auto-polling (轮巡), raised hands (申请发言) and the DTMF sequence that raises them, with a manual
// clock; and what polling does to the floor decision (pictures only, never who is heard).
import { describe, expect, it } from 'vitest';
import { Polling } from '../../daemon/conference/Polling.js';
import { DtmfSequence, RaisedHands, DTMF_SEQUENCE_GAP_MS } from '../../daemon/conference/RaisedHands.js';
import { decideFloor, type FloorInput } from '../../daemon/conference/FloorControl.js';
import { ManualClock } from '../helpers/manualClock.js';
import { floorInput } from '../helpers/floorInput.js';

const T0 = Date.parse('2026-12-07T01:00:00Z');

function polling(sites: string[], up: Set<string>, intervalSeconds = 10) {
  const clock = new ManualClock(T0);
  const shown: (string | null)[] = [];
  const p = new Polling(
    { intervalSeconds, sites, target: null },
    { clock, showable: (id) => up.has(id), switched: (c) => shown.push(c) },
  );
  return { clock, shown, p };
}

describe('Polling', () => {
  it('walks the list one site per interval, in order, and wraps around', async () => {
    const { clock, shown, p } = polling(['a', 'b', 'c'], new Set(['a', 'b', 'c']));
    p.start();
    expect(shown).toEqual(['a']);
    expect(p.nextAt).toBe(T0 + 10_000);
    expect(p.peekNext()).toBe('b');
    await clock.advance(10_000);
    await clock.advance(10_000);
    await clock.advance(10_000);
    expect(shown).toEqual(['a', 'b', 'c', 'a']);
  });

  it('skips sites that are not connected, and visits one again once it is back', async () => {
    const up = new Set(['a', 'c']);
    const { clock, shown, p } = polling(['a', 'b', 'c'], up);
    p.start();
    await clock.advance(10_000);
    expect(shown).toEqual(['a', 'c']);
    up.add('b');
    await clock.advance(10_000);
    await clock.advance(10_000);
    expect(shown).toEqual(['a', 'c', 'a', 'b']);
  });

  it('keeps its timer going while no site can be shown, and resumes when one comes back', async () => {
    const up = new Set<string>();
    const { clock, shown, p } = polling(['a', 'b'], up);
    p.start();
    expect(p.current).toBeNull();
    up.add('b');
    await clock.advance(10_000);
    expect(shown).toEqual(['b']);
  });

  it('stops: no more switches and no timer left', async () => {
    const { clock, shown, p } = polling(['a', 'b'], new Set(['a', 'b']));
    p.start();
    p.stop();
    expect(clock.pending).toBe(0);
    await clock.advance(60_000);
    expect(shown).toEqual(['a']);
  });

  it('refuses intervals outside 5 s – 10 min and an empty list, naming the range', () => {
    const deps = { clock: new ManualClock(T0), showable: () => true, switched: () => undefined };
    expect(() => new Polling({ intervalSeconds: 4, sites: ['a'], target: null }, deps)).toThrow(
      /out of range \(5 s – 10 min\)/,
    );
    expect(() => new Polling({ intervalSeconds: 601, sites: ['a'], target: null }, deps)).toThrow(
      /601 s is out of range/,
    );
    expect(() => new Polling({ intervalSeconds: Number.NaN, sites: ['a'], target: null }, deps)).toThrow(
      /out of range/,
    );
    expect(() => new Polling({ intervalSeconds: 10, sites: [], target: null }, deps)).toThrow(/empty/);
  });
});

describe('polling in the floor decision', () => {
  const base = (o: Partial<FloorInput> = {}): FloorInput => floorInput({ present: ['zz', 'city', 'a', 'b'], ...o });

  it('everyone sees the polled site (it keeps its own usual view); who is heard does not change', () => {
    const plain = decideFloor(base());
    const d = decideFloor(base({ poll: { source: 'b', target: null } }));
    expect(Object.fromEntries(d.views)).toEqual({ zz: 'b', city: 'b', a: 'b', b: 'zz' });
    expect(d.muted).toEqual(plain.muted);
    expect(d.source).toBe(plain.source);
  });

  it("polling one site's view changes only that site's picture, ahead of the operator's pick", () => {
    const d = decideFloor(base({ poll: { source: 'b', target: 'city' }, selections: new Map([['city', 'a']]) }));
    expect(d.views.get('city')).toBe('b');
    expect(d.views.get('a')).toBe('zz');
  });

  it('a polled site that is gone leaves the pictures as the mode has them', () => {
    const d = decideFloor(base({ poll: { source: 'x', target: null } }));
    expect(Object.fromEntries(d.views)).toEqual(Object.fromEntries(decideFloor(base()).views));
  });
});

describe('raised hands', () => {
  it('keeps the order hands were raised in; raising again keeps the first place; lower and clear', () => {
    const h = new RaisedHands();
    expect(h.raise('b', 2, 'dtmf')).toBe(true);
    expect(h.raise('a', 3, 'browser')).toBe(true);
    expect(h.raise('b', 4, 'dtmf')).toBe(false);
    expect(h.list().map((x) => [x.endpointId, x.at, x.via])).toEqual([
      ['b', 2, 'dtmf'],
      ['a', 3, 'browser'],
    ]);
    expect(h.lower('b')).toBe(true);
    expect(h.lower('b')).toBe(false);
    expect(h.clear()).toEqual(['a']);
    expect(h.list()).toEqual([]);
  });

  it('a DTMF sequence matches *1 sent digit by digit, not digits too far apart, and again after a match', () => {
    const s = new DtmfSequence('*1');
    expect(s.push('*', 0)).toBe(false);
    expect(s.push('1', 500)).toBe(true);
    expect(s.push('1', 600)).toBe(false);
    expect(s.push('*', 1000)).toBe(false);
    expect(s.push('1', 1000 + DTMF_SEQUENCE_GAP_MS + 1)).toBe(false);
    expect(s.push('5', 10_000)).toBe(false);
    expect(s.push('*', 10_100)).toBe(false);
    expect(s.push('1', 10_200)).toBe(true);
    const custom = new DtmfSequence('#9#');
    expect(['#', '9', '#'].map((d, i) => custom.push(d, i * 100))).toEqual([false, false, true]);
  });
});
