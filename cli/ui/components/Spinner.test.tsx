import { describe, expect, it } from 'vitest';
import { SPINNER_FRAMES, Spinner } from './Spinner.js';
import { plain, renderIn, settle } from '../testing.js';

describe('Spinner', () => {
  it('turns while mounted', async () => {
    const { lastFrame, unmount } = renderIn('en', <Spinner intervalMs={10} />);
    const first = plain(lastFrame());
    expect(SPINNER_FRAMES).toContain(first);
    await settle(60);
    expect(plain(lastFrame())).not.toBe(first);
    unmount();
  });
});
