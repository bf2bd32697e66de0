import type { Calendar } from './calendar.js';

/** One alert as the report reads it. Times are epoch ms. */
export interface SlaReportRow {
  id: number;
  urgency: string;
  categories: string[];
  state: string;
  assignee: string | null;
  respondedBy: string | null;
  url: string | null;
  arrivedAt: number;
  firstResponseDueAt: number | null;
  firstResponseAt: number | null;
  resolutionDueAt: number | null;
  resolvedAt: number | null;
  pausedOpenMinutes: number;
  policyVersion: number;
}

/**
 * One alert as the store reads it, in the columns' order (see `slaRowsSql`): an array, not an
 * object, so that the year's CSV (a million rows) makes no object per row. `categories` is the
 * stored JSON text.
 */
export type SlaRawRow = readonly [
  id: number, urgency: string, categories: string, state: string, assignee: string | null, respondedBy: string | null,
  arrivedAt: number, firstResponseDueAt: number | null, firstResponseAt: number | null, resolutionDueAt: number | null,
  resolvedAt: number | null, pausedOpenMinutes: number, policyVersion: number, url: string | null,
];

/** The report's row of a raw row; `parsed` caches the categories' JSON (a handful of distinct texts). */
export function slaReportRowOf(r: SlaRawRow, parsed: Map<string, string[]>): SlaReportRow {
  return {
    id: r[0], urgency: r[1], categories: categoriesOf(r[2], parsed), state: r[3], assignee: r[4], respondedBy: r[5], url: r[13], arrivedAt: r[6],
    firstResponseDueAt: r[7], firstResponseAt: r[8], resolutionDueAt: r[9], resolvedAt: r[10], pausedOpenMinutes: r[11], policyVersion: r[12],
  };
}

function categoriesOf(json: string, parsed: Map<string, string[]>): string[] {
  let categories = parsed.get(json);
  if (categories === undefined) parsed.set(json, (categories = JSON.parse(json) as string[]));
  return categories;
}

/** Per-alert figures: wall minutes and open calendar minutes, and whether targets were met. */
export interface SlaAlertFigures {
  row: SlaReportRow;
  firstResponseWallMinutes: number | null;
  firstResponseCalendarMinutes: number | null;
  resolutionWallMinutes: number | null;
  resolutionCalendarMinutes: number | null;
  /** null when the alert has no first-response target, or is unanswered and not yet due. */
  firstResponseWithinTarget: boolean | null;
  /** Past its first-response due time without an answer by then (answered late, or still waiting). */
  breached: boolean;
}

export interface SlaGroupFigures {
  key: string;
  alerts: number;
  answered: number;
  withTarget: number;
  withinTarget: number;
  firstResponse: { calendar: Percentiles; wall: Percentiles };
  resolution: { calendar: Percentiles; wall: Percentiles };
  breaches: SlaReportRow[];
}

export interface Percentiles {
  median: number | null;
  p90: number | null;
}

export interface SlaReport {
  from: number;
  to: number;
  total: SlaGroupFigures;
  byUrgency: SlaGroupFigures[];
  byAssignee: SlaGroupFigures[];
}

const MINUTE = 60_000;

