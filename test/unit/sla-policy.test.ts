import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Classification } from '../../src/domain/classification.js';
import { zonedParts, zonedTimeToUtc } from '../../src/triage/business-time.js';
import { ALWAYS_OPEN, compileCalendar, WEEKDAYS, type CalendarSpec } from '../../src/triage/calendar.js';
import { decideTriage } from '../../src/triage/decide-triage.js';
import { slaEvents } from '../../src/triage/sla-events.js';
import { compilePolicy, computeDueTimes, slaPolicySchema } from '../../src/triage/sla-policy.js';

const NY = 'America/New_York';
const ny = (y: number, m: number, d: number, h: number, min = 0) => zonedTimeToUtc(y, m, d, h, min, NY);
const iso = (ms: number) => new Date(ms).toISOString();

const business: CalendarSpec = {
  timezone: NY,
  weekly: {
    mon: [['08:00', '12:00'], ['13:00', '17:00']],
    tue: [['08:00', '12:00'], ['13:00', '17:00']],
    wed: [['08:00', '12:00'], ['13:00', '17:00']],
    thu: [['08:00', '12:00'], ['13:00', '17:00']],
    fri: [['08:00', '12:00'], ['13:00', '17:00']],
  },
  holidays: ['2026-11-26'],
};

const policy = compilePolicy(slaPolicySchema.parse({
  version: 7,
  timezone: NY,
  calendars: { business: { weekly: business.weekly, holidays: business.holidays } },
  targets: {
    critical: { firstResponseMinutes: 60, resolutionMinutes: 480 },
    high: { firstResponseMinutes: 240, resolutionMinutes: 1440, calendar: '24/7' },
    normal: { firstResponseMinutes: 120, resolutionMinutes: 960, calendar: 'business' },
    low: null,
  },
  categoryTargets: { phi: { normal: { firstResponseMinutes: 60, resolutionMinutes: 480, calendar: 'business' } } },
  reminderFractions: [0.8, 0.5],
  escalation: { secondLevelAfterMinutes: 30 },
}));

