import type Database from 'better-sqlite3';
import { URGENCIES, type Urgency } from '../domain/classification.js';
import { slaReportRowOf, type SlaRawRow, type SlaReportRow } from '../triage/sla-report.js';
import { REPORT_LINK_SQL } from './post-links.js';
import { monthOf, type MonthlyReads, type QueueSummary, type ResponderStats, type SlaRowOptions } from './store-port.js';

/** Report queries and usage on SQLite (synchronous core of the `ReportQueries` and `UsageRepository` ports). */
/** Rows a chunk of the SLA report reads (by default): the year's CSV costs a tenth less CPU than with 1,000. */
export const SLA_CHUNK_ROWS = 5000;


/**
 * The SLA report's rows for alerts that arrived in [@from, @to), by arrival then id, a chunk after
 * (@afterAt, @afterId): the `alerts_arrived` index walks the window only, however long the history.
 * Shared by both adapters.
 */
export function slaRowsSql(withUrls: boolean, chunkRows = SLA_CHUNK_ROWS): string {
  // The post joined (not a subquery per row) when its link is wanted: a sixth less work for the year's CSV.
  return `
    SELECT a.id, a.urgency, c.categories, a.state, a.assignee, a.responded_by, a.arrived_at, a.first_response_due_at, a.first_response_at,
           a.resolution_due_at, a.resolved_at, a.paused_open_minutes, a.policy_version, ${withUrls ? REPORT_LINK_SQL : 'NULL'} AS url
    FROM alerts a JOIN classifications c ON c.mention_id = a.mention_id${withUrls ? ' LEFT JOIN mentions m ON m.id = a.mention_id' : ''}
    WHERE a.arrived_at >= @from AND a.arrived_at < @to AND (a.arrived_at > @afterAt OR (a.arrived_at = @afterAt AND a.id > @afterId))
      AND a.state != 'dismissed'
    ORDER BY a.arrived_at, a.id LIMIT ${Math.max(1, Math.floor(chunkRows))}`;
}

export class SqliteReports {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      readsInMonth: db.prepare(`SELECT source, stream, reads, requests FROM source_reads WHERE month = ? ORDER BY source, stream`),
      openCounts: db.prepare(`
        SELECT urgency, COUNT(*) AS n FROM alerts WHERE state NOT IN ('resolved', 'dismissed') GROUP BY urgency`),
      nextFirstResponse: db.prepare(`
        SELECT id, urgency, first_response_due_at AS due FROM alerts
        WHERE state NOT IN ('resolved', 'dismissed', 'responded') AND first_response_at IS NULL AND first_response_due_at IS NOT NULL
        ORDER BY first_response_due_at LIMIT 1`),
      breached: db.prepare(`
        SELECT COUNT(*) AS n FROM alerts
        WHERE state NOT IN ('resolved', 'dismissed', 'responded') AND first_response_at IS NULL AND first_response_due_at < ?`),
    };
  }

  /**
   * Alerts whose post arrived in [from, to), a chunk at a time, so a report over a million rows stays flat in
   * memory. Rows come as arrays (no per-row column objects); the post's URL only when asked (the
   * CSV), else {@link urlsOf} gives it for the few a report shows.
   */
  *slaRawRowChunks(from: number, to: number, options: SlaRowOptions = {}): Generator<SlaRawRow[]> {
    // Fetched in chunks along the arrival index: a bulk read per chunk, and only the window's rows are read.
    const statement = this.db.prepare(slaRowsSql(options.withUrls === true, options.chunkRows)).raw(true);
    for (let afterAt = -1, afterId = 0; ;) {
      const chunk = statement.all({ from, to, afterAt, afterId }) as SlaRawRow[];
      if (chunk.length === 0) return;
      yield chunk;
      const last = chunk[chunk.length - 1] as SlaRawRow;
      afterAt = last[6];
      afterId = last[0];
    }
  }

  /** {@link slaRawRowChunks} as report rows. */
  *slaRowChunks(from: number, to: number, options: SlaRowOptions = {}): Generator<SlaReportRow[]> {
    const parsed = new Map<string, string[]>();
    for (const chunk of this.slaRawRowChunks(from, to, options)) yield chunk.map((r) => slaReportRowOf(r, parsed));
  }

  /** The post link of each alert id, as reports show it (without the author's handle). */
  urlsOf(alertIds: readonly number[]): Map<number, string> {
    const statement = this.db.prepare(`SELECT ${REPORT_LINK_SQL} FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE a.id = ?`).pluck();
    const urls = new Map<number, string>();
    for (const id of alertIds) {
      const url = statement.get(id) as string | null | undefined;
      if (url) urls.set(id, url);
    }
    return urls;
  }

  /** First-response figures per assignee over alerts created since `since`: count, answered, median minutes, within target. */
  responderStats(since: number): ResponderStats[] {
    const rows = this.db.prepare(`
      SELECT COALESCE(responded_by, assignee) AS responder, first_response_at - arrived_at AS took,
             CASE WHEN first_response_due_at IS NULL OR first_response_at <= first_response_due_at THEN 1 ELSE 0 END AS ok
      FROM alerts WHERE created_at >= ? AND first_response_at IS NOT NULL AND COALESCE(responded_by, assignee) IS NOT NULL`).all(since) as Array<{ responder: string; took: number; ok: number }>;
    const by = new Map<string, { took: number[]; ok: number }>();
    for (const row of rows) {
      const entry = by.get(row.responder) ?? { took: [], ok: 0 };
      entry.took.push(row.took);
      entry.ok += row.ok;
      by.set(row.responder, entry);
    }
    return [...by.entries()].map(([responder, { took, ok }]) => {
      const sorted = took.sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
      return { responder, answered: sorted.length, medianMinutes: Math.round(median / 60_000), withinTarget: ok };
    }).sort((a, b) => b.answered - a.answered);
  }

  queueSummary(now: number): QueueSummary {
    const open = Object.fromEntries(URGENCIES.map((u) => [u, 0])) as Record<Urgency, number>;
    let total = 0;
    for (const row of this.statements.openCounts.all() as Array<{ urgency: Urgency; n: number }>) {
      open[row.urgency] = row.n;
      total += row.n;
    }
    const next = this.statements.nextFirstResponse.get() as { id: number; urgency: Urgency; due: number } | undefined;
    const breached = (this.statements.breached.get(now) as { n: number }).n;
    return {
      open,
      total,
      breached,
      nextDue: next ? { alertId: next.id, urgency: next.urgency, dueAt: next.due, kind: 'first response' } : null,
    };
  }

  counts(): { mentions: number; alerts: number } {
    const mentions = (this.db.prepare('SELECT COUNT(*) AS n FROM mentions').get() as { n: number }).n;
    const alerts = (this.db.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n;
    return { mentions, alerts };
  }

  /** Posts read and requests made per source and stream in the calendar month (UTC) of `at`. */
  readsInMonth(at: number): MonthlyReads[] {
    return this.statements.readsInMonth.all(monthOf(at)) as MonthlyReads[];
  }
}
