import type { SqlRunner } from './store-port.js';

/** An alert whose first response or resolution has no open minutes stored for its current time. */
export interface UnmeasuredAlert {
  id: number;
  policyVersion: number;
  urgency: string;
  categories: string[];
  arrivedAt: number;
  firstResponseAt: number | null;
  resolvedAt: number | null;
}

/** Open calendar minutes from arrival to each time, as measured (null where the time is null). */
export interface MeasuredMinutes {
  id: number;
  firstResponseAt: number | null;
  firstResponseOpenMinutes: number | null;
  resolvedAt: number | null;
  /** Before the alert's paused minutes are taken off (they change with a resume; the report subtracts them). */
  resolutionOpenMinutes: number | null;
}

/** One group of the SLA report as SQL counts it; `firstAt`/`firstId` place it where its first alert arrived. */
export interface StoredSlaGroup {
  kind: 'all' | 'urgency' | 'assignee';
  key: string;
  alerts: number;
  answered: number;
  withTarget: number;
  withinTarget: number;
  firstAt: number;
  firstId: number;
}

/** Nearest-rank median and p90 of one figure (`frc`/`frw`: first response in open/wall minutes; `resc`/`resw`: resolution) in one group. */
export interface StoredSlaPercentiles {
  kind: StoredSlaGroup['kind'];
  key: string;
  figure: 'frc' | 'frw' | 'resc' | 'resw';
  n: number;
  median: number;
  p90: number;
}

export interface StoredSlaFigures {
  groups: StoredSlaGroup[];
  percentiles: StoredSlaPercentiles[];
}

/**
 * Alerts with a first response or resolution whose stored minutes were measured at another time (or
 * never): what the `alerts_unmeasured` partial index holds (the same expression, so it is used).
 */
export const UNMEASURED_WHERE = `((a.first_response_at IS NOT NULL AND a.first_response_measured_at IS DISTINCT FROM a.first_response_at)
  OR (a.resolved_at IS NOT NULL AND a.resolution_measured_at IS DISTINCT FROM a.resolved_at))`;

/** The alerts still to measure, newest first (`?` the limit; the window's bounds before it `withRange`), from the partial index. */
export function unmeasuredSql(withRange: boolean): string {
  return `
    SELECT a.id, a.policy_version AS policyVersion, a.urgency, c.categories, a.arrived_at AS arrivedAt,
           a.first_response_at AS firstResponseAt, a.resolved_at AS resolvedAt
    FROM alerts a JOIN classifications c ON c.mention_id = a.mention_id
    WHERE ${UNMEASURED_WHERE}${withRange ? ' AND a.arrived_at >= ? AND a.arrived_at < ?' : ''}
    ORDER BY a.arrived_at DESC LIMIT ?`;
}

/** Rows written by one UPDATE: five values a row, well under both databases' parameter limits. */
export const MINUTES_WRITE_ROWS = 1000;

/**
 * The window's alerts with their figures, as the SLA report counts them (dismissed alerts are not
 * counted). Open minutes only where measured at the alert's current time, else NULL: a stale row
 * shows as an answered (or resolved) alert without its open minutes. Wall minutes as JavaScript
 * divides (double precision, not PostgreSQL's NUMERIC), so the figures equal the in-memory report's.
 */
const WINDOW_SQL = `
  w AS (
    SELECT a.id, a.arrived_at AS at, a.urgency AS u, COALESCE(a.responded_by, a.assignee, 'unassigned') AS who,
           a.first_response_at AS fr, a.first_response_due_at AS due, a.resolved_at AS res,
           CAST(a.first_response_at - a.arrived_at AS DOUBLE PRECISION) / 60000 AS frw,
           CASE WHEN a.first_response_measured_at = a.first_response_at THEN a.first_response_open_minutes END AS frc,
           CAST(a.resolved_at - a.arrived_at AS DOUBLE PRECISION) / 60000 AS resw,
           CASE WHEN a.resolution_measured_at = a.resolved_at THEN
             CASE WHEN a.resolution_open_minutes > a.paused_open_minutes THEN a.resolution_open_minutes - a.paused_open_minutes ELSE 0 END
           END AS resc,
           ROW_NUMBER() OVER (PARTITION BY a.urgency ORDER BY a.arrived_at, a.id) AS urn,
           ROW_NUMBER() OVER (PARTITION BY COALESCE(a.responded_by, a.assignee, 'unassigned') ORDER BY a.arrived_at, a.id) AS wrn
    FROM alerts a WHERE a.arrived_at >= ? AND a.arrived_at < ? AND a.state != 'dismissed')`;

/** Counts per group (everything, per urgency, per assignee), and the alerts whose minutes are stale. */
export const SLA_GROUPS_SQL = `
  WITH ${WINDOW_SQL},
  g AS (
    SELECT 'all' AS kind, 'all' AS k, 1 AS rn, w.* FROM w
    UNION ALL SELECT 'urgency', u, urn, w.* FROM w
    UNION ALL SELECT 'assignee', who, wrn, w.* FROM w)
  SELECT kind, k AS key, COUNT(*) AS alerts, COUNT(fr) AS answered,
         SUM(CASE WHEN due IS NOT NULL AND (fr IS NOT NULL OR due < ?) THEN 1 ELSE 0 END) AS withTarget,
         SUM(CASE WHEN fr <= due THEN 1 ELSE 0 END) AS withinTarget,
         SUM(CASE WHEN (fr IS NOT NULL AND frc IS NULL) OR (res IS NOT NULL AND resc IS NULL) THEN 1 ELSE 0 END) AS stale,
         MIN(CASE WHEN rn = 1 THEN at END) AS firstAt, MIN(CASE WHEN rn = 1 THEN id END) AS firstId
  FROM g GROUP BY kind, k`;

