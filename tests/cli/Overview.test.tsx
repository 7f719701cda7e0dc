import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import type { OccurrenceView } from '../../protocol/index.js';
import { Overview } from '../../cli/ui/screens/Overview.js';
import { applySnapshot, emptyState, type ConsoleState } from '../../cli/ui/data/state.js';
import { SITE, plain, renderIn, weeklyMeeting } from '../helpers/console.js';

const NOW = Date.parse('2026-12-07T00:45:00Z'); // 08:45 in Gongyi, Monday
const weekly: OccurrenceView = {
  scheduleId: 's1', title: '周一例会', start: '2026-12-07T01:00:00Z', end: '2026-12-07T02:30:00Z', state: 'preflight',
  preflight: { scheduleId: 's1', occurrenceStart: '2026-12-07T01:00:00Z', at: '2026-12-07T00:45:00Z', sites: [
    { endpointId: 'xiaoguan', status: 'ready' }, { endpointId: 'mihe', status: 'degraded' }, { endpointId: 'zhulin', status: 'unreachable', reason: 'timeout' },
  ] },
};
const tomorrow: OccurrenceView = { scheduleId: 's2', title: 'Tomorrow', start: '2026-12-08T01:00:00Z', end: '2026-12-08T02:00:00Z', state: 'pending' };

function state(): ConsoleState {
  return applySnapshot(emptyState, { status: null, endpoints: SITE, conferences: [weeklyMeeting({ startedAt: '2026-12-07T00:30:00Z' })], occurrences: [weekly, tomorrow], unavailable: [] });
}

describe('Overview', () => {
  it('shows every endpoint by kind, today\'s meeting with its countdown and readiness, and the active conference', () => {
    const { lastFrame } = renderIn('en', <Overview state={state()} now={NOW} width={100} timezone="Asia/Shanghai" />);
    const f = plain(lastFrame());
    expect(f).toContain('6 endpoints: 3 reachable, 1 degraded, 1 unreachable, 1 unknown');
    expect(f).toMatch(/● Zhengzhou\s+8 ms/);
    expect(f).toMatch(/09:00–10:30\s+周一例会\s+in 15m 00s\s+pre-flight\s+✕ 1\/3 ready · missing: Zhulin · 1 degraded/);
    expect(f).not.toContain('Tomorrow');
    expect(f).toMatch(/周一例会\s+roll call\s+3\/4 sites\s+15m 00s/);
  });

  it('reads in Chinese with the columns of the meeting table aligned', () => {
    const { lastFrame } = renderIn('zh', <Overview state={state()} now={NOW} width={100} timezone="Asia/Shanghai" />);
    const f = plain(lastFrame());
    expect(f).toContain('共 6 个会场：在线 3，质量差 1，不可达 1，未知 1');
    expect(f).toContain('缺席：竹林镇');
    expect(f).toContain('上级 (1)');
    const lines = f.split('\n');
    const head = lines.find((l) => l.startsWith('时间'))!;
    const row = lines.find((l) => l.startsWith('09:00'))!;
    // "会议" header and the meeting title start at the same display column
    expect(stringWidth(row.slice(0, row.indexOf('周一例会')))).toBe(stringWidth(head.slice(0, head.indexOf('会议'))));
  });

  it('says plainly what is empty and which daemon methods are missing', () => {
    const s = applySnapshot(emptyState, { status: null, endpoints: null, conferences: null, occurrences: null, unavailable: ['endpoints.list'] });
    const f = plain(renderIn('en', <Overview state={s} now={NOW} width={100} timezone="Asia/Shanghai" />).lastFrame());
    expect(f).toContain('no endpoints known');
    expect(f).toContain('no meetings today');
    expect(f).toContain('no conference in progress');
    expect(f).toContain('the daemon does not offer endpoints.list yet');
  });
});
