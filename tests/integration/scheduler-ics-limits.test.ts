import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ICS_MAX_CHARS, ICS_MAX_EVENTS } from '../../daemon/scheduler/ics/importCalendar.js';
import { MAX_RULE_STEPS } from '../../daemon/scheduler/ruleWalk.js';
import { ensureBuilt } from '../helpers/build.js';
import { rawConnect, startDaemon, TOKENS, type RunningDaemon } from '../helpers/daemon.js';
import { optionsPing } from '../helpers/sipOptions.js';

// Calendar input against the real daemon: a large .ics imports completely while SIP and the API
// keep answering; rules that never match, series from the year 100 and files over the limits are
// refused with an error that names the limit.

let d: RunningDaemon;
beforeAll(async () => {
  await ensureBuilt();
  d = await startDaemon();
}, 60_000);
afterAll(async () => {
  await d?.stop();
});

const vevent = (uid: string, summary: string, dtstart: string, extra: string[] = []): string[] => [
  'BEGIN:VEVENT',
  `UID:${uid}`,
  `SUMMARY:${summary}`,
  `DTSTART:${dtstart}`,
  'DURATION:PT30M',
  'X-VCBRIDGE-ENDPOINTS:xiaoguan',
  ...extra,
  'END:VEVENT',
];
const calendar = (events: string[][]): string =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//limits//EN', ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');
/** "20270101T010000Z" for hour `h` after 2027-01-01 01:00 UTC. */
const hourStamp = (h: number): string =>
  new Date(Date.UTC(2027, 0, 1, 1) + h * 3_600_000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

describe('calendar import limits', () => {
  it('7,000 events import completely, and SIP OPTIONS and API calls are answered while the import runs', async () => {
    const N = 7000;
    const ics = calendar(Array.from({ length: N }, (_, i) => vevent(`b${i}`, `M${i}`, hourStamp(i))));
    expect(ics.length).toBeLessThanOrEqual(ICS_MAX_CHARS);
    const op = await rawConnect(d.url, TOKENS.operator);
    const other = await rawConnect(d.url, TOKENS.viewer);
    let importDone = false;
    const answeredDuring = { options: 0, api: 0 };
    const t0 = Date.now();
    const importing = op.call('schedule.import', { ics }).finally(() => (importDone = true));
    // keep asking while the import runs; count what is answered before the import's own reply
    const sip = (async () => {
      while (!importDone) {
        const r = await optionsPing(`sip:vcbridge@127.0.0.1:${d.sipPort}`, 30_000);
        expect(r.ok, r.reason).toBe(true);
        if (!importDone) answeredDuring.options++;
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const api = (async () => {
      while (!importDone) {
        const r = await other.call('status');
        expect(r.error).toBeUndefined();
        if (!importDone) answeredDuring.api++;
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const reply = await importing;
    await Promise.all([sip, api]);
    // a figure for the README, not an assertion
    console.log(
      `${N} events imported in ${Date.now() - t0} ms; answered meanwhile: ${answeredDuring.options} OPTIONS, ${answeredDuring.api} API calls`,
    );
    expect(reply.error).toBeUndefined();
    expect(reply.result.imported).toHaveLength(N);
    expect(reply.result.skipped).toEqual([]);
    expect(answeredDuring.options, 'OPTIONS answered during the import').toBeGreaterThan(0);
    expect(answeredDuring.api, 'API calls answered during the import').toBeGreaterThan(0);
    // every meeting is in the book, once, at its time
    const listed = (await op.call('schedule.list', { from: '2027-01-01T00:00:00Z', to: '2027-01-08T00:00:00Z' }))
      .result as { title: string; start: string }[];
    expect(listed).toHaveLength(7 * 24 - 1); // hourly from 01:00 on the 1st
    expect(listed[0]).toMatchObject({ title: 'M0', start: '2027-01-01T01:00:00.000Z' });
    // importing the same file again books nothing twice
    const again = await op.call('schedule.import', { ics });
    expect(again.result.imported).toEqual([]);
    expect(again.result.skipped).toHaveLength(N);
    op.close();
    other.close();
  }, 240_000);

  it('a rule that never matches is refused, naming the step limit, without stalling the daemon', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    const r = await op.call('schedule.add', {
      title: 'Feb 30',
      start: '2027-01-04 09:00',
      durationMinutes: 30,
      rrule: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
      endpoints: ['xiaoguan'],
    });
    expect(r.error.data.code).toBe('SCHEDULE_INVALID');
    expect(r.error.message).toMatch(new RegExp(`no date within ${MAX_RULE_STEPS} steps.*MAX_RULE_STEPS`));
    // the same rule in a calendar: that event is skipped with the reason, the others import
    const ics = calendar([
      vevent('never@cal', 'Never', '20290104T010000Z', ['RRULE:FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31']),
      vevent('fine@cal', 'Fine', '20290105T010000Z'),
    ]);
    const imp = (await op.call('schedule.import', { ics })).result;
    expect(imp.imported.map((s: { title: string }) => s.title)).toEqual(['Fine']);
    expect(imp.skipped).toEqual([
      { uid: 'never@cal', summary: 'Never', reason: expect.stringMatching(/MAX_RULE_STEPS/) },
    ]);
    expect((await optionsPing(`sip:vcbridge@127.0.0.1:${d.sipPort}`, 30_000)).ok).toBe(true);
    op.close();
  }, 60_000);

  it('a series starting in the year 100 is refused with the allowed years; schedule.list is unaffected', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    const ics = calendar([vevent('ancient@cal', 'Ancient', '01000101T010000Z', ['RRULE:FREQ=DAILY'])]);
    const imp = (await op.call('schedule.import', { ics })).result;
    expect(imp.imported).toEqual([]);
    expect(imp.skipped).toEqual([
      {
        uid: 'ancient@cal',
        summary: 'Ancient',
        reason: 'a meeting must start between the years 1970 and 2100, not in 100',
      },
    ]);
    const list = await op.call('schedule.list');
    expect(list.error).toBeUndefined();
    op.close();
  }, 60_000);

  it('files over the limits are refused whole, naming the limit', async () => {
    const op = await rawConnect(d.url, TOKENS.operator);
    // each file holds one good meeting in 2028: refused whole means it is not booked either
    const good = vevent('good@cal', 'Good', '20280103T010000Z');
    const in2028 = async () =>
      (await op.call('schedule.list', { from: '2028-01-01T00:00:00Z', to: '2028-01-10T00:00:00Z' }))
        .result as unknown[];
    // one event too many (tiny events: the count, not the size, is over)
    const many = calendar([
      good,
      ...Array.from({ length: ICS_MAX_EVENTS }, (_, i) => ['BEGIN:VEVENT', `UID:t${i}`, 'END:VEVENT']),
    ]);
    expect(many.length).toBeLessThan(ICS_MAX_CHARS);
    const r1 = await op.call('schedule.import', { ics: many });
    expect(r1.error.data.code).toBe('ICS_INVALID');
    expect(r1.error.message).toMatch(
      new RegExp(`${ICS_MAX_EVENTS + 1} events \\(limit ICS_MAX_EVENTS: at most ${ICS_MAX_EVENTS}\\)`),
    );
    // one character too many
    const big = calendar([
      good,
      vevent('big@cal', 'Big', '20280104T010000Z', [`DESCRIPTION:${'x'.repeat(ICS_MAX_CHARS)}`]),
    ]);
    const r2 = await op.call('schedule.import', { ics: big.slice(0, ICS_MAX_CHARS + 1) });
    expect(r2.error.data.code).toBe('PARAMS_INVALID');
    expect(r2.error.message).toMatch(/ICS_MAX_CHARS/);
    expect(await in2028()).toEqual([]);
    // the same good meeting alone is booked: the files were refused for their size, nothing else
    expect((await op.call('schedule.import', { ics: calendar([good]) })).result.imported).toHaveLength(1);
    expect(await in2028()).toHaveLength(1);
    op.close();
  }, 60_000);
});