/**
 * Nearest-rank percentiles per figure and group, as `percentile` in sla-report.ts picks them: the
 * value ranked ceil(p·n), found as the rank r with r - 1 < p·n <= r (p·n in double precision, as
 * JavaScript multiplies).
 */
const rankIs = (p: number) => `rn >= CAST(${p} AS DOUBLE PRECISION) * n AND rn - 1 < CAST(${p} AS DOUBLE PRECISION) * n`;
export const SLA_PERCENTILES_SQL = `
  WITH ${WINDOW_SQL},
  v AS (
    SELECT 'frc' AS figure, u, who, frc AS x FROM w WHERE frc IS NOT NULL
    UNION ALL SELECT 'frw', u, who, frw FROM w WHERE frw IS NOT NULL
    UNION ALL SELECT 'resc', u, who, resc FROM w WHERE resc IS NOT NULL
    UNION ALL SELECT 'resw', u, who, resw FROM w WHERE resw IS NOT NULL),
  g AS (
    SELECT figure, 'all' AS kind, 'all' AS k, x FROM v
    UNION ALL SELECT figure, 'urgency', u, x FROM v
    UNION ALL SELECT figure, 'assignee', who, x FROM v),
  r AS (
    SELECT figure, kind, k, x, ROW_NUMBER() OVER (PARTITION BY figure, kind, k ORDER BY x) AS rn, COUNT(*) OVER (PARTITION BY figure, kind, k) AS n FROM g)
  SELECT figure, kind, k AS key, MAX(n) AS n, MAX(CASE WHEN ${rankIs(0.5)} THEN x END) AS median, MAX(CASE WHEN ${rankIs(0.9)} THEN x END) AS p90
  FROM r GROUP BY figure, kind, k`;

/**
 * Per-alert open-time minutes (issue 19): measured in JavaScript on the policy's calendars (see
 * `measureAlertMinutes`), stored beside the times they were measured at, and aggregated in SQL by
 * the SLA report. Portable SQL, one implementation for both adapters.
 */
export class AlertMinutes {
  constructor(private readonly sql: SqlRunner) {}

  /** Alerts still to measure, newest arrival first; only those that arrived in [from, to) when given. */
  async unmeasured(limit: number, range?: { from: number; to: number }): Promise<UnmeasuredAlert[]> {
    const rows = await this.sql.all<Omit<UnmeasuredAlert, 'categories'> & { categories: string }>(unmeasuredSql(range !== undefined), range ? [range.from, range.to, limit] : [limit]);
    return rows.map((r) => ({ ...r, categories: JSON.parse(r.categories) as string[] }));
  }

  /**
   * Stores measured minutes with the times they were measured at. A time that moved meanwhile leaves
   * the row unmeasured (its measured time differs), to be measured again: never a wrong figure.
   */
  async record(measured: readonly MeasuredMinutes[]): Promise<void> {
    for (let i = 0; i < measured.length; i += MINUTES_WRITE_ROWS) {
      const rows = measured.slice(i, i + MINUTES_WRITE_ROWS);
      // Typed in each row: PostgreSQL reads untyped VALUES parameters as text.
      const values = rows.map(() => '(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION), CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION))').join(', ');
      await this.sql.run(`
        UPDATE alerts SET first_response_measured_at = v.column2, first_response_open_minutes = v.column3,
                          resolution_measured_at = v.column4, resolution_open_minutes = v.column5
        FROM (VALUES ${values}) AS v WHERE alerts.id = v.column1`,
      rows.flatMap((m) => [m.id, m.firstResponseAt, m.firstResponseOpenMinutes, m.resolvedAt, m.resolutionOpenMinutes]));
    }
  }

  /**
   * The SLA report's counts and percentiles over alerts that arrived in [from, to), as of `now`,
   * from the stored minutes; null when an alert there has none for its current times (measure the
   * window, or compute the report in memory).
   */
  async slaFigures(from: number, to: number, now: number): Promise<StoredSlaFigures | null> {
    const groups = await this.sql.all<StoredSlaGroup & { stale: number }>(SLA_GROUPS_SQL, [from, to, now]);
    if (groups.some((g) => g.stale > 0)) return null;
    const percentiles = await this.sql.all<StoredSlaPercentiles>(SLA_PERCENTILES_SQL, [from, to]);
    // Read in a second statement: an answer or resolution recorded in between shows as a count
    // that differs from the first statement's, or a stale row (wall minutes without open minutes).
    const all = groups.find((g) => g.kind === 'all');
    const n = (figure: StoredSlaPercentiles['figure']) => percentiles.find((p) => p.kind === 'all' && p.figure === figure)?.n ?? 0;
    if ((all?.answered ?? 0) !== n('frw') || n('frc') !== n('frw') || n('resc') !== n('resw')) return null;
    return { groups: groups.map(({ stale: _, ...g }) => g), percentiles };
  }
}
