import { describe, expect, it } from 'vitest';
import { Reachability, type ProbeOutcome } from '../../daemon/health/Reachability.js';

const LIMIT = 300;
const ok = (rttMs = 5): ProbeOutcome => ({ answered: true, rttMs });
const miss: ProbeOutcome = { answered: false, rttMs: null, reason: 'no answer within 2000 ms over UDP' };

function run(r: Reachability, outcomes: ProbeOutcome[]): string[] {
  let t = 0;
  return outcomes.map((o) => {
    const f = r.feed(o, LIMIT, (t += 1000));
    return f.transition ? `${f.transition.from}>${f.transition.to}` : f.confirm ? 'confirm' : '-';
  });
}

describe('Reachability: hysteresis of the endpoint state', () => {
  it('the first answer makes an unknown endpoint reachable at once', () => {
    expect(run(new Reachability(), [ok()])).toEqual(['unknown>reachable']);
  });

  it('one lost probe asks for a confirmation but does not take a reachable endpoint down', () => {
    const r = new Reachability('reachable', 0);
    expect(run(r, [miss])).toEqual(['confirm']);
    expect(r.state).toBe('reachable');
  });

  it('two misses in a row make it unreachable, with the reason of the last miss', () => {
    const r = new Reachability('reachable', 0);
    expect(run(r, [miss, miss])).toEqual(['confirm', 'reachable>unreachable']);
    expect(r.reason).toMatch(/no answer/);
  });

  it('an unknown endpoint that never answers goes unreachable after the confirmation', () => {
    expect(run(new Reachability(), [miss, miss])).toEqual(['confirm', 'unknown>unreachable']);
  });

  it('coming back takes two answers in a row; a miss in between restarts the count', () => {
    const r = new Reachability('unreachable', 0);
    expect(run(r, [ok(), miss, ok(), ok()])).toEqual(['confirm', '-', 'confirm', 'unreachable>reachable']);
    // the misses of the outage do not count as intermittent loss afterwards
    expect(r.state).toBe('reachable');
  });

  it('a miss answered by the confirmation is intermittent loss: degraded until 4 clean probes', () => {
    const r = new Reachability('reachable', 0);
    expect(run(r, [miss, ok()])).toEqual(['confirm', 'reachable>degraded']);
    expect(r.reason).toMatch(/lost 1 of the last/);
    expect(run(r, [ok(), ok()])).toEqual(['-', '-']);
    expect(run(r, [ok()])).toEqual(['degraded>reachable']);
  });

  it('one slow answer is tolerated; two in a row degrade; two fast ones in a row are needed to recover', () => {
    const r = new Reachability('reachable', 0);
    expect(run(r, [ok(500)])).toEqual(['-']);
    expect(run(r, [ok(500)])).toEqual(['reachable>degraded']);
    expect(r.reason).toMatch(/RTT 500 ms \(limit 300 ms\)/);
    expect(run(r, [ok(5)])).toEqual(['-']);
    expect(run(r, [ok(500), ok(5)])).toEqual(['-', '-']);
    expect(run(r, [ok(5)])).toEqual(['degraded>reachable']);
  });

  it('a degraded endpoint that stops answering goes unreachable and comes back clean', () => {
    const r = new Reachability('degraded', 0);
    expect(run(r, [miss, miss, ok(), ok()])).toEqual([
      'confirm',
      'degraded>unreachable',
      'confirm',
      'unreachable>reachable',
    ]);
  });
});