/** Figures for one alert, measured on the calendar of its own policy version and target. */
export function alertFigures(row: SlaReportRow, calendar: Calendar, now: number): SlaAlertFigures {
  const fr = row.firstResponseAt;
  const resolved = row.resolvedAt;
  const due = row.firstResponseDueAt;
  return {
    row,
    firstResponseWallMinutes: fr === null ? null : (fr - row.arrivedAt) / MINUTE,
    firstResponseCalendarMinutes: fr === null ? null : calendar.openMinutesBetween(row.arrivedAt, fr),
    resolutionWallMinutes: resolved === null ? null : (resolved - row.arrivedAt) / MINUTE,
    resolutionCalendarMinutes: resolved === null ? null : Math.max(0, calendar.openMinutesBetween(row.arrivedAt, resolved) - row.pausedOpenMinutes),
    // Undecided (null) while unanswered and not yet due.
    firstResponseWithinTarget: due === null ? null : fr !== null ? fr <= due : now > due ? false : null,
    breached: due !== null && (fr === null ? now > due : fr > due),
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

class Accumulator {
  alerts = 0;
  answered = 0;
  withTarget = 0;
  withinTarget = 0;
  readonly fr = { calendar: [] as number[], wall: [] as number[] };
  readonly res = { calendar: [] as number[], wall: [] as number[] };
  readonly breaches: SlaReportRow[] = [];

  add(f: SlaAlertFigures): void {
    this.alerts++;
    if (f.firstResponseWallMinutes !== null) {
      this.answered++;
      this.fr.wall.push(f.firstResponseWallMinutes);
      this.fr.calendar.push(f.firstResponseCalendarMinutes as number);
    }
    if (f.resolutionWallMinutes !== null) {
      this.res.wall.push(f.resolutionWallMinutes);
      this.res.calendar.push(f.resolutionCalendarMinutes as number);
    }
    if (f.firstResponseWithinTarget !== null) {
      this.withTarget++;
      if (f.firstResponseWithinTarget) this.withinTarget++;
    }
    if (f.breached) this.breaches.push(f.row);
  }

  figures(key: string): SlaGroupFigures {
    const pct = (values: number[]): Percentiles => {
      const sorted = Float64Array.from(values).sort();
      return { median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) };
    };
    return {
      key,
      alerts: this.alerts,
      answered: this.answered,
      withTarget: this.withTarget,
      withinTarget: this.withinTarget,
      firstResponse: { calendar: pct(this.fr.calendar), wall: pct(this.fr.wall) },
      resolution: { calendar: pct(this.res.calendar), wall: pct(this.res.wall) },
      breaches: this.breaches,
    };
  }
}

/** Aggregates per urgency and per assignee (the first responder, else the claimer, else "unassigned"). */
export async function buildSlaReport(figures: Iterable<SlaAlertFigures> | AsyncIterable<SlaAlertFigures>, from: number, to: number): Promise<SlaReport> {
  const total = new Accumulator();
  const byUrgency = new Map<string, Accumulator>();
  const byAssignee = new Map<string, Accumulator>();
  const bucket = (map: Map<string, Accumulator>, key: string) => {
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = new Accumulator()));
    return acc;
  };
  for await (const f of figures) {
    total.add(f);
    bucket(byUrgency, f.row.urgency).add(f);
    bucket(byAssignee, f.row.respondedBy ?? f.row.assignee ?? 'unassigned').add(f);
  }
  const order = ['critical', 'high', 'normal', 'low'];
  return {
    from,
    to,
    total: total.figures('all'),
    byUrgency: [...byUrgency.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([k, acc]) => acc.figures(k)),
    byAssignee: [...byAssignee.entries()].sort(([, a], [, b]) => b.alerts - a.alerts).map(([k, acc]) => acc.figures(k)),
  };
}

const fmt = (minutes: number | null) => (minutes === null ? '–' : minutes < 60 ? `${Math.round(minutes)} min` : `${(minutes / 60).toFixed(1)} h`);
const pctOf = (g: SlaGroupFigures) => (g.withTarget === 0 ? '–' : `${Math.round((100 * g.withinTarget) / g.withTarget)}%`);
const DAY_MS = 86_400_000;
const dayPrefix = new Map<number, string>();
const TWO = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
/** "HH:MM:SS." per second of the day, made when first needed; ".mmmZ"'s digits per millisecond. */
const CLOCK: Array<string | undefined> = new Array(86_400);
const MILLIS = Array.from({ length: 1000 }, (_, n) => `${String(n).padStart(3, '0')}Z`);
/**
 * `Date#toISOString`, from three cached pieces (the day, the second, the millisecond): the CSV
 * writes five per row, and three pieces make less garbage than eight.
 */
