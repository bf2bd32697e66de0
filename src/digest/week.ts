import { zonedParts, zonedTimeToUtc } from '../triage/business-time.js';

export interface Week {
  /** ISO week label, `2026-W47`. */
  label: string;
  /** Monday 00:00 local, as an instant. */
  from: number;
  /** The next Monday 00:00 local. */
  to: number;
  /** Each day's local start, Monday first, plus `to` at the end (8 instants). */
  dayStarts: number[];
  /** `YYYY-MM-DD` of each day. */
  dates: string[];
}

const WEEK = /^(\d{4})-W(\d{2})$/;

/** The Monday (UTC calendar date) of ISO week `week` of `year`. */
function isoMonday(year: number, week: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const mondayOfWeek1 = new Date(jan4);
  mondayOfWeek1.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7));
  mondayOfWeek1.setUTCDate(mondayOfWeek1.getUTCDate() + (week - 1) * 7);
  return mondayOfWeek1;
}

/** Days of an ISO week in a time zone (local midnights, so a DST week has a 23- or 25-hour day). */
export function parseWeek(label: string, timeZone: string): Week | undefined {
  const m = WEEK.exec(label);
  if (!m) return undefined;
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (week < 1 || week > 53) return undefined;
  const monday = isoMonday(year, week);
  if (week === 53 && isoWeekOf(Date.UTC(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate())).label !== label) return undefined;
  const dayStarts: number[] = [];
  const dates: string[] = [];
  for (let d = 0; d <= 7; d++) {
    const date = new Date(Date.UTC(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate() + d));
    dayStarts.push(zonedTimeToUtc(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), 0, 0, timeZone));
    if (d < 7) dates.push(date.toISOString().slice(0, 10));
  }
  return { label, from: dayStarts[0] as number, to: dayStarts[7] as number, dayStarts, dates };
}

/** The ISO week label of a calendar date given as UTC midnight. */
function isoWeekOf(utcMidnight: number): { label: string } {
  const date = new Date(utcMidnight);
  const thursday = new Date(date);
  thursday.setUTCDate(date.getUTCDate() + 3 - ((date.getUTCDay() + 6) % 7));
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.round((thursday.getTime() - isoMonday(year, 1).getTime()) / (7 * 86_400_000));
  return { label: `${year}-W${String(week).padStart(2, '0')}` };
}

/** The last complete ISO week before `now` in the time zone (what a Monday-morning digest covers). */
export function previousWeek(now: number, timeZone: string): Week {
  const p = zonedParts(now, timeZone);
  const today = Date.UTC(p.year, p.month - 1, p.day);
  const label = isoWeekOf(today - 7 * 86_400_000).label;
  return parseWeek(label, timeZone) as Week;
}

/** The ISO week that instant `at` falls in, by the calendar of the time zone. */
export function weekContaining(at: number, timeZone: string): Week {
  const p = zonedParts(at, timeZone);
  return parseWeek(isoWeekOf(Date.UTC(p.year, p.month - 1, p.day)).label, timeZone) as Week;
}

/** The week before `week`. */
export function weekBefore(week: Week, timeZone: string): Week {
  const monday = Date.parse(`${week.dates[0]}T00:00:00Z`);
  return parseWeek(isoWeekOf(monday - 7 * 86_400_000).label, timeZone) as Week;
}
