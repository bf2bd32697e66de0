import type { AlertMinutes, MeasuredMinutes, StoredSlaFigures, StoredSlaPercentiles } from '../store/alert-minutes.js';
import type { ReportQueries } from '../store/store-port.js';
import type { Calendar } from './calendar.js';
import { orderSlaGroups, type Percentiles, type SlaGroupFigures, type SlaReport, type SlaReportRow } from './sla-report.js';

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

/**
 * The SLA report of alerts that arrived in [from, to), as of `now`, aggregated in SQL over the
 * stored minutes, after measuring what the window still lacks; the same report `buildSlaReport`
 * makes from every row. Null when the minutes cannot be used (alerts answered while the report
 * read): compute it in memory then.
 */
export async function storedSlaReport(
  store: Pick<ReportQueries, 'slaRowChunks'> & { alertMinutes: AlertMinutes },
  calendarOf: CalendarOf,
  range: { from: number; to: number; now: number },
): Promise<SlaReport | null> {
  const { from, to, now } = range;
  let figures = await store.alertMinutes.slaFigures(from, to, now);
  if (figures === null) {
    await measureAlertMinutes(store.alertMinutes, calendarOf, { range: { from, to } });
    figures = await store.alertMinutes.slaFigures(from, to, now);
  }
  if (figures === null) return null;
  const breaches: SlaReportRow[] = [];
  for await (const chunk of store.slaRowChunks(from, to, { breachesAt: now })) breaches.push(...chunk);
  return slaReportOfFigures(figures, breaches, from, to);
}

/** The report from SQL's counts and percentiles and the window's breaches (in arrival order). */
export function slaReportOfFigures(figures: StoredSlaFigures, breaches: readonly SlaReportRow[], from: number, to: number): SlaReport {
  const percentiles = new Map<string, Percentiles>();
  for (const p of figures.percentiles) percentiles.set(`${p.kind}\n${p.key}\n${p.figure}`, { median: p.median, p90: p.p90 });
  const groups = new Map<string, SlaGroupFigures>();
  const ordered = [...figures.groups].sort((a, b) => a.firstAt - b.firstAt || a.firstId - b.firstId);
  for (const g of ordered) {
    const pct = (figure: StoredSlaPercentiles['figure']) => percentiles.get(`${g.kind}\n${g.key}\n${figure}`) ?? { median: null, p90: null };
    groups.set(`${g.kind}\n${g.key}`, {
      key: g.key,
      alerts: g.alerts,
      answered: g.answered,
      withTarget: g.withTarget,
      withinTarget: g.withinTarget,
      firstResponse: { calendar: pct('frc'), wall: pct('frw') },
      resolution: { calendar: pct('resc'), wall: pct('resw') },
      breaches: [],
    });
  }
  const group = (kind: string, key: string) => groups.get(`${kind}\n${key}`);
  for (const row of breaches) {
    for (const g of [group('all', 'all'), group('urgency', row.urgency), group('assignee', row.respondedBy ?? row.assignee ?? 'unassigned')]) g?.breaches.push(row);
  }
  const of = (kind: string) => ordered.filter((g) => g.kind === kind).map((g) => group(kind, g.key) as SlaGroupFigures);
  const empty: SlaGroupFigures = {
    key: 'all', alerts: 0, answered: 0, withTarget: 0, withinTarget: 0,
    firstResponse: { calendar: { median: null, p90: null }, wall: { median: null, p90: null } },
    resolution: { calendar: { median: null, p90: null }, wall: { median: null, p90: null } },
    breaches: [],
  };
  return { from, to, total: group('all', 'all') ?? empty, ...orderSlaGroups(of('urgency'), of('assignee')) };
}
