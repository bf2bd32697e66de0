import { z } from 'zod';
import { CATEGORIES, type Category, type Urgency } from '../domain/classification.js';
import { ALWAYS_OPEN, calendarProblems, compileCalendar, WEEKDAYS, type Calendar, type CalendarSpec } from './calendar.js';

/** Targets are minutes of open calendar time: at most a year of it, so every due time is a real date. */
const MAX_TARGET_MINUTES = 525_600;
const minutes = z.number().positive().max(MAX_TARGET_MINUTES, `at most ${MAX_TARGET_MINUTES} minutes (a year of open time)`);

const target = z
  .object({
    firstResponseMinutes: minutes,
    resolutionMinutes: minutes,
    /** A calendar name from `calendars`, or "24/7" (the default). */
    calendar: z.string().default('24/7'),
  })
  .refine((t) => t.resolutionMinutes >= t.firstResponseMinutes, {
    message: 'resolutionMinutes must not be shorter than firstResponseMinutes',
  });

const targets = z.object({ critical: target.nullable(), high: target.nullable(), normal: target.nullable(), low: target.nullable() });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, { message: 'not an IANA time zone such as "America/New_York"' });
const period = z.tuple([z.string(), z.string()]);

const calendar = z
  .object({
    timezone: timeZone.optional(),
    weekly: z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(period).optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<z.ZodArray<typeof period>>>).strict(),
    holidays: z.array(z.string()).default([]),
  });

/** Shape of `data/sla-policy.json`. */
export const slaPolicySchema = z
  .object({
    $comment: z.string().optional(),
    version: z.number().int().positive(),
    timezone: timeZone,
    calendars: z.record(z.string().regex(/^[\w-]+$/), calendar).default({}),
    targets,
    /** Per category, targets that replace the urgency's: `{ "phi": { "normal": { ... } } }`. */
    categoryTargets: z.partialRecord(z.enum(CATEGORIES), targets.partial()).default({}),
    reminderFractions: z.array(z.number().gt(0).lt(1)).default([0.5, 0.8]),
    escalation: z.object({ secondLevelAfterMinutes: minutes.optional() }).default({}),
  })
  .superRefine((policy, ctx) => {
    for (const [name, spec] of Object.entries(policy.calendars)) {
      for (const message of calendarProblems({ ...spec, timezone: spec.timezone ?? policy.timezone })) {
        ctx.addIssue({ code: 'custom', path: ['calendars', name], message });
      }
    }
    const check = (t: z.infer<typeof target> | null | undefined, path: (string | number)[]) => {
      if (t && t.calendar !== '24/7' && !(t.calendar in policy.calendars)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'calendar'], message: `no calendar "${t.calendar}" in "calendars" (or use "24/7")` });
      }
    };
    for (const [urgency, t] of Object.entries(policy.targets)) check(t, ['targets', urgency]);
    for (const [category, byUrgency] of Object.entries(policy.categoryTargets)) {
      for (const [urgency, t] of Object.entries(byUrgency ?? {})) check(t, ['categoryTargets', category, urgency]);
    }
  });

export type SlaPolicy = z.infer<typeof slaPolicySchema>;

/** A target with its calendar resolved. */
export interface ResolvedTarget {
  firstResponseMinutes: number;
  resolutionMinutes: number;
  calendar: Calendar;
}

/** A policy ready for arithmetic: calendars compiled once. */
export interface CompiledPolicy {
  version: number;
  timezone: string;
  reminderFractions: readonly number[];
  secondLevelAfterMinutes: number | undefined;
  /** The target for an alert, or null when its urgency has no clock. The first category with an override wins. */
  targetFor(urgency: Urgency, categories: readonly Category[]): ResolvedTarget | null;
  calendar(name: string): Calendar;
}

export function compilePolicy(policy: SlaPolicy): CompiledPolicy {
  const calendars = new Map<string, Calendar>([['24/7', ALWAYS_OPEN]]);
  for (const [name, spec] of Object.entries(policy.calendars)) {
    calendars.set(name, compileCalendar(name, { ...spec, timezone: spec.timezone ?? policy.timezone } as CalendarSpec));
  }
  const calendarOf = (name: string) => calendars.get(name) ?? ALWAYS_OPEN;
  return {
    version: policy.version,
    timezone: policy.timezone,
    reminderFractions: [...policy.reminderFractions].sort((a, b) => a - b),
    secondLevelAfterMinutes: policy.escalation.secondLevelAfterMinutes,
    calendar: calendarOf,
    targetFor(urgency, categories) {
      if (urgency === 'ignore') return null;
      let chosen = policy.targets[urgency];
      for (const category of categories) {
        const override = policy.categoryTargets[category]?.[urgency];
        if (override !== undefined) {
          chosen = override;
          break;
        }
      }
      return chosen ? { firstResponseMinutes: chosen.firstResponseMinutes, resolutionMinutes: chosen.resolutionMinutes, calendar: calendarOf(chosen.calendar) } : null;
    },
  };
}

export interface DueTimes {
  firstResponseDueAt: number;
  resolutionDueAt: number;
}

/**
 * When the first response and the resolution are due for a mention that arrived at `arrivedAt`:
 * the targets' minutes of open calendar time later, or null when there is no target.
 */
export function computeDueTimes(policy: CompiledPolicy, urgency: Urgency, arrivedAt: number, categories: readonly Category[] = []): DueTimes | null {
  const t = policy.targetFor(urgency, categories);
  if (t === null) return null;
  return {
    firstResponseDueAt: t.calendar.addOpenMinutes(arrivedAt, t.firstResponseMinutes),
    resolutionDueAt: t.calendar.addOpenMinutes(arrivedAt, t.resolutionMinutes),
  };
}
