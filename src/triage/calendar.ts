import { zonedParts } from './business-time.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Business hours as written in the policy file: local times, any number of periods a day, holidays. */
export interface CalendarSpec {
  timezone: string;
  /** `{ mon: [["08:00", "12:00"], ["13:00", "17:00"]] }`; a day not listed is closed. "24:00" ends a day. */
  weekly: Partial<Record<Weekday, ReadonlyArray<readonly [string, string]> | undefined>>;
  /** Local dates that are closed all day, `YYYY-MM-DD`. */
  holidays?: readonly string[];
}

/**
 * Open calendar time. Every SLA figure is measured in it: "due" is a number of open minutes after
 * arrival, and elapsed time counts only open minutes. Correct across DST changes, because open
 * periods are turned into absolute instants per local date.
 */
export interface Calendar {
  readonly name: string;
  /** The instant at which `minutes` of open time have passed since `start`. */
  addOpenMinutes(start: number, minutes: number): number;
  /** Open minutes between two instants (0 when `to` is not after `from`). */
  openMinutesBetween(from: number, to: number): number;
  isOpen(at: number): boolean;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Round the clock: open minutes are wall minutes. */
export const ALWAYS_OPEN: Calendar = {
  name: '24/7',
  addOpenMinutes: (start, minutes) => start + minutes * MINUTE,
  openMinutesBetween: (from, to) => (to > from ? (to - from) / MINUTE : 0),
  isOpen: () => true,
};

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Problems with a calendar spec, for the policy file's validation. */
export function calendarProblems(spec: CalendarSpec): string[] {
  const problems: string[] = [];
  let anyOpen = false;
  for (const [day, periods] of Object.entries(spec.weekly)) {
    let lastEnd = -1;
    for (const [start, end] of periods ?? []) {
      for (const time of [start, end]) {
        if (!/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(time)) problems.push(`weekly.${day}: "${time}" is not a time like "08:30"`);
      }
      const s = minutesOf(start);
      const e = minutesOf(end);
      if (e <= s) problems.push(`weekly.${day}: period ${start}–${end} ends before it starts`);
      if (s < lastEnd) problems.push(`weekly.${day}: periods overlap or are out of order at ${start}`);
      lastEnd = e;
      anyOpen = true;
    }
  }
  if (!anyOpen) problems.push('weekly: no open period in the whole week');
  for (const date of spec.holidays ?? []) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) problems.push(`holidays: "${date}" is not a date like "2026-12-25"`);
  }
  return problems;
}

/** Builds a fast calendar: open periods per local date are computed once and kept. */
export function compileCalendar(name: string, spec: CalendarSpec): Calendar {
  const zone = spec.timezone;
  const holidays = new Set(spec.holidays ?? []);
  const weekly = WEEKDAYS.map((day) => (spec.weekly[day] ?? []).map(([s, e]) => [minutesOf(s), minutesOf(e)] as const));
  const offsets = new Map<number, number>();
  const days = new Map<number, ReadonlyArray<readonly [number, number]>>();
  const QUARTER = 900_000;

  /** Local wall-clock offset (ms) at an instant. Offsets and DST changes fall on quarter hours, so Intl is asked once per quarter hour of time. */
  function offsetAt(at: number): number {
    const quarter = Math.floor(at / QUARTER);
    let offset = offsets.get(quarter);
    if (offset === undefined) {
      const p = zonedParts(quarter * QUARTER, zone);
      offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - quarter * QUARTER;
      offsets.set(quarter, offset);
    }
    return offset;
  }

  /** Local date of an instant as a day number (days since 1970-01-01 in local time). */
  function localDay(at: number): number {
    return Math.floor((at + offsetAt(at)) / DAY);
  }

  /**
   * Open periods of a local day as absolute [start, end) instants: every instant whose local clock
   * reads inside a period. On a DST day a period may become two intervals (an hour that happens
   * twice) or lose its skipped hour.
   */
  function periods(day: number): ReadonlyArray<readonly [number, number]> {
    let cached = days.get(day);
    if (cached !== undefined) return cached;
    const midnight = day * DAY;
    const iso = new Date(midnight).toISOString().slice(0, 10);
    const wanted = holidays.has(iso) ? [] : (weekly[new Date(midnight).getUTCDay()] ?? []);
    const before = offsetAt(midnight - 14 * 3_600_000);
    const after = offsetAt(midnight + DAY + 14 * 3_600_000);
    let change = Number.POSITIVE_INFINITY;
    if (before !== after) {
      // The instant the offset changes, to the quarter hour.
      let lo = Math.floor((midnight - 14 * 3_600_000) / QUARTER);
      let hi = Math.floor((midnight + DAY + 14 * 3_600_000) / QUARTER);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(mid * QUARTER) === before) lo = mid;
        else hi = mid;
      }
      change = hi * QUARTER;
    }
    const intervals: Array<[number, number]> = [];
    for (const [s, e] of wanted) {
      const wallStart = midnight + s * MINUTE;
      const wallEnd = midnight + e * MINUTE;
      // Instants before the change read local time with the old offset, after it with the new one.
      const first: [number, number] = [wallStart - before, Math.min(wallEnd - before, change)];
      const second: [number, number] = [Math.max(wallStart - after, change), wallEnd - after];
      if (first[1] > first[0]) intervals.push(first);
      if (before !== after && second[1] > second[0]) intervals.push(second);
    }
    cached = intervals.sort((a, b) => a[0] - b[0]);
    days.set(day, cached);
    return cached;
  }

  return {
    name,
    addOpenMinutes(start, minutes) {
      let remaining = minutes * MINUTE;
      let day = localDay(start);
      // Ten years of closed days would mean a calendar that never opens; validation forbids that.
      for (let guard = 0; guard < 3660; guard++, day++) {
        for (const [s, e] of periods(day)) {
          if (e <= start) continue;
          const from = Math.max(s, start);
          if (e - from >= remaining) return from + remaining;
          remaining -= e - from;
        }
      }
      throw new Error(`calendar ${name} has no open time`);
    },
    openMinutesBetween(from, to) {
      if (to <= from) return 0;
      let total = 0;
      const last = localDay(to);
      for (let day = localDay(from); day <= last; day++) {
        for (const [s, e] of periods(day)) {
          const overlap = Math.min(e, to) - Math.max(s, from);
          if (overlap > 0) total += overlap;
        }
      }
      return total / MINUTE;
    },
    isOpen(at) {
      return periods(localDay(at)).some(([s, e]) => at >= s && at < e);
    },
  };
}
