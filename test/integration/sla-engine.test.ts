import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertCard, Chat, PostedMessage } from '../../src/chat/chat.js';
import { decideFor, runSlaSweep, type PipelineDeps } from '../../src/pipeline.js';
import type { PendingNotification } from '../../src/store/sqlite-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { zonedTimeToUtc } from '../../src/triage/business-time.js';
import { openPolicyBook, storePolicyBook } from '../../src/triage/policy-book.js';
import { alertFigures, buildSlaReport, renderSlaReportMarkdown, slaCsvRow } from '../../src/triage/sla-report.js';
import { compilePolicy, slaPolicySchema } from '../../src/triage/sla-policy.js';
import { ConfigError } from '../../src/util/errors.js';
import { mention } from '../helpers/mentions.js';
import { slaSweep } from '../../handlers/jobs/sla-sweep.js';
import type { BotContext } from '../../src/scheduler.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { rawPolicy } from '../helpers/setup.js';

const MIN = 60_000;
const ny = (y: number, m: number, d: number, h: number, min = 0) => zonedTimeToUtc(y, m, d, h, min, 'America/New_York');

/** A chat that records what it was asked to send. */
function recordingChat(): Chat & { sent: Array<{ kind: string; alertId: number; late: boolean; nonce: string }> } {
  const sent: Array<{ kind: string; alertId: number; late: boolean; nonce: string }> = [];
  return {
    name: 'recording',
    sent,
    async postAlert(card: AlertCard): Promise<PostedMessage> {
      return { channelId: 'c', messageId: `m${card.alert.id}` };
    },
    async postNotification(n: PendingNotification, nonce: string) {
      sent.push({ kind: n.kind, alertId: n.alert.id, late: n.late, nonce });
      return { channelId: 'c', messageId: nonce };
    },
    async close() {},
  };
}

