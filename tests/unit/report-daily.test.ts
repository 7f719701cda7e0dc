// The daily report built from a real SQLite store seeded the way the layers write it: conferences,
// call records, health transitions and leg stats, on a day in Asia/Shanghai (UTC+8).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../daemon/store/Store.js';
import { buildDailyReport } from '../../daemon/reports/dailyReport.js';
import { dayWindow } from '../../daemon/reports/dayWindow.js';
import { renderReportCsv, renderReportHtml, renderReportText } from '../../cli/reportRender.js';
import type { DailyReport } from '../../protocol/index.js';

const TZ = 'Asia/Shanghai';
// 2026-12-07 09:00 in Shanghai = 01:00 UTC
const NINE = Date.UTC(2026, 11, 7, 1, 0, 0);
const MIN = 60_000;
const ENDPOINTS = [
  { id: 'mihe', name: { zh: '米河镇', en: 'Mihe' } },
  { id: 'xiaoguan', name: { zh: '小关镇', en: 'Xiaoguan' } },
  { id: 'zhulin', name: { zh: '竹林镇', en: 'Zhulin' } },
  { id: 'kangdian', name: { zh: '康店镇', en: 'Kangdian' } },
];

let dir: string;
let store: Store;
let report: DailyReport;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vcb-report-'));
  store = Store.open(join(dir, 'vcbridge.db'));
  // the weekly meeting at 09:00: mihe at once, xiaoguan 3 min late (after one failed attempt),
  // zhulin never; mihe drops and is redialled (its first answer counts)
  const weekly = store.conferences.create({
    title: '周例会 <weekly>',
    mode: 'broadcast',
    startedAt: NINE,
    endpoints: ['mihe', 'xiaoguan', 'zhulin'],
    createdBy: 'scheduler',
    scheduleId: null,
  });
  // xiaoguan's room encrypts (SDES-SRTP); the others are plain
  const leg = (ep: string, start: number, answer: number | null, end: number): void => {
    const id = store.cdr.open({
      conferenceId: weekly.id,
      endpointId: ep,
      direction: 'out',
      callId: `${ep}-${start}`,
      startedAt: start,
    });
    if (answer !== null) store.cdr.answer(id, answer, { srtp: ep === 'xiaoguan' ? 'AES_CM_128_HMAC_SHA1_80' : null });
    store.cdr.close(id, end, answer === null ? '408 timeout' : 'ended');
  };
  leg('mihe', NINE, NINE + 20_000, NINE + 30 * MIN);
  leg('mihe', NINE + 30 * MIN, NINE + 31 * MIN, NINE + 60 * MIN);
  leg('xiaoguan', NINE, null, NINE + 30_000);
  leg('xiaoguan', NINE + 2 * MIN, NINE + 3 * MIN, NINE + 60 * MIN);
  leg('zhulin', NINE, null, NINE + 32_000);
  store.conferences.end(weekly.id, 'planned end reached', NINE + 60 * MIN);
  // an ad-hoc call in the afternoon, still running when the report is made
  const adhoc = store.conferences.create({
    title: 'ad hoc',
    mode: 'voice',
    startedAt: NINE + 5 * 60 * MIN,
    endpoints: ['mihe'],
    createdBy: 'alice',
  });
  const a = store.cdr.open({
    conferenceId: adhoc.id,
    endpointId: 'mihe',
    direction: 'in',
    callId: 'adhoc',
    startedAt: NINE + 5 * 60 * MIN,
  });
  store.cdr.answer(a, NINE + 5 * 60 * MIN + 5000);
  // the evening before (local) and the next day: not in the report
  store.conferences.create({
    title: 'yesterday',
    mode: 'broadcast',
    startedAt: NINE - 10 * 60 * MIN,
    endpoints: ['mihe'],
    createdBy: 'x',
  });
  store.conferences.create({
    title: 'tomorrow',
    mode: 'broadcast',
    startedAt: NINE + 15 * 60 * MIN + 1,
    endpoints: ['mihe'],
    createdBy: 'x',
  });
  // health: mihe reachable all day (from the day before), xiaoguan down 08:00–10:00 local
  store.health.recordTransition({ endpointId: 'mihe', from: 'unknown', to: 'reachable', at: NINE - 24 * 60 * MIN });
  store.health.recordTransition({ endpointId: 'xiaoguan', from: 'unknown', to: 'reachable', at: NINE - 24 * 60 * MIN });
  store.health.recordTransition({ endpointId: 'xiaoguan', from: 'reachable', to: 'unreachable', at: NINE - 60 * MIN });
  store.health.recordTransition({ endpointId: 'xiaoguan', from: 'unreachable', to: 'reachable', at: NINE + 60 * MIN });
  // link quality: xiaoguan lossy, mihe clean
  const stat = (ep: string, at: number, loss: number, jitter: number): void =>
    store.stats.insert({
      conferenceId: weekly.id,
      endpointId: ep,
      at,
      lossPct: loss,
      jitterMs: jitter,
      rttMs: 12,
      bitrateIn: 800_000,
      bitrateOut: 800_000,
      codec: 'PCMA+H264',
    });
  for (let i = 0; i < 10; i++) {
    stat('mihe', NINE + i * 2000, 0, 3);
    stat('xiaoguan', NINE + 3 * MIN + i * 2000, i === 5 ? 12.5 : 1, 25);
  }
  // at 18:00 local
  report = buildDailyReport(store, {
    site: 'Gongyi',
    timezone: TZ,
    date: '2026-12-07',
    endpoints: ENDPOINTS,
    now: NINE + 9 * 60 * MIN,
  });
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('daily report', () => {
  it("the day is the site's local calendar day: 2026-12-07 in Shanghai is 06T16:00Z to 07T16:00Z", () => {
    expect(dayWindow(TZ, NINE, '2026-12-07')).toEqual({
      date: '2026-12-07',
      fromMs: Date.UTC(2026, 11, 6, 16),
      toMs: Date.UTC(2026, 11, 7, 16),
    });
    expect(dayWindow(TZ, Date.UTC(2026, 11, 6, 17)).date).toBe('2026-12-07');
    // a DST day is 23 h long
    const spring = dayWindow('Europe/Berlin', 0, '2026-03-29');
    expect(spring.toMs - spring.fromMs).toBe(23 * 3600_000);
    expect(() => dayWindow(TZ, NINE, '2026-02-30')).toThrow(/not a calendar day/);
    expect(() => dayWindow(TZ, NINE, '7.12.2026')).toThrow(/YYYY-MM-DD/);
  });

  it('lists the meetings started that local day and nothing from the evening before or the next day', () => {
    expect(report.meetings.map((m) => m.title)).toEqual(['周例会 <weekly>', 'ad hoc']);
    expect(report.meetings[0]).toMatchObject({ durationMinutes: 60, endReason: 'planned end reached' });
    expect(report.meetings[1]).toMatchObject({ endedAt: null, durationMinutes: null });
  });

  it('attendance: answered within 2 min is joined, later is late (minutes shown), never answered is missing', () => {
    const sites = Object.fromEntries(report.meetings[0]!.sites.map((s) => [s.endpointId, s]));
    expect(sites.mihe).toMatchObject({
      status: 'joined',
      answeredAt: new Date(NINE + 20_000).toISOString(),
      lateMinutes: null,
    });
    expect(sites.xiaoguan).toMatchObject({ status: 'late', lateMinutes: 3, srtp: 'AES_CM_128_HMAC_SHA1_80' });
    expect(sites.mihe?.srtp).toBeNull();
    expect(sites.zhulin).toMatchObject({ status: 'missing', answeredAt: null });
    const per = Object.fromEntries(report.attendance.map((a) => [a.endpointId, a]));
    expect(per.mihe).toMatchObject({ meetings: 2, joined: 2, late: 0, missing: 0 });
    expect(per.zhulin).toMatchObject({ meetings: 1, missing: 1, name: { zh: '竹林镇', en: 'Zhulin' } });
    expect(report.attendance[0]!.endpointId, 'sites that missed most come first').toBe('zhulin');
    expect(per.kangdian, 'a site in no meeting has no attendance row').toBeUndefined();
  });

  it('uptime covers every configured endpoint up to now: 2 h down of 18 h known is 88.89 %', () => {
    const up = Object.fromEntries(report.uptime.map((u) => [u.endpointId, u]));
    expect(up.mihe).toMatchObject({ uptimePct: 100, downMinutes: 0, upMinutes: 18 * 60 });
    expect(up.xiaoguan).toMatchObject({ uptimePct: 88.89, downMinutes: 120 });
    expect(up.kangdian).toMatchObject({ uptimePct: null, unknownMinutes: 18 * 60 });
  });

  it('worst links: the lossy leg first, with its max and average loss and jitter', () => {
    expect(report.worstLinks.map((l) => l.endpointId)).toEqual(['xiaoguan', 'mihe']);
    expect(report.worstLinks[0]).toMatchObject({
      maxLossPct: 12.5,
      avgLossPct: 2.2,
      maxJitterMs: 25,
      samples: 10,
      title: '周例会 <weekly>',
    });
  });

  it('text, CSV and HTML carry the same facts; HTML is escaped, self-contained and has print CSS', () => {
    const text = renderReportText(report);
    expect(text).toMatch(/Gongyi — daily report for 2026-12-07 \(Asia\/Shanghai\)/);
    expect(text).toMatch(/09:00\s+10:00\s+周例会 <weekly>\s+3\s+1\s+1\s+1\s+🔒 1\/2\s+zhulin/);
    expect(text).toMatch(/竹林镇 \(zhulin\)\s+1\s+0\s+0\s+1/);
    const csv = renderReportCsv(report).split('\n');
    expect(csv[0]).toBe(
      'meeting,title,date,startedAt,endedAt,durationMinutes,endpointId,status,answeredAt,lateMinutes,srtp',
    );
    expect(csv.filter((l) => /,xiaoguan,late,.*,AES_CM_128_HMAC_SHA1_80$/.test(l))).toHaveLength(1);
    expect(csv).toContain('uptimeSite,nameZh,nameEn,date,uptimePct,upMinutes,downMinutes,unknownMinutes');
    expect(csv).toContain('xiaoguan,小关镇,Xiaoguan,2026-12-07,88.89,960,120,0');
    const html = renderReportHtml(report);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('周例会 &lt;weekly&gt;');
    expect(html).not.toContain('<weekly>');
    expect(html).toMatch(/@media print/);
    expect(html).toMatch(/@page \{ size: A4/);
    expect(html, 'nothing loaded from elsewhere').not.toMatch(/<script|<link|src=|https?:\/\//);
  });

  it('draws uptime bars (one per site), a timeline block per meeting and attendance, inline; zh has no English heading', () => {
    for (const lang of ['en', 'zh'] as const) {
      const html = renderReportHtml(report, lang);
      const svgs = [...html.matchAll(/<svg class="chart (\w+)"[\s\S]*?<\/svg>/g)];
      expect(svgs.map((m) => m[1])).toEqual(['timeline', 'attendance', 'uptime']);
      const count = (name: string, cls: string) =>
        (svgs.find((m) => m[1] === name)![0].match(new RegExp(`<rect class="${cls}[" ]`, 'g')) ?? []).length;
      expect(count('timeline', 'meeting')).toBe(report.meetings.length);
      expect(count('uptime', 'bar')).toBe(report.uptime.length);
      expect(count('uptime', 'track')).toBe(report.uptime.length);
      expect(
        count('attendance', 'joined') + count('attendance', 'late') + count('attendance', 'missing'),
      ).toBeGreaterThan(0);
      expect(html, 'nothing loaded from elsewhere').not.toMatch(/<script|<link|<img|src=|href=|url\(|https?:\/\//);
      expect(html).toMatch(/@page \{ size: A4/);
    }
    const zh = renderReportHtml(report, 'zh');
    expect(zh).toContain('<html lang="zh-CN">');
    const headings = [...zh.matchAll(/<(h1|h2|th)[^>]*>([^<]*)</g)].map((m) => m[2]!);
    expect(headings.length).toBeGreaterThan(10);
    for (const h of headings) expect(h.replace(/Gongyi|RTT|\d+/g, ''), h).not.toMatch(/[A-Za-z]{3,}/);
    expect(renderReportText(report, 'zh')).toMatch(/日报/);
    expect(renderReportCsv(report, 'zh').split('\n')[0]).toMatch(/^会议编号,标题,日期/);
  });
});
