import { describe, expect, it } from 'vitest';
import { SPINNER_FRAMES, Spinner } from '../../cli/ui/components/Spinner.js';
import { plain, renderIn, settle } from '../helpers/console.js';

describe('Spinner', () => {
  it('turns while mounted', async () => {
    const { lastFrame, unmount } = renderIn('en', <Spinner intervalMs={10} />);
    const first = plain(lastFrame());
    expect(SPINNER_FRAMES).toContain(first);
    // it turns: waited for, however busy the machine (how fast is not the test's business)
    for (let i = 0; i < 250 && plain(lastFrame()) === first; i++) await settle(20);
    expect(plain(lastFrame())).not.toBe(first);
    unmount();
  });
});