describe('SLA engine', () => {
  let clock: number;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let deps: PipelineDeps;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    clock = ny(2026, 11, 23, 9); // a Monday morning
    fx = await pipelineFixture(() => clock);
    deps = fx.deps;
  });
  afterEach(() => fx.close());

  /** Reopens the database as a restarted process would: new store, new policy book. */
  async function restart() {
    await deps.store.close();
    const store = new SqliteStore(fx.path);
    const policies = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', clock);
    deps = { ...deps, store, policies, policy: policies.current };
    fx.store = store;
  }

  async function ingest(text: string, extra: Parameters<typeof mention>[0] = {}) {
    await deps.store.ingest({ source: 'x', mentions: [mention({ text, createdAt: clock, ...extra })], now: clock }, decideFor(deps), deps.policies.resume);
    return Math.max(...(await deps.store.openAlerts(100)).map((a) => a.id));
  }

  it('fires each reminder and escalation exactly once, with a restart between every step', async () => {
    const chat = recordingChat();
    const id = await ingest('my dad has crushing chest pain, ER or 911?'); // critical: 60 min, 24/7
    const steps = [20, 29, 30, 31, 47, 48, 59, 60, 61, 119, 120, 121, 300];
    for (const minute of steps) {
      clock = ny(2026, 11, 23, 9) + minute * MIN;
      await restart();
      await runSlaSweep(chat, deps, signal);
      await restart();
      await runSlaSweep(chat, deps, signal);
    }
    expect(chat.sent.map((s) => s.kind)).toEqual(['reminder-50', 'reminder-80', 'breach', 'breach-2']);
    expect(chat.sent.filter((s) => s.late)).toEqual([]);
    expect(new Set(chat.sent.map((s) => s.nonce)).size).toBe(4);
    expect((await deps.store.notifications(id)).map((n) => `${n.kind}:${n.status}`)).toEqual(['reminder-50:sent', 'reminder-80:sent', 'breach:sent', 'breach-2:sent']);
  });

  it('stores the open minutes of an answered alert on the next sweep, measured on its business-hours calendar', async () => {
    const id = await ingest('where do I park?'); // normal: business hours
    clock = ny(2026, 11, 23, 16);
    await deps.store.applyAction(id, 'respond', 'ana', ny(2026, 11, 24, 10)); // answered the next morning
    expect((await deps.store.alertMinutes.unmeasured(10)).map((a) => a.id)).toEqual([id]);
    await slaSweep.run({ chat: recordingChat(), deps } as unknown as BotContext, signal);
    expect(await deps.store.alertMinutes.unmeasured(10)).toEqual([]);
    const row = fx.store.db.prepare('SELECT first_response_open_minutes AS m, first_response_measured_at AS at FROM alerts WHERE id = ?').get(id);
    const calendar = deps.policies.calendarOf({ policyVersion: rawPolicy.version, urgency: 'normal', categories: ['question'] });
    expect(row).toEqual({ m: calendar.openMinutesBetween(ny(2026, 11, 23, 9), ny(2026, 11, 24, 10)), at: ny(2026, 11, 24, 10) });
    expect((row as { m: number }).m).toBeLessThan(24 * 60);
  });

  it('sends what fell due while Triage was down once, on start-up, marked late, without the superseded reminders', async () => {
    const chat = recordingChat();
    const id = await ingest('my dad has crushing chest pain, ER or 911?');
    clock += 75 * MIN;
    await restart();
    await runSlaSweep(chat, deps, signal);
    expect(chat.sent).toEqual([{ kind: 'breach', alertId: id, late: true, nonce: expect.stringMatching(/^triage-sla-\d+$/) }]);
    expect((await deps.store.notifications(id)).map((n) => `${n.kind}:${n.status}`)).toEqual(['reminder-50:superseded', 'reminder-80:superseded', 'breach:sent']);
  });

  it('resends after a crash between sending and recording with the same nonce (the chat drops the repeat)', async () => {
    const chat = recordingChat();
    await ingest('my dad has crushing chest pain, ER or 911?');
    clock += 31 * MIN;
    await deps.store.sweepSla(clock, deps.policies.eventsOf);
    const [pending] = await deps.store.pendingNotifications(10);
    await chat.postNotification!(pending!, `triage-sla-${pending!.id}`); // sent, then the process died
    await restart();
    await runSlaSweep(chat, deps, signal);
    expect(chat.sent.map((s) => s.nonce)).toEqual([`triage-sla-${pending!.id}`, `triage-sla-${pending!.id}`]);
    expect(await deps.store.pendingNotifications(10)).toEqual([]);
  });

  it('stops first-response events at the first response, and hides reminders (not breaches) while snoozed', async () => {
    const chat = recordingChat();
    const answered = await ingest('my dad has crushing chest pain, ER or 911?');
    const snoozed = await ingest('the portal has been down all week, nobody answers', { author: { id: 'b', handle: 'b' } }); // normal: 8 business hours
    await deps.store.applyAction(answered, 'respond', '@ana', clock + 10 * MIN);
    await deps.store.applyAction(snoozed, 'snooze', '@ana', clock, { snoozeUntil: ny(2026, 11, 23, 15) });
    for (let h = 1; h <= 9; h++) {
      clock = ny(2026, 11, 23, 9) + h * 60 * MIN;
      await runSlaSweep(chat, deps, signal);
    }
    expect(chat.sent.filter((s) => s.alertId === answered && s.kind !== 'resolution-breach')).toEqual([]);
    // normal, 480 business minutes from Monday 09:00 (open 08–12, 13–18): 50% at 14:00 (hidden by the
    // snooze until 15:00), 80% at 16:24 (sent), breach at 18:00 (sent: snooze never hides a breach).
    expect((await deps.store.notifications(snoozed)).map((n) => `${n.kind}:${n.status}@${new Date(n.dueAt).toISOString().slice(11, 16)}`)).toEqual([
      'reminder-50:snoozed@19:00', 'reminder-80:sent@21:24', 'breach:sent@23:00',
    ]);
    expect((await deps.store.getAlert(snoozed))!.state).toBe('open');
  });

  it('pauses the resolution clock while waiting on the customer and resumes it when they write again, reopening if resolved', async () => {
    const root = mention({ text: 'the billing office charged me twice and nobody calls back', createdAt: clock, conversationId: 'conv-1', author: { id: 'pat', handle: 'pat' } });
    await deps.store.ingest({ source: 'x', mentions: [root], now: clock }, decideFor(deps), deps.policies.resume);
    const id = (await deps.store.openAlerts(1))[0]!.id;
    const dueBefore = (await deps.store.getAlert(id))!.resolutionDueAt!;
    clock = ny(2026, 11, 23, 10);
    await deps.store.applyAction(id, 'wait', '@ana', clock);
    expect(await deps.store.getAlert(id)).toMatchObject({ state: 'responded', waitingSince: clock, firstResponseAt: clock });

    clock = ny(2026, 11, 24, 10); // a business day later the customer writes back
    const reply = mention({ text: 'ok here is my account number', createdAt: clock, conversationId: 'conv-1', inReplyToId: root.nativeId, author: { id: 'pat', handle: 'pat' } });
    await deps.store.ingest({ source: 'x', mentions: [reply], now: clock }, decideFor(deps), deps.policies.resume);
    const resumed = (await deps.store.getAlert(id))!;
    expect(resumed.state).toBe('open');
    expect(resumed.waitingSince).toBeNull();
    // The due time moves by exactly the open time paused (Monday 10:00 to Tuesday 10:00 in business hours).
    const calendar = deps.policies.current.targetFor('normal', ['complaint'])!.calendar;
    const paused = calendar.openMinutesBetween(ny(2026, 11, 23, 10), ny(2026, 11, 24, 10));
    expect(calendar.openMinutesBetween(dueBefore, resumed.resolutionDueAt!)).toBeCloseTo(paused, 5);
    expect((await deps.store.alertEvents(id)).map((e) => `${e.actor} ${e.action} ${e.fromState}->${e.toState}`)).toEqual(['@ana wait open->responded', 'x:author resume responded->open']);

    await deps.store.applyAction(id, 'resolve', '@ana', clock + MIN);
    clock += 60 * MIN;
    await deps.store.ingest({ source: 'x', mentions: [mention({ text: 'actually it happened again', createdAt: clock, conversationId: 'conv-1', author: { id: 'pat', handle: 'pat' } })], now: clock }, decideFor(deps), deps.policies.resume);
    expect(await deps.store.getAlert(id)).toMatchObject({ state: 'open', resolvedAt: null });
  });

  it('keeps open alerts on the policy version they were opened under, and refuses an edited policy that kept its version', async () => {
    const id = await ingest('my dad has crushing chest pain, ER or 911?');
    const changed = { ...rawPolicy, targets: { ...rawPolicy.targets, critical: { firstResponseMinutes: 5, resolutionMinutes: 60, calendar: '24/7' } } };
    const texts = await deps.store.policies();
    const store = { record: (v: number, t: string) => texts.get(v) ?? t, all: () => texts };
    expect(() => openPolicyBook(changed, store, 'data/sla-policy.json')).toThrow(ConfigError);
    expect(() => openPolicyBook(changed, store, 'data/sla-policy.json')).toThrow(/Raise "version"/);
    const next = openPolicyBook({ ...changed, version: rawPolicy.version + 1 }, store, 'data/sla-policy.json');
    const alert = (await deps.store.getAlert(id))!;
    expect(alert.policyVersion).toBe(rawPolicy.version);
    expect(alert.firstResponseDueAt).toBe(alert.mention.createdAt + 60 * MIN);
    const clockOf = { id, policyVersion: alert.policyVersion, urgency: alert.urgency, categories: alert.categories, arrivedAt: alert.mention.createdAt, firstResponseDueAt: alert.firstResponseDueAt, resolutionDueAt: alert.resolutionDueAt, firstResponseAt: null, resolvedAt: null, waitingSince: null, snoozedUntil: null };
    expect(next.eventsOf(clockOf).find((e) => e.kind === 'breach')!.at).toBe(alert.mention.createdAt + 60 * MIN);
  });
});

