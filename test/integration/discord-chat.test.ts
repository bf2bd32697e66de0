import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions, commands } from '../../handlers/index.js';
import type { DiscordConfig } from '../../src/config.js';
import { connectDiscord, type DiscordChat } from '../../src/chat/discord/discord-chat.js';
import { routeInteractions } from '../../src/chat/discord/discord-interactions.js';
import { decideFor, dispatchPending } from '../../src/pipeline.js';
import { TriageError } from '../../src/util/errors.js';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

describe('Discord chat (real discord.js client against a local fake)', () => {
  let fake: FakeDiscord;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let config: DiscordConfig;
  const chats: DiscordChat[] = [];
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeDiscord();
    await fake.start();
    fx = await pipelineFixture();
    config = {
      token: fake.token,
      apiBaseUrl: fake.apiBase,
      appId: fake.appId,
      guildId: fake.guildId,
      alertChannelId: fake.channelIds[0]!,
      urgentChannelId: fake.channelIds[1]!,
      leadRoleId: fake.roles.lead,
      actorRoleIds: [fake.roles.actor],
      stormThreshold: 20,
    };
  });
  afterEach(async () => {
    for (const chat of chats.splice(0)) await chat.close();
    await fake.stop();
    fx.close();
  });

  async function bot(overrides: Partial<DiscordConfig> = {}) {
    const chat = await connectDiscord({ config: { ...config, ...overrides }, log: fx.log, now: fx.deps.now });
    chats.push(chat);
    routeInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: 'America/New_York', log: fx.log }, { commands, actions });
    return chat;
  }

  async function ingest(...texts: string[]) {
    await fx.store.ingest({ source: 'test', mentions: texts.map((text) => mention({ text, createdAt: Date.now() })), now: Date.now() }, decideFor(fx.deps));
  }

  const ana = () => fake.member('700000000000000501', 'ana');
  const ben = () => fake.member('700000000000000502', 'ben');
  const cardOf = (alertId: number): FakeMessage => [...fake.messages.values()].find((m) => JSON.stringify(m.components).includes(`"t:claim:${alertId}"`) || JSON.stringify(m.components).includes(`"t:reopen:${alertId}"`))!;
  const callbackFor = (interactionId: string) => fake.waitFor(() => fake.callbacks.find((c) => c.interactionId === interactionId));

  it('sends an account\'s cards, reminders and escalations to its own channels', async () => {
    const routes: Record<string, { alertChannelId: string }> = { 'foundation-fb': { alertChannelId: fake.channelIds[2]! } };
    const chat = await connectDiscord({ config, log: fx.log, now: fx.deps.now, routeOf: (account) => (account ? routes[account] : undefined) });
    chats.push(chat);
    await fx.store.ingest({ source: 'facebook:foundation-fb', mentions: [{ ...mention({ text: 'billing charged me twice and nobody calls back', createdAt: Date.now() }), account: 'foundation-fb' }], now: Date.now() }, decideFor(fx.deps));
    const alert = (await fx.store.pendingAlerts(1))[0]!;
    expect(alert.mention.account).toBe('foundation-fb');
    const card = await chat.postAlert({ alert, replies: [], route: routes['foundation-fb']! }, 'triage-alert-1');
    expect(card.channelId).toBe(fake.channelIds[2]);
    const reminder = await chat.postNotification!({ id: 1, kind: 'reminder-50', dueAt: Date.now(), late: false, assigneeRef: null, alert }, 'n-1');
    const breach = await chat.postNotification!({ id: 2, kind: 'breach', dueAt: Date.now(), late: false, assigneeRef: null, alert }, 'n-2');
    expect([reminder.channelId, breach.channelId]).toEqual([fake.channelIds[2], fake.channelIds[2]]);
    // Without a route: the chat's own channels, breaches to the urgent one.
    const plain = { ...alert, mention: { ...alert.mention, account: null } };
    expect((await chat.postNotification!({ id: 3, kind: 'breach', dueAt: Date.now(), late: false, assigneeRef: null, alert: plain }, 'n-3')).channelId).toBe(fake.channelIds[1]);
  });

  it('posts a card per alert with the embed, the actions, a nonce and no pings', async () => {
    const chat = await bot();
    await ingest('@RiverbendHealth been on hold for 50 minutes with billing and nobody answers');
    const result = await dispatchPending(chat, fx.deps, signal);
    expect(result).toMatchObject({ posted: 1, failed: 0 });
    const post = fake.requests.find((r) => r.method === 'POST' && r.path === `/channels/${fake.channelIds[0]}/messages`)!;
    const alert = (await fx.store.getAlert(1))!;
    expect(post.body).toMatchObject({ nonce: 'triage-alert-1', enforce_nonce: true, allowed_mentions: { parse: [], roles: [] } });
    const [embed] = post.body.embeds;
    expect(embed.title).toBe('NORMAL · complaint');
    expect(embed.description).toContain('been on hold for 50 minutes');
    expect(embed.footer.text).toBe('alert #1 · x · SLA policy v2');
    expect(embed.fields.find((f: { name: string }) => f.name === 'First response due').value).toMatch(/^<t:\d+:R> \(<t:\d+:f>\)$/);
    expect(embed.fields.find((f: { name: string }) => f.name === 'Why').value).toMatch(/on hold/);
    const ids = post.body.components.flatMap((row: { components: Array<{ custom_id: string }> }) => row.components.map((c) => c.custom_id));
    expect(ids).toEqual(['t:claim:1', 't:respond:1', 't:wait:1', 't:resolve:1', 't:escalate:1', 't:snooze:1', 't:dismiss:1', 't:reply:1', 't:relabel:1']);
    expect(await fx.store.messageOf(alert.id)).toEqual({ channelId: fake.channelIds[0], messageId: expect.any(String) });
  });

  it('sends critical alerts to the urgent channel first, pinging only the lead role', async () => {
    const chat = await bot();
    await ingest('where do I park?', 'my dad has crushing chest pain, ER or 911?');
    await dispatchPending(chat, fx.deps, signal);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts[0]!.path).toBe(`/channels/${fake.channelIds[1]}/messages`);
    expect(posts[0]!.body.content).toBe(`<@&${fake.roles.lead}> critical alert #2`);
    expect(posts[0]!.body.allowed_mentions).toEqual({ parse: [], roles: [fake.roles.lead] });
    expect(posts[1]!.path).toBe(`/channels/${fake.channelIds[0]}/messages`);
  });

  it('claims, marks responded and resolves through the buttons, updating the card and the audit log', async () => {
    const chat = await bot();
    await ingest('the portal is down again and nobody answers the phone');
    await dispatchPending(chat, fx.deps, signal);
    const card = await cardOf(1);

    const claim = await callbackFor(fake.click(card, 't:claim:1', ana()));
    expect(claim.type).toBe(7);
    expect(claim.data.embeds[0].fields.find((f: { name: string }) => f.name === 'State').value).toBe('claimed by @ana');
    expect(claim.data.components[0].components[0]).toMatchObject({ label: 'Claimed: @ana', disabled: true });

    await callbackFor(fake.click(card, 't:respond:1', ana()));
    const resolved = await callbackFor(fake.click(card, 't:resolve:1', ana()));
    expect(resolved.data.components[0].components.map((c: { custom_id: string }) => c.custom_id)).toEqual(['t:reopen:1']);
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'resolved', assignee: '@ana', respondedBy: '@ana' });
    expect((await fx.store.alertEvents(1)).map((e) => `${e.actor} ${e.action}`)).toEqual(['@ana claim', '@ana respond', '@ana resolve']);
    expect((await fx.store.alertEvents(1))[0]!.detail).toEqual({ chat: 'discord', userId: '700000000000000501' });
  });

  it('lets one of two simultaneous claims win and tells the other privately who has it', async () => {
    const chat = await bot();
    await ingest('billing sent me to collections after insurance paid');
    await dispatchPending(chat, fx.deps, signal);
    const card = await cardOf(1);
    const first = fake.click(card, 't:claim:1', ana());
    const second = fake.click(card, 't:claim:1', ben());
    const [a, b] = await Promise.all([callbackFor(first), callbackFor(second)]);
    expect(a.type).toBe(7);
    expect(b).toMatchObject({ type: 4, data: { content: '@ana has this one.', flags: 64 } });
    expect((await fx.store.getAlert(1))!.assignee).toBe('@ana');
  });

  it('refuses members without the triage role, privately, and changes nothing', async () => {
    const chat = await bot();
    await ingest('the portal is down again');
    await dispatchPending(chat, fx.deps, signal);
    const outsider = fake.member('700000000000000503', 'eve', []);
    const answer = await callbackFor(fake.click(await cardOf(1), 't:resolve:1', outsider));
    expect(answer).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/Only members with the triage role/) } });
    expect((await fx.store.getAlert(1))!.state).toBe('open');
  });

  it('snoozes until the next business morning and dismisses with a reason', async () => {
    const chat = await bot();
    await ingest('the portal is down again', 'free followers!! follow back, link in bio https://t.co/a https://t.co/b cash app');
    await ingest('the parking lot is a nightmare every morning');
    await dispatchPending(chat, fx.deps, signal);
    await callbackFor(fake.click(await cardOf(1), 't:snooze:1', ana(), ['morning']));
    const snoozed = (await fx.store.getAlert(1))!;
    expect(snoozed.state).toBe('snoozed');
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23', weekday: 'short' }).format(new Date(snoozed.snoozedUntil!));
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri),? 0?9$/);
    const lastAlert = (await fx.store.openAlerts(10)).at(-1)!;
    await callbackFor(fake.click(await cardOf(lastAlert.id), `t:dismiss:${lastAlert.id}`, ana(), ['not-actionable']));
    expect(await fx.store.getAlert(lastAlert.id)).toMatchObject({ state: 'dismissed' });
    expect((await fx.store.alertEvents(lastAlert.id)).at(-1)!.detail).toMatchObject({ reason: 'not-actionable' });
  });

  it('escalates by pinging only the lead role in the urgent channel', async () => {
    const chat = await bot();
    await ingest('the portal is down again');
    await dispatchPending(chat, fx.deps, signal);
    await callbackFor(fake.click(await cardOf(1), 't:escalate:1', ana()));
    const ping = await fake.waitFor(() => fake.messagesIn(fake.channelIds[1]!).find((m) => m.content.includes('escalation')));
    expect(ping.content).toMatch(new RegExp(`^<@&${fake.roles.lead}> escalation: alert #1 \\(normal\\) escalated by @ana\\. https://discord.com/channels/`));
    expect(ping.allowed_mentions).toEqual({ parse: [], roles: [fake.roles.lead] });
  });

  it('records a "Wrong label?" choice with who and when, and a confirmed crisis brings the crisis reply', async () => {
    const chat = await bot();
    await ingest('on hold for 50 minutes with billing, again');
    await dispatchPending(chat, fx.deps, signal);
    const relabelled = await callbackFor(fake.click(await cardOf(1), 't:relabel:1', ana(), ['urgency:high']));
    expect(relabelled.type).toBe(7);
    expect(relabelled.data.embeds[0].fields.find((f: { name: string }) => f.name === 'Label corrected').value).toMatch(/^• urgency should be high \(was normal\), by @ana <t:\d+:R>$/);
    expect(await fx.store.corrections.forAlert(1)).toEqual([expect.objectContaining({ actor: '@ana', previous: 'normal', correction: { kind: 'urgency', urgency: 'high' } })]);
    expect(await fx.store.getAlert(1)).toMatchObject({ urgency: 'normal' });

    const confirmed = await callbackFor(fake.click(await cardOf(1), 't:crisis-yes:1', ana()));
    expect(confirmed.data.embeds[0].title).toMatch(/crisis/);
    const replies = confirmed.data.components.find((r: { components: Array<{ custom_id: string }> }) => r.components[0]!.custom_id === 't:reply:1').components[0].options;
    expect(replies.map((o: { value: string }) => o.value)).toContain('crisis-support');
    const refused = await callbackFor(fake.click(await cardOf(1), 't:relabel:1', ana(), ['urgency:nonsense']));
    expect(refused).toMatchObject({ type: 4, data: { flags: 64, content: 'Pick the label it should have from the menu.' } });
  });

  it('opens a suggested reply in the reply editor, prefilled, with the guard verdict above it', async () => {
    const chat = await bot();
    await ingest('my mom had chemo at your clinic and nobody called back about her results');
    await dispatchPending(chat, fx.deps, signal);
    const answer = await callbackFor(fake.click(await cardOf(1), 't:reply:1', ana(), ['take-it-private']));
    expect(answer.type).toBe(9);
    const [notes, label] = answer.data.components;
    expect(notes).toMatchObject({ type: 10, content: expect.stringMatching(/^Suggested reply \(take-it-private\)\. Reply guard: ok/) });
    expect(label).toMatchObject({ type: 18, component: { type: 4, custom_id: 'reply', value: expect.stringMatching(/^@user\d+ Thank you for reaching out/) } });
  });

  it('keeps buttons on old cards working after a restart', async () => {
    const first = await bot();
    await ingest('the portal is down again');
    await dispatchPending(first, fx.deps, signal);
    const card = await cardOf(1);
    await first.close();
    chats.splice(0);
    await bot();
    const answer = await callbackFor(fake.click(card, 't:claim:1', ben()));
    expect(answer.type).toBe(7);
    expect((await fx.store.getAlert(1))!.assignee).toBe('@ben');
  });

  it('never posts a card twice when the process died between sending and recording', async () => {
    const chat = await bot();
    await ingest('the portal is down again');
    const alert = (await fx.store.pendingAlerts(1))[0]!;
    // The send reached Discord, then the process died before markPosted: the outbox still has it.
    await chat.postAlert({ alert, replies: [] }, 'triage-alert-1');
    expect(await fx.store.pendingAlerts(5)).toHaveLength(1);
    await dispatchPending(chat, fx.deps, signal);
    expect(fake.messagesIn(fake.channelIds[0]!)).toHaveLength(1);
    expect(await fx.store.pendingAlerts(5)).toHaveLength(0);
  });

  it('waits out 429s instead of failing or retrying early', async () => {
    const chat = await bot();
    await ingest('the portal is down again', 'the parking lot is a mess', 'billing never called back');
    fake.rateLimitNext = 2;
    const started = Date.now();
    const result = await dispatchPending(chat, fx.deps, signal);
    expect(result).toMatchObject({ posted: 3, failed: 0 });
    expect(fake.rateLimited).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(fx.logs.records.some((r) => r.msg === 'Discord rate limit: waiting for the reset')).toBe(true);
  });

  it('keeps hostile text inert: no pings, escaped markdown and links, within the limits', async () => {
    const chat = await bot();
    const hostile = [
      '@everyone @here <@&123456789012345678> **URGENT** [click me](https://evil.example) ||spoiler||',
      `${'\u{1F621}'.repeat(5000)} the ER wait is awful`,
      '\u202Eevil\u202C \u200B\u200B the portal is down again',
    ];
    await fx.store.ingest({ source: 'test', mentions: hostile.map((text) => mention({ text, author: { id: 'h', handle: 'h@everyone', name: '**bold** @here' } })), now: Date.now() }, () => ({
      classification: { sentiment: 'negative', score: -3, categories: ['complaint'], urgency: 'high', reasons: ['hostile @everyone reason'] },
      plan: { urgency: 'high', due: null, policyVersion: 1, nextSlaCheckAt: null },
    }));
    await dispatchPending(chat, fx.deps, signal);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts).toHaveLength(3);
    for (const post of posts) {
      expect(post.body.allowed_mentions.parse).toEqual([]);
      const embed = post.body.embeds[0];
      const text = JSON.stringify(embed);
      expect(text).not.toMatch(/@everyone|@here/);
      expect(text).not.toContain('<@&123456789012345678>');
      expect(embed.description).not.toMatch(/(?<!\\)\[click me\]/);
      // Bidi overrides and zero-width characters from the post are gone; the only zero-width space left is ours, after an @.
      expect(embed.description).not.toMatch(/[\u202A-\u202E]|(?<!@)\u200B/u);
      const total = (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.author?.name.length ?? 0) + (embed.footer?.text.length ?? 0)
        + embed.fields.reduce((n: number, f: { name: string; value: string }) => n + f.name.length + f.value.length, 0);
      expect(total).toBeLessThanOrEqual(6000);
      expect(embed.description.length).toBeLessThanOrEqual(4096);
    }
  });

  it('answers the slash commands privately', async () => {
    const chat = await bot();
    await ingest('the portal is down again', 'chest pain, ER or 911?');
    await dispatchPending(chat, fx.deps, signal);
    const queue = await callbackFor(fake.command('queue', ana()));
    expect(queue).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(queue.data.embeds[0].title).toMatch(/^Queue: 2 open/);
    expect(queue.data.embeds[0].description.split('\n')[0]).toMatch(/^`#2` \*\*critical\*\*/);
    const found = await callbackFor(fake.command('find', ana(), [{ name: 'text', type: 3, value: 'portal' }]));
    expect(found.data.embeds[0].title).toMatch(/^Alerts mentioning "portal": 1/);
    const sla = await callbackFor(fake.command('sla', ana()));
    expect(sla.data.embeds.map((e: { title: string }) => e.title)).toEqual([expect.stringMatching(/^Past first-response target/), expect.stringMatching(/^At risk/), 'First responses in the last 7 days']);
    const templates = await callbackFor(fake.command('templates', ana()));
    expect(templates.data.embeds[0].fields.length).toBeGreaterThanOrEqual(5);
  });

  it('stops with a clear error when the token is rejected', async () => {
    const attempt = connectDiscord({ config: { ...config, token: 'wrong' }, log: fx.log, now: Date.now, readyTimeoutMs: 5000 });
    await expect(attempt).rejects.toThrow(TriageError);
    await expect(attempt).rejects.toMatchObject({ code: 'chat-auth', message: expect.stringMatching(/DISCORD_TOKEN/) });
  });

  it('coalesces a storm of 5,000 mentions into a few cards, critical alerts first and alone, every 429 waited out', async () => {
    fake.channelLimit = { count: 5, windowMs: 250 };
    fake.retryAfterSeconds = 0.25;
    const chat = await bot();
    const viral = ['the ER wait tonight is 9 hours, disgraceful', 'ER wait is NINE hours, this is disgraceful', 'still stuck in the ER, 9 hours, nobody cares'];
    const mentions = Array.from({ length: 5000 }, (_, i) => mention({
      createdAt: Date.now() - 60_000 + i,
      author: { id: `storm${i}`, handle: `storm${i}`, followers: 10 },
      text: i % 500 === 7 ? `my husband has chest pain in your lobby, nobody is helping, ER or 911? (${i})` : `@RiverbendHealth ${viral[i % 3]} #RiverbendFail ${i}`,
    }));
    for (let i = 0; i < mentions.length; i += 500) await fx.store.ingest({ source: 'test', mentions: mentions.slice(i, i + 500), now: Date.now() }, decideFor(fx.deps));
    const critical = (await fx.store.queueSummary(Date.now())).open.critical;
    expect(critical).toBeGreaterThanOrEqual(10);
    const result = await dispatchPending(chat, fx.deps, signal, { stormThreshold: 20 });
    expect(result.posted).toBe(5000);
    expect(result.failed).toBe(0);
    expect(await fx.store.pendingAlerts(10)).toHaveLength(0);
    const urgent = fake.messagesIn(fake.channelIds[1]!);
    const regular = fake.messagesIn(fake.channelIds[0]!);
    expect(urgent).toHaveLength(critical);
    expect(regular.length).toBeLessThanOrEqual(10);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    const firstRegular = posts.findIndex((r) => r.path.includes(fake.channelIds[0]!));
    const lastUrgent = posts.map((r) => r.path.includes(fake.channelIds[1]!)).lastIndexOf(true);
    expect(lastUrgent).toBeLessThan(firstRegular);
    const storm = regular.find((m) => m.embeds[0].fields.some((f: { name: string }) => f.name.includes('similar alerts')))!;
    expect(storm.embeds[0].fields.find((f: { name: string }) => f.name.includes('similar alerts')).value).toMatch(/…and \d+ more$/);
    // Acting on a storm card acts on every alert it carries.
    const leadId = Number(/alert #(\d+)/.exec(storm.embeds[0].footer.text)![1]);
    const carried = await fx.store.groupMembers(leadId);
    expect(carried.length).toBeGreaterThan(100);
    await callbackFor(fake.click(storm, `t:resolve:${leadId}`, ana()));
    expect(carried.every(async (id) => (await fx.store.getAlert(id))!.state === 'resolved')).toBe(true);
  }, 30_000);
});
