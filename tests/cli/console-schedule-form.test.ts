import { describe, expect, it } from 'vitest';
import type { EndpointView } from '../../protocol/index.js';
import { emptyForm, parseLocalTime, resolveSites, rruleProblem, validateForm } from '../../cli/ui/data/scheduleForm.js';
import { translator } from '../../cli/ui/i18n/translate.js';

const t = translator('en');
const ep = (id: string, kind: EndpointView['kind'], groups: string[] = []): EndpointView => ({
  id,
  name: { zh: id, en: id },
  kind,
  uri: `sip:${id}@127.0.1.1`,
  transport: 'udp',
  groups,
  state: 'reachable',
  rttMs: 1,
  since: null,
  registration: 'none',
});
const endpoints = [
  ep('zhengzhou', 'upstream'),
  ep('xiaoguan', 'town', ['towns']),
  ep('mihe', 'town', ['towns']),
  ep('jiaoyu', 'bureau', ['bureaus']),
];
const now = Date.parse('2026-12-01T00:00:00Z');
const ctx = { endpoints, timezone: 'Asia/Shanghai', now };

describe('booking form validation', () => {
  it('reads a wall-clock time in the site timezone, across a DST change too', () => {
    expect(new Date(parseLocalTime('2026-12-07 09:00', 'Asia/Shanghai')!).toISOString()).toBe(
      '2026-12-07T01:00:00.000Z',
    );
    expect(new Date(parseLocalTime('2026-03-30 09:00', 'Europe/Berlin')!).toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
    expect(new Date(parseLocalTime('2026-03-27 09:00', 'Europe/Berlin')!).toISOString()).toBe(
      '2026-03-27T08:00:00.000Z',
    );
    expect(parseLocalTime('2026-02-30 09:00', 'Asia/Shanghai')).toBeUndefined();
    expect(parseLocalTime('next monday', 'Asia/Shanghai')).toBeUndefined();
  });

  it('expands groups and names the unknown site', () => {
    expect(resolveSites('towns, jiaoyu', endpoints)).toEqual({ ids: ['xiaoguan', 'mihe', 'jiaoyu'], unknown: [] });
    expect(resolveSites('xiaoguan，nowhere', endpoints).unknown).toEqual(['nowhere']);
  });

  it('checks RRULE syntax', () => {
    expect(rruleProblem('FREQ=WEEKLY;BYDAY=MO')).toBeUndefined();
    expect(rruleProblem('RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=10')).toBeUndefined();
    expect(rruleProblem('BYDAY=MO')).toBe('FREQ is missing');
    expect(rruleProblem('FREQ=WEEKLY;BYDAY=XX')).toBe('BYDAY=XX');
    expect(rruleProblem('FREQ=DAILY;COUNT=abc')).toBe('COUNT=abc');
  });

  it('reports every wrong field at once', () => {
    const r = validateForm(
      {
        ...emptyForm,
        start: '2026-11-30 09:00',
        duration: '0m',
        sites: 'towns,nowhere',
        upstream: 'xiaoguan',
        chair: 'ghost',
        repeat: 'FREQ=HOURLY',
      },
      ctx,
      t,
    );
    expect(r.params).toBeUndefined();
    expect(r.errors).toEqual({
      title: 'required',
      start: 'that time has passed',
      duration: 'between 1 minute and 24 hours',
      sites: 'unknown endpoint or group: nowhere',
      repeat: 'not a recurrence rule: FREQ=HOURLY',
      upstream: 'xiaoguan is not an upstream endpoint',
      chair: 'unknown endpoint: ghost',
    });
  });

  it('builds the schedule.add parameters from a valid form', () => {
    const r = validateForm(
      {
        title: ' 周一例会 ',
        start: '2026-12-07 09:00',
        duration: '1h30m',
        sites: 'towns',
        repeat: 'FREQ=WEEKLY;BYDAY=MO',
        upstream: 'zhengzhou',
        chair: '',
      },
      ctx,
      t,
    );
    expect(r.errors).toEqual({});
    expect(r.params).toEqual({
      title: '周一例会',
      start: '2026-12-07T01:00:00.000Z',
      durationMinutes: 90,
      timezone: 'Asia/Shanghai',
      endpoints: ['xiaoguan', 'mihe'],
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      upstream: 'zhengzhou',
    });
  });
});
