import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openReportApp } from '../report-app.js';
import type { Store } from '../store/store-port.js';
import { zonedTimeToUtc } from '../triage/business-time.js';
import type { PolicyBook } from '../triage/policy-book.js';
import { alertFigures, BREACHES_LISTED, buildSlaReport, createSlaCsvWriter, renderSlaReportMarkdown, SLA_CSV_HEADER, type SlaAlertFigures, type SlaReportRow } from '../triage/sla-report.js';
import type { CommandIo } from './command.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 2026-11-01 yes; 2026-13-45 and 2026-02-30 no. */
function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** Figures of one alert under its own policy version's calendar. */
function figuresOf(row: SlaReportRow, policies: PolicyBook, now: number): SlaAlertFigures {
  return alertFigures(row, policies.calendarOf(row), now);
}

/**
 * `triage sla-report [--from DATE] [--to DATE] [--format md|csv]`: response figures per urgency and
 * per assignee (median and p90 in open calendar time and in wall time, share within target,
 * breaches with links), or one CSV row per alert. Dates are local days in the policy's time zone,
 * both included; the default is the last 7 days.
 */
export async function slaReportCommand(io: CommandIo, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string', default: 'md' } } });
  if (values.format !== 'md' && values.format !== 'csv') {
    io.stderr.write(`triage sla-report: --format must be md or csv, not "${values.format}"\n`);
    return 2;
  }
  for (const [name, value] of [['--from', values.from], ['--to', values.to]] as const) {
    if (value !== undefined && !isCalendarDate(value)) {
      io.stderr.write(`triage sla-report: ${name} must be a date like 2026-11-01, not "${value}"\n`);
      return 2;
    }
  }
  const app = await openReportApp(loadConfig(io.env, io.cwd));
  try {
    const zone = app.policyFiles.policy.timezone;
    const now = app.now();
    const day = (date: string, plusDays = 0) => {
      const [, y, m, d] = DATE.exec(date) as unknown as [string, string, string, string];
      return zonedTimeToUtc(Number(y), Number(m), Number(d) + plusDays, 0, 0, zone);
    };
    const to = values.to ? day(values.to, 1) : now;
    const from = values.from ? day(values.from) : to - 7 * 86_400_000;
    if (from >= to) {
      io.stderr.write('triage sla-report: --from must be before --to\n');
      return 2;
    }
    for await (const chunk of slaReportText(app.store, app.policies, { from, to, format: values.format, now })) {
      if (!io.stdout.write(chunk)) await new Promise<void>((resolve) => io.stdout.once('drain', resolve));
    }
    return 0;
  } finally {
    await app.close();
  }
}

/**
 * The report over alerts that arrived in [from, to), as of `now`: Markdown in one piece, or CSV a
 * chunk of lines at a time (so a million rows stay flat in memory).
 */
export async function* slaReportText(store: Store, policies: PolicyBook, range: { from: number; to: number; format: 'md' | 'csv'; now: number }): AsyncGenerator<string> {
  const { from, to, now } = range;
  if (range.format === 'csv') {
    yield `${SLA_CSV_HEADER}\n`;
    // One write per chunk the store reads, not per row; one await per chunk too; lines made from the raw rows.
    const linesOf = createSlaCsvWriter((alert) => policies.calendarOf(alert), now);
    for await (const chunk of store.slaRawRowChunks(from, to, { withUrls: true })) yield linesOf(chunk);
    return;
  }
  const report = await buildSlaReport((async function* () {
    for await (const chunk of store.slaRowChunks(from, to)) for (const row of chunk) yield figuresOf(row, policies, now);
  })(), from, to);
  const urls = await store.urlsOf(report.total.breaches.slice(0, BREACHES_LISTED).map((b) => b.id));
  yield renderSlaReportMarkdown(report, urls);
}

