import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN } from '../../src/triage/calendar.js';
import { compilePolicy, slaPolicySchema } from '../../src/triage/sla-policy.js';
import { alertFigures, createSlaCsvWriter, SLA_CSV_HEADER, slaCsvRow, slaReportRowOf, type SlaRawRow } from '../../src/triage/sla-report.js';

const MIN = 60_000;
const policy = compilePolicy(slaPolicySchema.parse({
  version: 3,
  timezone: 'America/New_York',
  calendars: { office: { weekly: { mon: [['09:00', '17:00']], tue: [['09:00', '12:00'], ['13:00', '17:00']], wed: [['09:00', '17:00']] } } },
  targets: { critical: { firstResponseMinutes: 60, resolutionMinutes: 240 }, high: null, normal: { firstResponseMinutes: 120, resolutionMinutes: 480, calendar: 'office' }, low: null },
  categoryTargets: { phi: { normal: { firstResponseMinutes: 30, resolutionMinutes: 60 } } },
}));
const calendarOf = (alert: { policyVersion: number; urgency: string; categories: readonly string[] }) =>
  (alert.policyVersion === 3 ? policy.targetFor(alert.urgency as 'normal', alert.categories as 'phi'[])?.calendar : undefined) ?? ALWAYS_OPEN;

const mon = Date.UTC(2026, 10, 23, 14, 7, 5, 9); // 09:07:05.009 in New York
const now = Date.UTC(2026, 10, 26, 12);
const raw = (over: Partial<Record<'id' | 'urgency' | 'categories' | 'state' | 'assignee' | 'respondedBy' | 'arrivedAt' | 'due' | 'fr' | 'resolutionDue' | 'resolved' | 'paused' | 'version' | 'url', unknown>>): SlaRawRow => {
  const o = { id: 1, urgency: 'normal', categories: '["complaint"]', state: 'open', assignee: null, respondedBy: null, arrivedAt: mon, due: mon + 180 * MIN, fr: null, resolutionDue: mon + 2000 * MIN, resolved: null, paused: 0, version: 3, url: 'https://x.com/i/web/status/1', ...over };
  return [o.id, o.urgency, o.categories, o.state, o.assignee, o.respondedBy, o.arrivedAt, o.due, o.fr, o.resolutionDue, o.resolved, o.paused, o.version, o.url] as SlaRawRow;
};

/** What the CSV said before the writer: one alertFigures and slaCsvRow per row. */
function expected(rows: readonly SlaRawRow[]): string {
  const parsed = new Map<string, string[]>();
  return rows.map((r) => {
    const row = slaReportRowOf(r, parsed);
    return `${slaCsvRow(alertFigures(row, calendarOf(row), now))}\n`;
  }).join('');
}

describe('the SLA CSV from raw rows', () => {
  const rows: SlaRawRow[] = [
    raw({}),
    // answered on the office calendar across the Tuesday lunch break and overnight; resolved after a pause
    raw({ id: 2, state: 'resolved', assignee: '@ana', respondedBy: '@ana', arrivedAt: mon + 7 * 3600_000, fr: mon + 26 * 3600_000 + 17, resolved: mon + 52 * 3600_000, paused: 37.25 }),
    // 24/7 critical, answered late (a breach), with a wall time that is not a whole number of minutes
    raw({ id: 3, urgency: 'critical', categories: '["crisis","complaint"]', state: 'responded', respondedBy: '@ben', due: mon + 60 * MIN, fr: mon + 61 * MIN + 33_333 }),
    // no target at all; unanswered
    raw({ id: 4, urgency: 'high', due: null, resolutionDue: null }),
    // a category's own target; not yet due (undecided) and then past due
    raw({ id: 5, categories: '["phi"]', arrivedAt: now - 10 * MIN, due: now + 20 * MIN }),
    raw({ id: 6, categories: '["phi"]', arrivedAt: now - 40 * MIN, due: now - 10 * MIN }),
    // a policy version with no stored text: measured round the clock here
    raw({ id: 7, version: 1, fr: mon + 5 * MIN }),
    // text from outside: formulas, quotes, commas, line breaks, mentions, emoji
    raw({ id: 8, assignee: '=HYPERLINK("http://evil")', respondedBy: '@everyone(hi)', url: 'https://example.org/a,"b"\nc' }),
    raw({ id: 9, assignee: '+1', respondedBy: '-2', categories: '["spam","review"]', url: null }),
    raw({ id: 10, assignee: '<!channel> 🎉'.repeat(50), state: 'claimed', url: '@x(1)' }),
    // times outside the cached range and at the edges of a day
    raw({ id: 11, arrivedAt: Date.UTC(2026, 0, 1, 0, 0, 0, 0), due: Date.UTC(2026, 0, 1, 23, 59, 59, 999), fr: Date.UTC(2026, 0, 2), resolved: Date.UTC(2026, 0, 2, 0, 0, 0, 1) }),
  ];

  it('writes exactly the lines slaCsvRow writes for each alert', () => {
    expect(createSlaCsvWriter(calendarOf, now)(rows)).toBe(expected(rows));
  });

  it('gives the same text in chunks as in one piece, with its caches warm', () => {
    const write = createSlaCsvWriter(calendarOf, now);
    const many = Array.from({ length: 3000 }, (_, i) => [...rows[i % rows.length]!] as unknown as SlaRawRow);
    const chunked = [many.slice(0, 1), many.slice(1, 1700), many.slice(1700)].map((chunk) => write(chunk)).join('');
    expect(chunked).toBe(expected(many));
    expect(write([])).toBe('');
  });

  it('keeps hostile text inert: formulas prefixed, quotes doubled, cells with commas or line breaks quoted', () => {
    const lines = createSlaCsvWriter(calendarOf, now)([rows[7]!, rows[8]!]);
    expect(lines).toContain(`,"'=HYPERLINK(""http://evil"")",'@everyone(hi),`);
    expect(lines).toContain(`,"https://example.org/a,""b""\nc"\n`);
    expect(lines).toContain(`,'+1,'-2,`);
    expect(SLA_CSV_HEADER.split(',')).toHaveLength(20);
  });
});