describe('SLA report on a fixture checked by hand', async () => {
  const policy = compilePolicy(slaPolicySchema.parse({
    version: 1,
    timezone: 'UTC',
    calendars: { office: { weekly: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] } } },
    targets: { critical: { firstResponseMinutes: 60, resolutionMinutes: 240 }, high: null, normal: { firstResponseMinutes: 120, resolutionMinutes: 480, calendar: 'office' }, low: null },
  }));
  const mon = Date.UTC(2026, 10, 23, 9);
  const row = (id: number, urgency: string, arrived: number, fr: number | null, resolved: number | null, assignee: string | null, due: number | null) => ({
    id, urgency, categories: ['complaint'], state: resolved ? 'resolved' : 'open', assignee, respondedBy: assignee, url: `https://x.com/a/status/${id}`,
    arrivedAt: arrived, firstResponseDueAt: due, firstResponseAt: fr, resolutionDueAt: null, resolvedAt: resolved, pausedOpenMinutes: 0, policyVersion: 1,
  });
  const now = Date.UTC(2026, 10, 25, 12);
  const rows = [
    // critical (24/7): answered after 30, 90 (breach) and 45 minutes
    row(1, 'critical', mon, mon + 30 * MIN, mon + 120 * MIN, '@ana', mon + 60 * MIN),
    row(2, 'critical', mon, mon + 90 * MIN, null, '@ben', mon + 60 * MIN),
    row(3, 'critical', mon, mon + 45 * MIN, null, '@ana', mon + 60 * MIN),
    // normal (office hours): arrives Mon 16:30, answered Tue 09:30 → 60 open minutes, 17 wall hours
    row(4, 'normal', mon + 450 * MIN, mon + 1470 * MIN, null, '@ana', mon + 1530 * MIN),
    // normal, unanswered and past due
    row(5, 'normal', mon, null, null, null, mon + 120 * MIN),
  ];
  const figures = rows.map((r) => alertFigures(r, policy.targetFor(r.urgency as 'normal', [])!.calendar, now));
  const report = await buildSlaReport(figures, mon, now);

  it('computes per-urgency counts, medians, p90s and share within target', () => {
    const critical = report.byUrgency.find((g) => g.key === 'critical')!;
    expect(critical).toMatchObject({ alerts: 3, answered: 3, withTarget: 3, withinTarget: 2 });
    expect(critical.firstResponse.wall).toEqual({ median: 45, p90: 90 });
    expect(critical.firstResponse.calendar).toEqual({ median: 45, p90: 90 });
    const normal = report.byUrgency.find((g) => g.key === 'normal')!;
    expect(normal).toMatchObject({ alerts: 2, answered: 1, withTarget: 2, withinTarget: 1 });
    expect(normal.firstResponse.calendar).toEqual({ median: 60, p90: 60 });
    expect(normal.firstResponse.wall).toEqual({ median: 1020, p90: 1020 });
    expect(report.total.breaches.map((b) => b.id)).toEqual([2, 5]);
  });

  it('groups by the person who answered', () => {
    expect(report.byAssignee.map((g) => [g.key, g.alerts, g.withinTarget])).toEqual([['@ana', 3, 3], ['@ben', 1, 0], ['unassigned', 1, 0]]);
  });

  it('renders Markdown with the breaches linked, and one CSV row per alert', () => {
    const md = renderSlaReportMarkdown(report);
    expect(md).toContain('| critical | 3 | 3 | 67% | 45 min / 1.5 h | 45 min / 1.5 h |');
    expect(md).toContain('- #2 critical: due 2026-11-23T10:00:00.000Z, answered 2026-11-23T10:30:00.000Z — https://x.com/a/status/2');
    expect(slaCsvRow(figures[3]!)).toBe('4,normal,complaint,open,@ana,@ana,2026-11-23T16:30:00.000Z,2026-11-24T10:30:00.000Z,2026-11-24T09:30:00.000Z,,,1020,60,,,0,true,false,1,https://x.com/a/status/4');
  });
});

describe('replayed brand replies', () => {
  it('marks alerts responded from rows marked inbound: false, at their real times', async () => {
    const { createReplaySource } = await import('../../src/sources/replay-source.js');
    const { pollSource } = await import('../../src/pipeline.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const fx = await pipelineFixture();
    try {
      const file = join(fx.dir, 'support.jsonl');
      writeFileSync(file, [
        { id: '1', text: '@brand my bill is wrong and nobody calls back', author_id: '77', inbound: true, created_at: '2026-11-02T15:00:00Z' },
        { id: '2', text: '@77 sorry, please DM us', author_id: 'brand', inbound: false, created_at: '2026-11-02T15:12:00Z', in_response_to: '1' },
      ].map((r) => JSON.stringify(r)).join('\n'));
      await pollSource(createReplaySource({ path: file }), fx.deps, new AbortController().signal);
      expect((await fx.store.pendingAlerts(5))[0]).toMatchObject({ state: 'responded', firstResponseAt: Date.parse('2026-11-02T15:12:00Z'), respondedBy: 'replay:reply' });
    } finally {
      fx.close();
    }
  });
});
