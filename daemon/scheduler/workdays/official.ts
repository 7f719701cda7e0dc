// The State Council's holiday arrangements as the npm package chinese-days publishes them (every
// year from 2004 to the last notice), and the statutory holidays of a year not published yet.
import { createRequire } from 'node:module';
import chineseDays from 'chinese-days';

interface Dataset {
  /** date -> "English,中文,days" */
  holidays: Record<string, string>;
  /** make-up working days (补班), same format */
  workdays: Record<string, string>;
}

const data = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as Dataset;
const YEARS: ReadonlySet<number> = new Set(Object.keys(data.holidays).map((d) => Number(d.slice(0, 4))));

/** Years whose arrangement (holidays and make-up days) is published. */
export function officialYears(): ReadonlySet<number> {
  return YEARS;
}

const MAKE_UP_DAYS: readonly string[] = Object.keys(data.workdays).sort();

/** Every published make-up working day (补班), in order. */
export function officialMakeUpDays(): readonly string[] {
  return MAKE_UP_DAYS;
}

const chinese = (label: string): string => label.split(',')[1] ?? label;

/** The published status of a date: off (holiday) or worked (make-up day); undefined = ordinary. */
export function officialDay(day: string): { work: boolean; name: string } | undefined {
  const w = data.workdays[day];
  if (w !== undefined) return { work: true, name: chinese(w) };
  const h = data.holidays[day];
  return h !== undefined ? { work: false, name: chinese(h) } : undefined;
}

const statutoryCache = new Map<number, ReadonlyMap<string, string>>();

/**
 * The statutory holidays of a year (全国年节及纪念日放假办法, as amended in 2024): 元旦 1 Jan, 春节
 * New Year's Eve to the 3rd day of the first lunar month, 清明 (the solar term), 劳动节 1–2 May,
 * 端午 (5th of the 5th lunar month), 中秋 (15th of the 8th), 国庆节 1–3 Oct. The bridges and make-up
 * days are only known once the year's arrangement is published.
 */
export function statutoryHolidays(year: number): ReadonlyMap<string, string> {
  const hit = statutoryCache.get(year);
  if (hit) return hit;
  const days = new Map<string, string>([
    [`${year}-01-01`, '元旦'],
    [`${year}-05-01`, '劳动节'],
    [`${year}-05-02`, '劳动节'],
    [`${year}-10-01`, '国庆节'],
    [`${year}-10-02`, '国庆节'],
    [`${year}-10-03`, '国庆节'],
  ]);
  const lunar = (md: string): string | undefined => {
    try {
      return chineseDays.getSolarDateFromLunar(`${year}-${md}`).date;
    } catch {
      return undefined; // outside the lunar tables (1900–2100): the fixed days still count
    }
  };
  const newYear = lunar('01-01');
  if (newYear) {
    const t = Date.parse(`${newYear}T00:00:00Z`);
    for (let k = -1; k <= 2; k++) days.set(new Date(t + k * 86_400_000).toISOString().slice(0, 10), '春节');
  }
  for (const [md, name] of [
    ['05-05', '端午节'],
    ['08-15', '中秋节'],
  ] as const) {
    const d = lunar(md);
    if (d) days.set(d, name);
  }
  if (year >= 1900 && year <= 2100) days.set(chineseDays.getSolarTermDate(year, 4, 'pure_brightness'), '清明节');
  statutoryCache.set(year, days);
  return days;
}
