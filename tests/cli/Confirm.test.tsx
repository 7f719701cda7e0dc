import { describe, expect, it } from 'vitest';
import { Confirm } from '../../cli/ui/components/Confirm.js';
import { plain, renderIn, settle } from '../helpers/console.js';

function setup(lang: 'en' | 'zh' = 'en') {
  const calls: string[] = [];
  const r = renderIn(lang, <Confirm message="Hang up 小关镇?" onConfirm={() => calls.push('yes')} onCancel={() => calls.push('no')} />);
  return { ...r, calls };
}

describe('Confirm', () => {
  it('asks the question with its y/n keys', () => {
    const { lastFrame } = setup();
    expect(plain(lastFrame())).toMatch(/Hang up 小关镇\?\s+\[y\] yes\s+\[n\] no/);
    expect(plain(setup('zh').lastFrame())).toContain('[y] 是  [n] 否');
  });

  it('confirms only on y; a stray key does nothing', async () => {
    const { stdin, calls } = setup();
    stdin.write('h');
    stdin.write('m');
    await settle();
    expect(calls).toEqual([]);
    stdin.write('y');
    await settle();
    expect(calls).toEqual(['yes']);
  });

  it('cancels on n and on Esc', async () => {
    const a = setup();
    a.stdin.write('n');
    await settle();
    expect(a.calls).toEqual(['no']);
    const b = setup();
    b.stdin.write('\u001b');
    // Ink holds a lone ESC a moment (it may start a key sequence): wait for it, however busy the machine
    for (let i = 0; i < 250 && b.calls.length === 0; i++) await settle(20);
    expect(b.calls).toEqual(['no']);
  });
});