describe('business-hours calendar', () => {
  const calendar = compileCalendar('business', business);

  it('counts only open time: a post at 23:59 on Friday is due on Monday', () => {
    expect(iso(computeDueTimes(policy, 'normal', ny(2026, 11, 20, 23, 59))!.firstResponseDueAt)).toBe(iso(ny(2026, 11, 23, 10)));
  });

  it('skips the lunch break of a split shift and the holidays', () => {
    expect(iso(calendar.addOpenMinutes(ny(2026, 11, 23, 11, 30), 60))).toBe(iso(ny(2026, 11, 23, 13, 30)));
    // Wednesday 16:00 + 2 h: one hour Wednesday, Thursday is Thanksgiving, one hour Friday.
    expect(iso(calendar.addOpenMinutes(ny(2026, 11, 25, 16), 120))).toBe(iso(ny(2026, 11, 27, 9)));
    expect(calendar.openMinutesBetween(ny(2026, 11, 25, 16), ny(2026, 11, 27, 9))).toBe(120);
  });

  it('keeps local hours across both DST changes', () => {
    // Spring forward (Sunday 8 March 2026): Friday 16:00 + 3 h → Monday 10:00 EDT (14:00 UTC).
    expect(iso(calendar.addOpenMinutes(ny(2026, 3, 6, 16), 180))).toBe('2026-03-09T14:00:00.000Z');
    // Fall back (Sunday 1 November 2026): Friday 16:00 + 3 h → Monday 10:00 EST (15:00 UTC).
    expect(iso(calendar.addOpenMinutes(ny(2026, 10, 30, 16), 180))).toBe('2026-11-02T15:00:00.000Z');
  });

  it('uses the category override and has no clock for low', () => {
    expect(policy.targetFor('normal', ['complaint', 'phi'])?.firstResponseMinutes).toBe(60);
    expect(policy.targetFor('normal', ['complaint'])?.firstResponseMinutes).toBe(120);
    expect(computeDueTimes(policy, 'low', ny(2026, 11, 23, 9))).toBeNull();
    expect(computeDueTimes(policy, 'ignore', ny(2026, 11, 23, 9))).toBeNull();
  });

  it('agrees with a minute-by-minute reference on random calendars, instants and spans', () => {
    const zones = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'America/Los_Angeles', 'UTC'];
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const specArb = fc.record({
      zone: fc.constantFrom(...zones),
      days: fc.array(fc.array(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }), { minLength: 7, maxLength: 7 }),
      holidayOffsets: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 2 }),
    });
    fc.assert(fc.property(
      specArb,
      // Instants around the 2026 DST changes of both hemispheres, on minute boundaries.
      fc.constantFrom(Date.UTC(2026, 2, 6), Date.UTC(2026, 2, 27), Date.UTC(2026, 3, 3), Date.UTC(2026, 9, 23), Date.UTC(2026, 9, 30)),
      fc.integer({ min: 0, max: 4 * 24 * 60 }),
      fc.integer({ min: 1, max: 1500 }),
      ({ zone, days, holidayOffsets }, base, startOffset, span) => {
        const weekly: CalendarSpec['weekly'] = {};
        days.forEach((marks, i) => {
          const sorted = [...new Set(marks.map((m) => m * 15))].sort((a, b) => a - b);
          const periods: Array<[string, string]> = [];
          for (let k = 0; k + 1 < sorted.length; k += 2) periods.push([hhmm(sorted[k]!), sorted[k + 1] === 1440 ? '24:00' : hhmm(sorted[k + 1]!)]);
          if (periods.length) weekly[WEEKDAYS[i]!] = periods;
        });
        if (Object.keys(weekly).length === 0) weekly.mon = [['09:00', '10:00']];
        const holidays = holidayOffsets.map((d) => new Date(base + d * 86_400_000).toISOString().slice(0, 10));
        const spec = { timezone: zone, weekly, holidays };
        const cal = compileCalendar('random', spec);
        const openRef = (at: number) => {
          const p = zonedParts(at, zone);
          const date = `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
          if (holidays.includes(date)) return false;
          const minute = p.hour * 60 + p.minute;
          return (weekly[WEEKDAYS[p.weekday]!] ?? []).some(([s, e]) => {
            const [sh, sm] = s.split(':').map(Number);
            const [eh, em] = e.split(':').map(Number);
            return minute >= sh! * 60 + sm! && minute < eh! * 60 + em!;
          });
        };
        const from = base + startOffset * 60_000;
        const to = from + span * 60_000;
        let open = 0;
        for (let t = from; t < to; t += 60_000) if (openRef(t)) open++;
        expect(cal.openMinutesBetween(from, to)).toBe(open);
        expect(cal.isOpen(from)).toBe(openRef(from));
        if (open > 0) {
          // The instant the open-th open minute ends is where addOpenMinutes(from, open) lands.
          let seen = 0;
          let end = from;
          for (let t = from; seen < open; t += 60_000) if (openRef(t)) { seen++; end = t + 60_000; }
          expect(cal.addOpenMinutes(from, open)).toBe(end);
        }
      },
    ), { numRuns: 120 });
  });

  it('is plain wall time round the clock', () => {
    expect(ALWAYS_OPEN.addOpenMinutes(1000, 2)).toBe(121_000);
    expect(ALWAYS_OPEN.openMinutesBetween(0, 90_000)).toBe(1.5);
  });
});

describe('SLA events', () => {
  const arrived = ny(2026, 11, 23, 9);
  const target = policy.targetFor('normal', [])!;
  const due = computeDueTimes(policy, 'normal', arrived)!;

  it('reminds at fractions of the window in open time, then escalates at and after the breach', () => {
    const events = slaEvents({ arrivedAt: arrived, ...due, firstResponseAt: null, resolvedAt: null, waitingSince: null }, target, policy);
    expect(events.map((e) => `${e.kind}@${iso(e.at).slice(11, 16)}`)).toEqual([
      'reminder-50@15:00', 'reminder-80@15:36', 'breach@16:00', 'breach-2@16:30', `resolution-breach@${iso(due.resolutionDueAt).slice(11, 16)}`,
    ]);
  });

  it('has no first-response events once answered, and no resolution event while waiting on the customer', () => {
    const answered = slaEvents({ arrivedAt: arrived, ...due, firstResponseAt: arrived + 1, resolvedAt: null, waitingSince: arrived + 2 }, target, policy);
    expect(answered).toEqual([]);
  });
});

describe('decideTriage', () => {
  const at = ny(2026, 11, 23, 9);
  const classification = (urgency: Classification['urgency'], categories: Classification['categories']): Classification => ({
    sentiment: 'neutral', score: 0, categories, urgency, reasons: [],
  });

  it('alerts on anything a person should see, with due times from the policy and its first check', () => {
    expect(decideTriage(classification('normal', ['question']), at, policy)).toEqual({
      urgency: 'normal', policyVersion: 7, due: computeDueTimes(policy, 'normal', at), nextSlaCheckAt: ny(2026, 11, 23, 10),
    });
    expect(decideTriage(classification('low', ['praise']), at, policy)).toMatchObject({ urgency: 'low', due: null, nextSlaCheckAt: null });
    expect(decideTriage(classification('high', []), at, policy)).toMatchObject({ urgency: 'high' });
  });

  it('does not alert on spam or on chatter with no category', () => {
    expect(decideTriage(classification('ignore', ['spam']), at, policy)).toBeNull();
    expect(decideTriage(classification('low', []), at, policy)).toBeNull();
  });
});

describe('policy file validation', () => {
  it('names impossible targets, unknown zones and calendars, and bad business hours', () => {
    const bad = slaPolicySchema.safeParse({
      version: 1,
      timezone: 'Mars/Olympus',
      calendars: { office: { weekly: { mon: [['17:00', '09:00']], funday: [] }, holidays: ['someday'] } },
      targets: { critical: { firstResponseMinutes: 60, resolutionMinutes: 30 }, high: { firstResponseMinutes: 1, resolutionMinutes: 2, calendar: 'nope' }, normal: null, low: null },
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/timezone: not an IANA time zone/);
    expect(messages).toMatch(/targets.critical: resolutionMinutes must not be shorter/);
    expect(messages).toMatch(/calendars.office.weekly: Unrecognized key: "funday"/);
  });

  it('checks the business hours and calendar names of an otherwise valid file', () => {
    const bad = slaPolicySchema.safeParse({
      version: 1,
      timezone: NY,
      calendars: { office: { weekly: { mon: [['17:00', '09:00'], ['08:00', '25:00']] }, holidays: ['someday'] } },
      targets: { critical: null, high: { firstResponseMinutes: 1, resolutionMinutes: 2, calendar: 'nope' }, normal: null, low: null },
    });
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/calendars.office: weekly.mon: period 17:00–09:00 ends before it starts/);
    expect(messages).toMatch(/calendars.office: weekly.mon: "25:00" is not a time/);
    expect(messages).toMatch(/calendars.office: holidays: "someday" is not a date/);
    expect(messages).toMatch(/targets.high.calendar: no calendar "nope"/);
  });
});
