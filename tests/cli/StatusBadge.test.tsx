import { describe, expect, it } from 'vitest';
import { Box } from 'ink';
import { StatusBadge, badgeStyle } from '../../cli/ui/components/StatusBadge.js';
import { plain, renderIn } from '../helpers/console.js';

describe('StatusBadge', () => {
  it('gives each endpoint state its own symbol, so states read without colour', () => {
    const symbols = (['reachable', 'degraded', 'unreachable', 'unknown'] as const).map((state) => badgeStyle({ kind: 'endpoint', state }).symbol);
    expect(symbols).toEqual(['●', '◐', '✕', '○']);
  });

  it('shows symbol and the state name in the chosen language', () => {
    const en = renderIn('en', <Box flexDirection="column"><StatusBadge state={{ kind: 'endpoint', state: 'unreachable' }} /><StatusBadge state={{ kind: 'leg', state: 'ringing' }} /></Box>);
    expect(plain(en.lastFrame())).toBe('✕ unreachable\n◐ ringing');
    const zh = renderIn('zh', <Box flexDirection="column"><StatusBadge state={{ kind: 'endpoint', state: 'unreachable' }} /><StatusBadge state={{ kind: 'preflight', state: 'ready' }} /></Box>);
    expect(plain(zh.lastFrame())).toBe('✕ 不可达\n● 就绪');
  });

  it('shows only the symbol when compact', () => {
    const { lastFrame } = renderIn('en', <StatusBadge compact state={{ kind: 'step', state: 'ok' }} />);
    expect(plain(lastFrame())).toBe('✓');
  });
});
