import { describe, expect, it } from 'vitest';
import { Sparkline, sparkline } from '../../cli/ui/components/Sparkline.js';
import { plain, renderIn } from '../helpers/console.js';

describe('Sparkline', () => {
  it('scales values from the lowest to the highest bar', () => {
    expect(sparkline([0, 50, 100], 3)).toBe('▁▅█');
  });

  it('keeps the last `width` samples, pads on the left, and leaves a gap for a missing sample', () => {
    expect(sparkline([100, 100, null, 100], 3)).toBe('█ █');
    expect(sparkline([10], 4)).toBe('   █');
  });

  it('uses a fixed maximum when given, so one spike does not flatten the rest', () => {
    expect(sparkline([1, 2, 100], 3, 2)).toBe('▅██');
  });

  it('renders a flat line for all zeros rather than nothing', () => {
    const { lastFrame } = renderIn('en', <Sparkline values={[0, 0, 0]} width={3} />);
    expect(plain(lastFrame())).toBe('▁▁▁');
  });
});
