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

/**
 * The stored open minutes of the SLA report's rows (`a` the alert), NULL where not measured at the
 * alert's current times: the report computes those on the calendar instead. Both adapters.
 */
export const STORED_MINUTES_SQL = `CASE WHEN a.first_response_measured_at = a.first_response_at THEN a.first_response_open_minutes END AS first_response_open_minutes,
           CASE WHEN a.resolution_measured_at = a.resolved_at THEN a.resolution_open_minutes END AS resolution_open_minutes`;

/** Rows written by one UPDATE: five values a row, well under both databases' parameter limits. */
export const MINUTES_WRITE_ROWS = 1000;

/**
 * Per-alert open-time minutes (issue 19): measured in JavaScript on the policy's calendars (see
 * `measureAlertMinutes`) and stored beside the times they were measured at; the SLA report reads
 * them with its rows ({@link STORED_MINUTES_SQL}). Portable SQL, one implementation for both adapters.
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
}
