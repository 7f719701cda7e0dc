import { describe, expect, it } from 'vitest';
import { KeyHelp } from '../../cli/ui/components/KeyHelp.js';
import { plain, renderIn } from '../helpers/console.js';

describe('KeyHelp', () => {
  it('lists each key with its label, separated by dots', () => {
    const { lastFrame } = renderIn('en', <KeyHelp keys={[['m', 'mute/unmute'], ['f', 'give floor'], ['q', 'back']]} />);
    expect(plain(lastFrame())).toBe('m mute/unmute · f give floor · q back');
  });
});

describe('KeyHelp on a narrow terminal', () => {
  it('wraps between keys, never inside one', async () => {
    const { Box } = await import('ink');
    const { lastFrame } = renderIn('en', <Box width={30}><KeyHelp keys={[['m', 'mute/unmute'], ['M', 'mute all but chair'], ['f', 'give floor'], ['h', 'hang up']]} /></Box>);
    const lines = plain(lastFrame()).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l).toMatch(/^[mMfh] /);
  });
});
