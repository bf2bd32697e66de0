import type { AlertMinutes, MeasuredMinutes } from '../store/alert-minutes.js';
import type { Calendar } from './calendar.js';

type CalendarOf = (alert: { policyVersion: number; urgency: string; categories: readonly string[] }) => Calendar;

/** Alerts measured per read and write: a batch the sweep can take each minute without holding anything long. */
export const MEASURE_BATCH = 2000;

/**
 * Measures and stores the open calendar minutes of alerts answered or resolved since they were last
 * measured (or never), newest first, on each alert's own policy calendar (as `alertFigures` does):
 * those that arrived in `range` when given, else any, at most `limit`. Returns how many it measured.
 */
export async function measureAlertMinutes(
  minutes: Pick<AlertMinutes, 'unmeasured' | 'record'>,
  calendarOf: CalendarOf,
  options: { range?: { from: number; to: number }; limit?: number; batch?: number } = {},
): Promise<number> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const batch = Math.max(1, options.batch ?? MEASURE_BATCH);
  let measured = 0;
  while (measured < limit) {
    const alerts = await minutes.unmeasured(Math.min(batch, limit - measured), options.range);
    if (alerts.length === 0) break;
    await minutes.record(alerts.map((a): MeasuredMinutes => {
      const calendar = calendarOf(a);
      return {
        id: a.id,
        firstResponseAt: a.firstResponseAt,
        firstResponseOpenMinutes: a.firstResponseAt === null ? null : calendar.openMinutesBetween(a.arrivedAt, a.firstResponseAt),
        resolvedAt: a.resolvedAt,
        resolutionOpenMinutes: a.resolvedAt === null ? null : calendar.openMinutesBetween(a.arrivedAt, a.resolvedAt),
      };
    }));
    measured += alerts.length;
    // A batch that stays unmeasured (its times moved while measured) is left to the next run rather than looped on.
    if (alerts.length < batch) break;
  }
  return measured;
}
