import { afterEach, describe, expect, it } from 'vitest';
import { TypedEmitter, setListenerErrorReporter, type ListenerErrorReporter } from '../../daemon/util/TypedEmitter.js';

// A listener's failure stays the listener's: the emitter's caller and the other listeners carry on,
// and the failure is reported (never swallowed).

type Events = { changed: [number]; error: [Error] };

const reported: { event: string; message: string }[] = [];
const collect: ListenerErrorReporter = (event, err) => reported.push({ event, message: (err as Error).message });

afterEach(() => {
  reported.length = 0;
});

describe('TypedEmitter', () => {
  setListenerErrorReporter(collect);

  it('runs every listener when one throws, reports the error, and does not throw into the emitter', () => {
    const e = new TypedEmitter<Events>();
    const seen: string[] = [];
    e.on('changed', (n) => seen.push(`a${n}`));
    e.on('changed', () => {
      throw new Error('subscriber bug');
    });
    e.on('changed', (n) => seen.push(`c${n}`));
    expect(e.emit('changed', 1)).toBe(true);
    expect(seen).toEqual(['a1', 'c1']);
    expect(reported).toEqual([{ event: 'changed', message: 'subscriber bug' }]);
  });

  it('reports an async listener that rejects', async () => {
    const e = new TypedEmitter<Events>();
    e.on('changed', async () => {
      throw new Error('async subscriber bug');
    });
    e.emit('changed', 2);
    await new Promise((r) => setImmediate(r));
    expect(reported).toEqual([{ event: 'changed', message: 'async subscriber bug' }]);
  });

  it('calls a once listener once, even when it throws', () => {
    const e = new TypedEmitter<Events>();
    let calls = 0;
    e.once('changed', () => {
      calls++;
      throw new Error('once');
    });
    e.emit('changed', 1);
    expect(e.emit('changed', 2)).toBe(false);
    expect(calls).toBe(1);
    expect(e.listenerCount('changed')).toBe(0);
    expect(reported).toHaveLength(1);
  });

  it('still throws an error event that nobody listens to, like any EventEmitter', () => {
    const e = new TypedEmitter<Events>();
    expect(() => e.emit('error', new Error('unheard'))).toThrow('unheard');
    const got: string[] = [];
    e.on('error', (err) => got.push(err.message));
    expect(e.emit('error', new Error('heard'))).toBe(true);
    expect(got).toEqual(['heard']);
  });
});