export const isoTime = (ms: number | null): string => {
  if (ms === null) return '';
  const day = Math.floor(ms / DAY_MS);
  if (!Number.isSafeInteger(ms) || day < 0 || day > 2_932_896) return new Date(ms).toISOString(); // outside 1970–9999: the general path
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    if (dayPrefix.size > 4096) dayPrefix.clear();
    dayPrefix.set(day, (prefix = new Date(day * DAY_MS).toISOString().slice(0, 11)));
  }
  const t = ms - day * DAY_MS;
  const seconds = (t / 1000) | 0;
  let clock = CLOCK[seconds];
  if (clock === undefined) CLOCK[seconds] = clock = `${TWO[(seconds / 3600) | 0]}:${TWO[((seconds / 60) | 0) % 60]}:${TWO[seconds % 60]}.`;
  return prefix + clock + (MILLIS[t - seconds * 1000] as string);
};
const iso = isoTime;

/** The report as Markdown: a table per grouping, then the breaches with links (`urls` by alert id). */
export function renderSlaReportMarkdown(report: SlaReport, urls: ReadonlyMap<number, string> = new Map()): string {
  const header = '| | alerts | answered | within target | first response median / p90 (open time) | (wall time) | resolution median / p90 (open time) | (wall time) |\n|---|---|---|---|---|---|---|---|';
  const row = (g: SlaGroupFigures) =>
    `| ${g.key} | ${g.alerts} | ${g.answered} | ${pctOf(g)} | ${fmt(g.firstResponse.calendar.median)} / ${fmt(g.firstResponse.calendar.p90)} | ${fmt(g.firstResponse.wall.median)} / ${fmt(g.firstResponse.wall.p90)} | ${fmt(g.resolution.calendar.median)} / ${fmt(g.resolution.calendar.p90)} | ${fmt(g.resolution.wall.median)} / ${fmt(g.resolution.wall.p90)} |`;
  const breaches = report.total.breaches
    .slice(0, BREACHES_LISTED)
    .map((b) => {
      const url = b.url ?? urls.get(b.id);
      return `- #${b.id} ${b.urgency}: due ${iso(b.firstResponseDueAt)}, ${b.firstResponseAt === null ? 'still unanswered' : `answered ${iso(b.firstResponseAt)}`}${url ? ` — ${url}` : ''}`;
    });
  return [
    `# SLA report ${iso(report.from).slice(0, 10)} to ${iso(report.to).slice(0, 10)}`,
    '',
    `${report.total.alerts} alerts; ${pctOf(report.total)} answered within the first-response target; ${report.total.breaches.length} breaches.`,
    '',
    '## By urgency',
    '',
    header,
    ...report.byUrgency.map(row),
    row(report.total),
    '',
    '## By assignee',
    '',
    header,
    ...report.byAssignee.map(row),
    '',
    `## Breaches (${report.total.breaches.length})`,
    '',
    ...(breaches.length ? breaches : ['None.']),
    ...(report.total.breaches.length > BREACHES_LISTED ? [`- …and ${report.total.breaches.length - BREACHES_LISTED} more (see the CSV)`] : []),
    '',
  ].join('\n');
}

/** How many breaches the Markdown lists; the CSV has them all. */
export const BREACHES_LISTED = 200;

export const SLA_CSV_HEADER = 'alert_id,urgency,categories,state,assignee,responded_by,arrived_at,first_response_due_at,first_response_at,resolution_due_at,resolved_at,first_response_wall_minutes,first_response_open_minutes,resolution_wall_minutes,resolution_open_minutes,paused_open_minutes,first_response_within_target,breached,policy_version,url';

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  // Quote what needs it, and defuse spreadsheet formulas in text that came from outside.
  const formula = /^[=+\-\t\r]/.test(text) || (text.startsWith('@') && text.includes('('));
  const safe = formula && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

