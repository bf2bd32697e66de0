import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions, commands } from '../../handlers/index.js';
import { connectSlack, type SlackChat } from '../../src/chat/slack/slack-chat.js';
import { routeSlackInteractions } from '../../src/chat/slack/slack-interactions.js';
import { slackCardAlertId } from '../../src/chat/slack/render-slack-card.js';
import type { SlackConfig } from '../../src/config.js';
import { buildDigest } from '../../src/digest/weekly-digest.js';
import { previousWeek } from '../../src/digest/week.js';
import { decideFor, dispatchPending, runSlaSweep } from '../../src/pipeline.js';
import { zonedTimeToUtc } from '../../src/triage/business-time.js';
import { TriageError } from '../../src/util/errors.js';
import { FakeSlack, type FakeEnvelope, type FakeSlackMessage } from '../fakes/fake-slack.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

const ALERTS = 'C0ALERTS01';
const URGENT = 'C0URGENT01';
const DIGEST = 'C0DIGEST01';
const LEADS = 'S0LEADS001';
const NOBODY = { broadcasts: [], users: [], groups: [] };

describe('Slack chat (the real Bolt client in Socket Mode against a local fake)', () => {
  let fake: FakeSlack;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let clock: number;
  let config: SlackConfig;
  const chats: SlackChat[] = [];
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeSlack();
    await fake.start();
    clock = zonedTimeToUtc(2026, 11, 23, 9, 0, 'America/New_York'); // a Monday morning
    fx = await pipelineFixture(() => clock);
    config = {
      botToken: fake.botToken,
      appToken: fake.appToken,
      alertChannelId: ALERTS,
      urgentChannelId: URGENT,
      digestChannelId: DIGEST,
      leadUserGroupId: LEADS,
      actorUserGroupIds: ['S0ACTORS01'],
      stormThreshold: 20,
      apiUrl: fake.apiUrl,
    };
  });
  afterEach(async () => {
    try {
      // Every click, modal and command was handled: none ended in the dispatcher's catch.
      expect(fx.logs.records.filter((r) => r.msg === 'interaction handler failed' || r.msg === 'Slack listener failed')).toEqual([]);
      for (const chat of chats.splice(0)) await chat.close();
      await fake.waitFor(() => fake.openConnections.length === 0);
      expect(fake.internalErrors).toEqual([]);
    } finally {
      await fake.stop();
      fx.close();
    }
  });

  async function bot(overrides: Partial<SlackConfig> = {}, options: { signal?: AbortSignal } = {}) {
    const chat = await connectSlack({ config: { ...config, ...overrides }, log: fx.log, now: fx.deps.now, messageOf: async (id) => await fx.store.messageOf(id), ...options });
    chats.push(chat);
    routeSlackInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: 'America/New_York', log: fx.log }, { commands, actions });
    return chat;
  }

  async function ingest(...texts: string[]) {
    await fx.store.ingest({ source: 'test', mentions: texts.map((text) => mention({ text, createdAt: clock })), now: clock }, decideFor(fx.deps));
  }

  const cards = (): FakeSlackMessage[] => fake.messages.filter((m) => slackCardAlertId(m) !== undefined && m.thread_ts === undefined);
  const cardOf = (alertId: number): FakeSlackMessage => cards().find((m) => slackCardAlertId(m) === alertId)!;
  const actionIds = (message: FakeSlackMessage) => (message.blocks ?? []).flatMap((b) => (b.elements ?? []).map((e: { action_id?: string }) => e.action_id)).filter(Boolean);
  const updatesOf = (message: FakeSlackMessage) => fake.requestsTo('chat.update').filter((r) => r.args.ts === message.ts && r.status === 200);
  const textOf = (message: FakeSlackMessage) => JSON.stringify(message.blocks);
  /** Clicks, checks the ack came within Slack's 3 s, and waits for the card to be redrawn. */
  async function clickAndRedraw(message: FakeSlackMessage, actionId: string, user = 'ana', value?: string) {
    const before = updatesOf(message).length;
    const envelope = fake.click(message, actionId, value, user);
    await fake.expectAck(envelope);
    await fake.waitFor(() => updatesOf(message).length > before);
    return fake.messageByTs(message.ts)!;
  }
  const privately = async (envelope: FakeEnvelope) => (await fake.waitFor(() => fake.responsesTo(envelope)[0])).body;

  it('posts a card per alert in Block Kit, the alert id in its actions, block ids and metadata, and pings nobody', async () => {
    const chat = await bot();
    await ingest('@RiverbendHealth been on hold for 50 minutes with billing and nobody answers');
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 1, failed: 0 });
    const [card] = fake.messagesIn(ALERTS);
    expect(card).toMatchObject({ user: fake.botUserId, metadata: { event_type: 'triage_alert', event_payload: { alert_id: 1 } } });
    expect(card!.text).toBe('Alert #1: NORMAL · complaint');
    expect(card!.blocks![0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '🔵 NORMAL · complaint' } });
    expect(textOf(card!)).toContain('been on hold for 50 minutes');
    expect(textOf(card!)).toMatch(/\*First response due\*\\n<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^|>]+ UTC>/);
    expect(textOf(card!)).toContain('alert #1 · x · SLA policy v2');
    expect(actionIds(card!)).toEqual(['t:claim:1', 't:respond:1', 't:wait:1', 't:resolve:1', 't:escalate:1', 't:compose:1', 't:snooze:1', 't:dismiss:1', 't:reply:1', 't:relabel:1']);
    expect(card!.blocks!.map((b) => b.block_id)).toContain('t:buttons:1');
    expect(fake.mentionsIn(card!)).toEqual(NOBODY);
    const sent = fake.requestsTo('chat.postMessage')[0]!;
    expect(sent.args).toMatchObject({ channel: ALERTS, parse: 'none', unfurl_links: 'false' });
    expect(await fx.store.messageOf(1)).toEqual({ channelId: ALERTS, messageId: card!.ts });
  });

  it('sends critical alerts to the urgent channel first, pinging only the lead group', async () => {
    const chat = await bot();
    await ingest('where do I park?', 'my dad has crushing chest pain, ER or 911?');
    await dispatchPending(chat, fx.deps, signal);
    const posts = fake.requestsTo('chat.postMessage');
    expect(posts.map((p) => p.args.channel)).toEqual([URGENT, ALERTS]);
    const [critical] = fake.messagesIn(URGENT);
    expect(fake.mentionsIn(critical!)).toEqual({ broadcasts: [], users: [], groups: [LEADS] });
    expect(critical!.blocks![0]!.text.text).toBe(`<!subteam^${LEADS}> critical alert #2`);
    expect(fake.mentionsIn(fake.messagesIn(ALERTS)[0]!)).toEqual(NOBODY);
  });

  it('claims, marks responded and resolves through the buttons, acked at once, the card updated in place', async () => {
    const chat = await bot();
    await ingest('the portal is down again and nobody answers the phone');
    await dispatchPending(chat, fx.deps, signal);
    const card = await cardOf(1);

    const claimed = await clickAndRedraw(card, 't:claim:1');
    expect(textOf(claimed)).toContain('*State*\\nclaimed by @ana');
    expect(claimed.blocks!.find((b) => b.block_id === 't:buttons:1')!.elements[0]).toMatchObject({ action_id: 't:claim:1', text: { text: 'Claimed: @ana' } });
    expect(claimed.ts).toBe(card.ts);

    await clickAndRedraw(card, 't:respond:1');
    const resolved = await clickAndRedraw(card, 't:resolve:1');
    expect(actionIds(resolved)).toEqual(['t:reopen:1', 't:reply:1', 't:relabel:1']);
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'resolved', assignee: '@ana', respondedBy: '@ana' });
    expect((await fx.store.alertEvents(1)).map((e) => `${e.actor} ${e.action}`)).toEqual(['@ana claim', '@ana respond', '@ana resolve']);
    expect((await fx.store.alertEvents(1))[0]!.detail).toEqual({ chat: 'slack', userId: fake.user('ana').id });
    await clickAndRedraw(card, 't:reopen:1');
    expect((await fx.store.getAlert(1))!.state).toBe('open');
    expect(fake.messagesIn(ALERTS)).toHaveLength(1);
  });

  it('lets one of two simultaneous claims win and tells the other privately who has it', async () => {
    const chat = await bot();
    await ingest('billing sent me to collections after insurance paid');
    await dispatchPending(chat, fx.deps, signal);
    const card = await cardOf(1);
    const first = fake.click(card, 't:claim:1', undefined, 'ana');
    const second = fake.click(card, 't:claim:1', undefined, 'ben');
    await Promise.all([fake.expectAck(first), fake.expectAck(second)]);
    // Acked first, handled after: wait for the winner before asking who lost.
    const assignee = await fake.waitFor(async () => (await fx.store.getAlert(1))!.assignee);
    const winner = assignee === '@ana' ? { lost: second, who: '@ana' } : { lost: first, who: '@ben' };
    expect(await privately(winner.lost)).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: `${winner.who} has this one.` });
    expect(fake.messagesIn(ALERTS)).toHaveLength(1);
  });

  it('refuses people outside the actor user groups, privately, and changes nothing', async () => {
    const chat = await bot();
    await ingest('the portal is down again');
    await dispatchPending(chat, fx.deps, signal);
    const click = fake.click(await cardOf(1), 't:resolve:1', undefined, 'cy');
    await fake.expectAck(click);
    expect(await privately(click)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/Only members of the triage user group/) });
    expect((await fx.store.getAlert(1))!.state).toBe('open');
    expect(fake.requestsTo('chat.update')).toHaveLength(0);
    // Members are read once and kept for a minute, not on every click.
    await fake.expectAck(fake.click(await cardOf(1), 't:claim:1', undefined, 'ben'));
    await fake.waitFor(async () => (await fx.store.getAlert(1))!.assignee === '@ben');
    expect(fake.requestsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('snoozes through a modal until the next business morning, and dismisses with a reason from the menu', async () => {
    const chat = await bot();
    await ingest('the portal is down again', 'the parking lot is a nightmare every morning');
    await dispatchPending(chat, fx.deps, signal);
    const click = fake.click(await cardOf(1), 't:snooze:1', undefined, 'ana');
    await fake.expectAck(click);
    const modal = await fake.waitFor(() => [...fake.views.values()].find((v) => v.view.callback_id === 'triage_snooze'));
    expect(modal).toMatchObject({ user: fake.user('ana').id, view: { title: { text: 'Snooze alert #1' }, submit: { text: 'Snooze' } } });
    expect((await fx.store.getAlert(1))!.state).toBe('open');
    const before = updatesOf(await cardOf(1)).length;
    const submitted = fake.submitView(modal, { snooze: { until: { type: 'radio_buttons', selected_option: { value: 'morning' } } } }, 'ana');
    expect((await fake.expectAck(submitted)).payload).toEqual({});
    await fake.waitFor(async () => updatesOf(await cardOf(1)).length > before);
    const snoozed = (await fx.store.getAlert(1))!;
    expect(snoozed.state).toBe('snoozed');
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23', weekday: 'short' }).format(new Date(snoozed.snoozedUntil!));
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri),? 0?9$/);
    expect(textOf(await cardOf(1))).toMatch(/snoozed until <!date\^/);
    expect(modal.closedAt).toBeDefined();

    const dismissed = await clickAndRedraw(await cardOf(2), 't:dismiss:2', 'ana', 'not-actionable');
    expect(await fx.store.getAlert(2)).toMatchObject({ state: 'dismissed' });
    expect((await fx.store.alertEvents(2)).at(-1)!.detail).toMatchObject({ reason: 'not-actionable', chat: 'slack' });
    expect(actionIds(dismissed)[0]).toBe('t:reopen:2');
  });

  it('escalates in the card\'s thread, pinging only the lead group', async () => {
    const chat = await bot();
    await ingest('the portal is down again');
    await dispatchPending(chat, fx.deps, signal);
    const card = await cardOf(1);
    await fake.expectAck(fake.click(card, 't:escalate:1', undefined, 'ana'));
    const [reply] = await fake.waitFor(() => fake.repliesTo(card.ts).length > 0 && fake.repliesTo(card.ts));
    expect(reply).toMatchObject({ channel: ALERTS, thread_ts: card.ts, reply_broadcast: true, text: `<!subteam^${LEADS}> escalation: alert #1 (normal) escalated by @ana.` });
    expect(fake.mentionsIn(reply!)).toEqual({ broadcasts: [], users: [], groups: [LEADS] });
    expect((await fx.store.alertEvents(1)).at(-1)).toMatchObject({ action: 'escalate', actor: '@ana' });
  });

  it('shows a suggested reply in a modal, with the guard verdict', async () => {
    const chat = await bot();
    await ingest('my mom had chemo at your clinic and nobody called back about her results');
    await dispatchPending(chat, fx.deps, signal);
    await fake.expectAck(fake.click(await cardOf(1), 't:reply:1', 'take-it-private', 'ana'));
    const modal = await fake.waitFor(() => [...fake.views.values()].find((v) => v.view.callback_id === 'triage_reply'));
    const text = JSON.stringify(modal.view.blocks);
    expect(modal.view.title.text).toBe('Suggested reply');
    expect(text).toContain('*Suggested reply (take-it-private):*');
    expect(text).toMatch(/```\\n@user\d+ Thank you for reaching out/);
    expect(text).toMatch(/Reply guard: ok/);
    expect(fake.messagesIn(ALERTS)).toHaveLength(1);
  });

  it('answers /triage queue, find, sla and templates privately in Block Kit, and says how to use it', async () => {
    const chat = await bot();
    await ingest('the portal is down again', 'chest pain, ER or 911?');
    await dispatchPending(chat, fx.deps, signal);
    const queue = fake.command('/triage', 'queue', 'ana');
    await fake.expectAck(queue);
    const answer = await privately(queue);
    expect(answer).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^Queue: 2 open/) });
    expect(answer.blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/^Queue: 2 open/) } });
    expect(answer.blocks[1].text.text.split('\n')[0]).toMatch(/^`#2` \*critical\* · @user\d+ · due <!date\^/);
    const found = fake.command('/triage', 'find portal', 'ana');
    expect((await privately(found)).blocks[0].text.text).toMatch(/^Alerts mentioning "portal": 1/);
    const sla = await privately(fake.command('/triage', 'sla', 'ana'));
    expect(sla.blocks.filter((b: { type: string }) => b.type === 'header').map((b: { text: { text: string } }) => b.text.text)).toEqual([
      expect.stringMatching(/^🟥 Past first-response target/), expect.stringMatching(/^🟧 At risk/), 'First responses in the last 7 days',
    ]);
    const templates = await privately(fake.command('/triage', 'templates', 'ana'));
    expect(templates.blocks.length).toBeGreaterThanOrEqual(6);
    expect(await privately(fake.command('/triage', 'fly', 'ana'))).toMatchObject({ text: 'Use /triage queue [account] | sla | find <text> | templates | digest [week]' });
    expect(await privately(fake.command('/triage', 'queue', 'cy'))).toMatchObject({ text: expect.stringMatching(/Only members of the triage user group/) });
    for (const m of fake.messages) expect(fake.mentionsIn(m).broadcasts).toEqual([]);
  });

  it('posts the digest with its chart uploaded, from /triage digest and from the weekly job', async () => {
    const chat = await bot();
    await ingest('the portal is down again');
    const command = fake.command('/triage', 'digest', 'ana', ALERTS);
    await fake.expectAck(command);
    const digestMessage = await fake.waitFor(() => fake.messagesIn(ALERTS).find((m) => m.text.startsWith('Weekly digest')));
    expect(digestMessage.blocks![0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/^Weekly digest \d{4}-W\d{2}$/) } });
    const upload = await fake.waitFor(() => [...fake.files.values()].find((f) => f.completed));
    expect(upload).toMatchObject({ channel: ALERTS, filename: expect.stringMatching(/^digest-\d{4}-W\d{2}\.png$/) });
    expect(upload.data!.subarray(0, 4).toString('latin1')).toBe('\x89PNG');

    const week = previousWeek(clock, 'America/New_York');
    const posted = await chat.postDigest!(await buildDigest(fx.digest, week, 'America/New_York'), 'triage-digest');
    expect(posted.channelId).toBe(DIGEST);
    expect(fake.messagesIn(DIGEST).map((m) => (m.upload ? 'chart' : m.text))).toEqual([`Weekly digest ${week.label}`, 'chart']);
    // Posted before a crash and never recorded: found by its week, not posted again.
    expect(await chat.postDigest!(await buildDigest(fx.digest, week, 'America/New_York'), 'triage-digest')).toEqual(posted);
    expect(fake.messagesIn(DIGEST).map((m) => (m.upload ? 'chart' : m.text))).toEqual([`Weekly digest ${week.label}`, 'chart']);
    for (const m of fake.messages) expect(fake.mentionsIn(m)).toEqual(NOBODY);
  });

  it('sends SLA reminders and breaches in the card\'s thread: the assignee\'s own reminder pings them, a breach only the leads', async () => {
    const chat = await bot();
    await ingest('billing charged me twice and nobody calls back', 'the portal is down again');
    await dispatchPending(chat, fx.deps, signal);
    await fake.expectAck(fake.click(await cardOf(1), 't:claim:1', undefined, 'ana'));
    await fake.waitFor(async () => (await fx.store.getAlert(1))!.assignee === '@ana');
    const start = clock;
    clock = start + 5 * 3600_000; // 14:00: half of the 8 business hours used
    expect(await runSlaSweep(chat, fx.deps, signal)).toMatchObject({ sent: 2 });
    clock = start + 9 * 3600_000 + 60_000; // 18:01: past the target
    expect(await runSlaSweep(chat, fx.deps, signal)).toMatchObject({ sent: 2 });
    const first = fake.repliesTo((await cardOf(1)).ts);
    const second = fake.repliesTo((await cardOf(2)).ts);
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(2);
    const reminder = first.find((m) => m.text.includes('Reminder'))!;
    expect(reminder.text).toMatch(new RegExp(`^<@${fake.user('ana').id}> Reminder: alert #1 \\(normal, claimed by @ana\\)`));
    expect(fake.mentionsIn(reminder)).toEqual({ broadcasts: [], users: [fake.user('ana').id], groups: [] });
    const breach = second.find((m) => m.text.includes('Past target'))!;
    expect(breach).toMatchObject({ reply_broadcast: true, text: expect.stringMatching(new RegExp(`^<!subteam\\^${LEADS}> Past target: alert #2`)) });
    expect(fake.mentionsIn(breach)).toEqual({ broadcasts: [], users: [], groups: [LEADS] });
    expect(second.filter((m) => m.text.includes('Reminder')).every((m) => fake.mentionsIn(m).users.length === 0 && fake.mentionsIn(m).groups.length === 0)).toBe(true);
    expect(fake.messagesIn(ALERTS).filter((m) => slackCardAlertId(m) !== undefined)).toHaveLength(2);
  });

  it('never posts a card or a reminder twice when the process died between sending and recording', async () => {
    const chat = await bot();
    await ingest('the portal is down again', 'billing charged me twice');
    await dispatchPending(chat, fx.deps, signal);
    const [alert] = await fx.store.pendingAlerts(5);
    expect(alert).toBeUndefined();
    await ingest('on hold for an hour');
    const pending = (await fx.store.pendingAlerts(1))[0]!;
    // The send reached Slack, then the process died before recording it: the outbox still has it.
    await fx.store.outbox.markAttempted(pending.id, [], clock);
    await chat.postAlert({ alert: pending, replies: [] }, 'unused');
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 0, recovered: 1 });
    expect(cards().filter((m) => slackCardAlertId(m) === pending.id)).toHaveLength(1);
    expect(await fx.store.pendingAlerts(5)).toHaveLength(0);
    expect(fake.requestsTo('conversations.history')).toHaveLength(1);

    clock += 8 * 3600_000;
    await fx.store.sweepSla(clock, fx.deps.policies.eventsOf);
    const [notification] = await fx.store.pendingNotifications(1);
    await fx.store.outbox.markNotificationAttempted(notification!.id, clock);
    await chat.postNotification!(notification!, 'unused');
    await runSlaSweep(chat, fx.deps, signal);
    const thread = fake.repliesTo((await fx.store.messageOf(notification!.alert.id))!.messageId);
    expect(thread.filter((m) => m.text.includes(`alert #${notification!.alert.id} `) && m.text.includes(notification!.kind.startsWith('reminder') ? 'Reminder' : 'target'))).toHaveLength(1);
    expect(fake.requestsTo('conversations.replies').length).toBeGreaterThanOrEqual(1);
  });

  it('waits out a short Retry-After, and fails fast into the backoff on a long one', async () => {
    const chat = await bot();
    await ingest('the portal is down again', 'the parking lot is a mess');
    fake.rateLimitNext = 1;
    fake.retryAfterSeconds = 1;
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 2, failed: 0 });
    const calls = fake.requestsTo('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(fx.logs.records.some((r) => r.msg === 'Slack rate limit: waiting for the reset')).toBe(true);

    await ingest('billing never called back');
    fake.rateLimitNext = 1;
    fake.retryAfterSeconds = 120;
    const started = Date.now();
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 0, failed: 1 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(fx.logs.records.some((r) => r.msg === 'Slack rate limit: pausing sends until the reset')).toBe(true);
  });

  it('gives up a rate-limit wait, and the call, the moment it is stopped', async () => {
    const stop = new AbortController();
    const chat = await bot({}, { signal: stop.signal });
    await ingest('the portal is down again');
    fake.rateLimitNext = 1;
    fake.retryAfterSeconds = 4;
    const started = Date.now();
    const dispatched = dispatchPending(chat, fx.deps, stop.signal);
    await fake.waitFor(() => fake.rateLimited === 1);
    stop.abort();
    expect(await dispatched).toMatchObject({ posted: 0 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await fx.store.pendingAlerts(5)).toHaveLength(1);
  });

  it('keeps hostile text inert: no mention of anyone, within Block Kit\'s limits', async () => {
    const chat = await bot();
    const hostile = [
      '@channel @here @everyone <!channel> <!here|here> <!everyone> hello',
      '<@U0BEN00001> <@U123> <!subteam^S0LEADS001> <#C0ALERTS01> <https://evil.example|click me>',
      '&lt;!channel&gt; &amp;lt;@U0BEN00001&amp;gt; &#60;!here&#62; `<!here>` ```<!channel>```',
      `${'\u{1F621}'.repeat(5000)} the ER wait is awful <!channel>`,
      '\u202Eevil\u202C \u200B\u200B the portal is down again <@U0ANA00001>',
    ];
    await fx.store.ingest({ source: 'test', mentions: hostile.map((text) => mention({ text, author: { id: 'h', handle: 'h<!here>', name: '<!channel> @everyone *bold*' }, url: 'https://x.com/h/status/1?a=<!here>' })), now: clock }, () => ({
      classification: { sentiment: 'negative', score: -3, categories: ['complaint'], urgency: 'high', reasons: ['hostile <!channel> reason', '<@U0BEN00001>'] },
      plan: { urgency: 'high', due: null, policyVersion: 1, nextSlaCheckAt: null },
    }));
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: hostile.length, failed: 0 });
    expect(cards()).toHaveLength(hostile.length);
    for (const card of cards()) {
      expect(fake.mentionsIn(card)).toEqual(NOBODY);
      expect(card.blocks!.length).toBeLessThanOrEqual(50);
      for (const block of card.blocks!) if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(textOf(await cardOf(1))).toContain('@\u200Bchannel @\u200Bhere @\u200Beveryone &lt;!channel&gt; &lt;!here|here&gt;');
    expect(textOf(await cardOf(3))).toContain('&amp;lt;!channel&amp;gt;');
    // A click, a redraw and an escalation keep it inert too.
    await clickAndRedraw(await cardOf(2), 't:claim:2');
    await fake.expectAck(fake.click(await cardOf(2), 't:escalate:2'));
    await fake.waitFor(async () => fake.repliesTo((await cardOf(2)).ts).length === 1);
    for (const message of fake.messages) {
      const { broadcasts, users, groups } = fake.mentionsIn(message);
      expect(broadcasts).toEqual([]);
      expect(users).toEqual([]);
      expect(groups.every((g) => g === LEADS)).toBe(true);
    }
  });

  it('coalesces a storm into a few cards and waits out the channel\'s rate limit', async () => {
    fake.channelLimit = { count: 1, windowMs: 1000 };
    fake.retryAfterSeconds = 1;
    const chat = await bot();
    const viral = ['the ER wait tonight is 9 hours, disgraceful', 'ER wait is NINE hours, this is disgraceful', 'still stuck in the ER, 9 hours, nobody cares'];
    await fx.store.ingest({ source: 'test', mentions: Array.from({ length: 300 }, (_, i) => mention({ text: `${viral[i % 3]} #${i}`, createdAt: clock })), now: clock }, decideFor(fx.deps));
    const result = await dispatchPending(chat, fx.deps, signal, { stormThreshold: config.stormThreshold });
    expect(result).toMatchObject({ posted: 300, failed: 0 });
    expect(cards().length).toBeLessThanOrEqual(5);
    expect(fake.rateLimited).toBe(cards().length - 1);
    const storm = cards().find((m) => textOf(m).includes('similar alerts on this card'))!;
    expect(textOf(storm)).toMatch(/…and \d+ more/);
    const leadId = slackCardAlertId(storm)!;
    await clickAndRedraw(storm, `t:resolve:${leadId}`);
    expect((await fx.store.groupMembers(leadId)).every(async (id) => (await fx.store.getAlert(id))!.state === 'resolved')).toBe(true);
  });

  it('keeps buttons on old cards working after a restart and a reconnect', async () => {
    const first = await bot();
    await ingest('the portal is down again');
    await dispatchPending(first, fx.deps, signal);
    const card = await cardOf(1);
    await first.close();
    chats.splice(0);
    await fake.waitFor(() => fake.openConnections.length === 0);
    await bot();
    await clickAndRedraw(card, 't:claim:1', 'ben');
    expect((await fx.store.getAlert(1))!.assignee).toBe('@ben');
  });

  it('stops with a clear error when a token is rejected', async () => {
    const bad = connectSlack({ config: { ...config, botToken: 'xoxb-wrong' }, log: fx.log, now: Date.now });
    await expect(bad).rejects.toThrow(TriageError);
    await expect(bad).rejects.toMatchObject({ code: 'chat-auth', message: expect.stringMatching(/SLACK_BOT_TOKEN/) });
    const badApp = connectSlack({ config: { ...config, appToken: 'xapp-wrong' }, log: fx.log, now: Date.now });
    await expect(badApp).rejects.toMatchObject({ code: 'chat-auth', message: expect.stringMatching(/SLACK_APP_TOKEN/) });
    fake.failNext('chat.postMessage', 'not_in_channel');
    const chat = await bot();
    await ingest('the portal is down again');
    await expect(dispatchPending(chat, fx.deps, signal)).rejects.toMatchObject({ code: 'chat-auth', message: expect.stringMatching(/\/invite @Triage/) });
  });
});
