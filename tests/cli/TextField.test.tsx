import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { TextField, editText } from '../../cli/ui/components/TextField.js';
import { useKeys } from '../../cli/ui/hooks/useKeys.js';
import { useSyncState } from '../../cli/ui/hooks/useSyncState.js';
import { plain, renderIn, settle } from '../helpers/console.js';

function Field({ focused }: { focused: boolean }) {
  const [v, setV, getV] = useSyncState('');
  const [f] = useState(focused);
  useKeys((input, key) => {
    const next = editText(getV(), input, key);
    if (next !== null) setV(next);
  }, { isActive: f });
  return <TextField label="Title" value={v} focused={focused} hint="weekly meeting" error={v === 'x' ? 'too short' : undefined} />;
}

describe('TextField', () => {
  it('takes typed text (Chinese too) and backspace, even several keys in one read', async () => {
    const { stdin, lastFrame } = renderIn('en', <Field focused />);
    expect(plain(lastFrame())).toContain('weekly meeting');
    stdin.write('周一');
    stdin.write('例会');
    await settle();
    expect(plain(lastFrame())).toContain('› Title        周一例会');
    stdin.write('\u007f');
    await settle();
    expect(plain(lastFrame()).split('\n')[0]).toMatch(/Title\s+周一例\s*$/);
  });

  it('shows its validation message right under it', async () => {
    const { stdin, lastFrame } = renderIn('en', <Field focused />);
    stdin.write('x');
    await settle();
    expect(plain(lastFrame()).split('\n')[1]).toMatch(/^\s+✕ too short$/);
  });

  it('draws no cursor and no marker when not focused', () => {
    const { lastFrame } = renderIn('en', <Field focused={false} />);
    expect(plain(lastFrame())).toBe('  Title        weekly meeting');
  });

  it('treats navigation keys as no edit', () => {
    const none = { ctrl: false, meta: false, return: false, tab: false, escape: false, upArrow: false, downArrow: false, backspace: false, delete: false } as Parameters<typeof editText>[2];
    expect(editText('ab', '', { ...none, tab: true })).toBeNull();
    expect(editText('ab', '', { ...none, backspace: true })).toBe('a');
    expect(editText('ab', 'c\r', none)).toBe('abc');
  });
});
