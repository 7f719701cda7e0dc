// Floor policy (who is heard, who sees whom) and the redial backoff, as pure functions.
import { describe, expect, it } from 'vitest';
import { decideFloor } from '../../daemon/conference/FloorControl.js';
import { floorInput } from '../helpers/floorInput.js';
import { isPermanentFailure, redialDelayMs } from '../../daemon/conference/redial.js';
import { VcError } from '../../daemon/errors.js';

const base = floorInput;
const heard = (d: ReturnType<typeof decideFloor>): string[] => [...d.muted].filter(([, m]) => !m).map(([id]) => id);

describe('decideFloor', () => {
  it('broadcast shows the upstream to all, which sees the chair; only the upstream and the chair are heard', () => {
    const d = decideFloor(base());
    expect(d.source).toBe('zz');
    expect(heard(d)).toEqual(['zz', 'city']);
    expect(Object.fromEntries(d.views)).toEqual({ zz: 'city', city: 'zz', a: 'zz', b: 'zz', c: 'zz' });
  });

  it('broadcast without the upstream falls back to the chair, and to the first site without a chair', () => {
    expect(decideFloor(base({ present: ['city', 'a', 'b'] })).source).toBe('city');
    expect(decideFloor(base({ chair: null, upstream: null, present: ['a', 'b'] })).source).toBe('a');
  });

  it('roll call: the floor site is heard and shown to all, everyone else muted except the chair', () => {
    const d = decideFloor(base({ mode: 'rollcall', floor: 'b' }));
    expect(d.source).toBe('b');
    expect(heard(d).sort()).toEqual(['b', 'city']);
    expect(d.views.get('b')).toBe('city');
    expect(d.views.get('zz')).toBe('b');
  });

  it('roll call with nobody on the floor: the chair is shown and alone heard', () => {
    const d = decideFloor(base({ mode: 'rollcall' }));
    expect(d.source).toBe('city');
    expect(heard(d)).toEqual(['city']);
  });

  it('voice: the active speaker is shown, and sees the previous speaker; nobody is muted by the mode', () => {
    const d = decideFloor(base({ mode: 'voice', speaker: 'c', previousSpeaker: 'a' }));
    expect(d.source).toBe('c');
    expect(d.views.get('c')).toBe('a');
    expect(d.views.get('b')).toBe('c');
    expect(heard(d)).toHaveLength(5);
  });

  it("an operator override beats the mode; a pick for one site beats the mode's view", () => {
    const d = decideFloor(
      base({
        overrides: new Map([
          ['a', false],
          ['zz', true],
        ]),
        selections: new Map([['b', 'c']]),
      }),
    );
    expect(heard(d).sort()).toEqual(['a', 'city']);
    expect(d.views.get('b')).toBe('c');
    expect(d.views.get('a')).toBe('zz');
  });

  it('a site that cannot decode the source (codec) is shown the next viewable one, never itself', () => {
    const d = decideFloor(base({ canView: (t, s) => !(t === 'a' && s === 'zz') }));
    expect(d.views.get('a')).toBe('city');
    const alone = decideFloor(base({ present: ['a'] }));
    expect(alone.views.get('a')).toBeNull();
  });

  it('absent sites are neither shown nor decided for', () => {
    const d = decideFloor(base({ mode: 'rollcall', floor: 'gone', present: ['city', 'a'] }));
    expect(d.source).toBe('city');
    expect([...d.views.keys()]).toEqual(['city', 'a']);
  });
});

describe('redial policy', () => {
  it('backs off 1 s, 2 s, 4 s … and never waits more than 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(redialDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000,
    ]);
  });

  it('gives up on what redialling cannot fix (403, 404, 488, no common codec), not on 408/486/5xx', () => {
    const fail = (status: number): VcError => new VcError('SIP_FAILED', 'x', { status });
    expect([403, 404, 488, 603].map((s) => isPermanentFailure(fail(s)))).toEqual([true, true, true, true]);
    expect([408, 480, 486, 500, 503].map((s) => isPermanentFailure(fail(s)))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isPermanentFailure(new VcError('SDP_NO_COMMON_CODEC', 'x'))).toBe(true);
    expect(isPermanentFailure(new Error('socket closed'))).toBe(false);
  });
});