/** One CSV row per alert with every timestamp. */
export function slaCsvRow(figures: SlaAlertFigures): string {
  const r = figures.row;
  // Numbers, booleans and times are written as they are (nothing in them needs quoting); only text
  // from outside goes through csvCell. A million rows a year: no per-row object or array.
  const plain = (value: number | boolean | null) => (value === null ? '' : String(value));
  return `${r.id},${csvCell(r.urgency)},${csvCell(r.categories.join(' '))},${csvCell(r.state)},${csvCell(r.assignee)},${csvCell(r.respondedBy)},`
    + `${iso(r.arrivedAt)},${iso(r.firstResponseDueAt)},${iso(r.firstResponseAt)},${iso(r.resolutionDueAt)},${iso(r.resolvedAt)},`
    + `${plain(round(figures.firstResponseWallMinutes))},${plain(round(figures.firstResponseCalendarMinutes))},${plain(round(figures.resolutionWallMinutes))},`
    + `${plain(round(figures.resolutionCalendarMinutes))},${plain(round(r.pausedOpenMinutes))},${plain(figures.firstResponseWithinTarget)},${plain(figures.breached)},`
    + `${r.policyVersion},${csvCell(r.url)}`;
}

type CalendarOf = (alert: { policyVersion: number; urgency: string; categories: readonly string[] }) => Calendar;

/**
 * The CSV lines of raw rows: for each, the text {@link slaCsvRow} writes for its
 * {@link alertFigures}, made without an object per row (a year is a million rows). Text that
 * repeats (urgencies, states, categories, people) is made a cell once; each policy version,
 * urgency and set of categories has its calendar looked up once.
 */
export function createSlaCsvWriter(calendarOf: CalendarOf, now: number): (rows: readonly SlaRawRow[]) => string {
  const cells = new Map<string, string>();
  const cell = (text: string | null): string => {
    if (text === null) return '';
    let c = cells.get(text);
    if (c === undefined) {
      if (cells.size > 10_000) cells.clear();
      cells.set(text, (c = csvCell(text)));
    }
    return c;
  };
  const categoryCells = new Map<string, string>();
  const parsed = new Map<string, string[]>();
  // By policy version, urgency and categories' JSON: lookups that make no key string per row.
  const calendars = new Map<number, Map<string, Map<string, Calendar>>>();
  const calendarFor = (version: number, urgency: string, categoriesJson: string): Calendar => {
    let byUrgency = calendars.get(version);
    if (byUrgency === undefined) calendars.set(version, (byUrgency = new Map()));
    let byCategories = byUrgency.get(urgency);
    if (byCategories === undefined) byUrgency.set(urgency, (byCategories = new Map()));
    let calendar = byCategories.get(categoriesJson);
    if (calendar === undefined) byCategories.set(categoriesJson, (calendar = calendarOf({ policyVersion: version, urgency, categories: categoriesOf(categoriesJson, parsed) })));
    return calendar;
  };
  const minutes = (n: number) => String(Math.round(n * 10) / 10);
  return (rows) => {
    const lines: string[] = [];
    for (const r of rows) {
      const [id, urgency, categoriesJson, state, assignee, respondedBy, arrived, due, fr, resolutionDue, resolved, paused, version, url] = r;
      const calendar = calendarFor(version, urgency, categoriesJson);
      let categories = categoryCells.get(categoriesJson);
      if (categories === undefined) categoryCells.set(categoriesJson, (categories = csvCell(categoriesOf(categoriesJson, parsed).join(' '))));
      const within = due === null ? '' : fr !== null ? (fr <= due ? 'true' : 'false') : now > due ? 'false' : '';
      const breached = due !== null && (fr === null ? now > due : fr > due);
      // One join per row makes a flat line at once (a template's pieces would make a rope to flatten later).
      lines.push([
        id, cell(urgency), categories, cell(state), cell(assignee), cell(respondedBy),
        iso(arrived), iso(due), iso(fr), iso(resolutionDue), iso(resolved),
        fr === null ? '' : minutes((fr - arrived) / MINUTE), fr === null ? '' : minutes(calendar.openMinutesBetween(arrived, fr)),
        resolved === null ? '' : minutes((resolved - arrived) / MINUTE), resolved === null ? '' : minutes(Math.max(0, calendar.openMinutesBetween(arrived, resolved) - paused)),
        minutes(paused), within, breached, version, csvCell(url),
      ].join(','));
    }
    lines.push('');
    return lines.join('\n');
  };
}
