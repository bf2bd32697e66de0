import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions, commands } from '../../handlers/index.js';
import { capabilitiesOf, type Chat } from '../../src/chat/chat.js';
import { connectDiscord } from '../../src/chat/discord/discord-chat.js';
import { routeInteractions } from '../../src/chat/discord/discord-interactions.js';
import { connectSlack } from '../../src/chat/slack/slack-chat.js';
import { routeSlackInteractions } from '../../src/chat/slack/slack-interactions.js';
import { slackCardAlertId } from '../../src/chat/slack/render-slack-card.js';
import { decideFor, dispatchPending } from '../../src/pipeline.js';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { FakeSlack, type FakeEnvelope } from '../fakes/fake-slack.js';
import { createTeamsChat } from '../../src/chat/teams/teams-chat.js';
import { announcingOnTeams } from '../../src/chat/teams/teams-escalations.js';
import { runSlaSweep } from '../../src/pipeline.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { ConsoleClient, pageText } from '../helpers/console-client.js';
import { SECRET_KEY, startConsoleServer } from '../helpers/console-server.js';
import { TestIdentityProvider } from '../helpers/test-identity-provider.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

type Person = 'ana' | 'ben' | 'outsider';

/**
 * One chat, driven as people use it: someone acts on a card (a button, or a menu choice, through
 * a modal where the chat uses one), and the driver says what that person saw privately, what the
 * card shows now, and who an escalation notified. Each chat's driver talks to its own fake with
 * the real client library.
 */
interface ChatDriver {
  readonly chat: Chat;
  /** The id the lead role or group has: the only one an escalation may notify (none where posts cannot notify anyone). */
  readonly lead: string | undefined;
  /** How the audit log names the chat an action came from. */
  readonly tag: string;
  /** What the chat declares it can do. */
  readonly can: Partial<ReturnType<typeof capabilitiesOf>>;
  act(alertId: number, action: string, who: Person, value?: string): Promise<{ privately?: string }>;
  /** What the card shows now (where it is live): its texts and the ids of its actions (`"t:claim:1"`). */
  card(alertId: number): Promise<string> | string;
  /** The escalation announcement for an alert, and who it notifies. */
  escalation(alertId: number): Promise<{ text: string; notifies: string[] }>;
  stop(): Promise<void>;
}

type Fixture = Awaited<ReturnType<typeof pipelineFixture>>;

async function discordDriver(fx: Fixture): Promise<ChatDriver> {
  const fake = new FakeDiscord();
  await fake.start();
  const chat = await connectDiscord({
    config: { token: fake.token, apiBaseUrl: fake.apiBase, appId: fake.appId, guildId: fake.guildId, alertChannelId: fake.channelIds[0]!, urgentChannelId: fake.channelIds[1]!, leadRoleId: fake.roles.lead, actorRoleIds: [fake.roles.actor], stormThreshold: 20 },
    log: fx.log,
    now: fx.deps.now,
    messageOf: async (id) => await fx.store.messageOf(id),
  });
  routeInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: 'America/New_York', log: fx.log }, { commands, actions });
  const members = { ana: fake.member('700000000000000501', 'ana'), ben: fake.member('700000000000000502', 'ben'), outsider: fake.member('700000000000000503', 'eve', []) };
  // The card as its last redraw drew it (an interaction's update), else as posted.
  const drawn = new Map<number, unknown>();
  const posted = (alertId: number): FakeMessage => [...fake.messages.values()].find((m) => /"t:[a-z]+:(\d+)"/.exec(JSON.stringify(m.components))?.[1] === String(alertId))!;
  return {
    chat,
    lead: fake.roles.lead,
    tag: 'discord',
    can: { editInPlace: true, buttons: true, lookBack: true, fileUpload: true, threads: false, modals: true },
    async act(alertId, action, who, value) {
      const id = fake.click(posted(alertId), `t:${action}:${alertId}`, members[who], value === undefined ? undefined : [value]);
      const callback = await fake.waitFor(() => fake.callbacks.find((c) => c.interactionId === id));
      if (callback.type === 7) drawn.set(alertId, callback.data);
      // A suggested reply opens the reply editor (a modal, type 9), prefilled, with the guard's verdict above it.
      if (callback.type === 9) return { privately: JSON.stringify(callback.data) };
      return callback.type === 4 ? { privately: callback.data.content } : {};
    },
    card: (alertId) => JSON.stringify(drawn.get(alertId) ?? posted(alertId)),
    async escalation(alertId) {
      const ping = await fake.waitFor(() => [...fake.messages.values()].find((m) => m.content.includes(`escalation: alert #${alertId} `)));
      const allowed = ping.allowed_mentions as { parse?: string[]; roles?: string[]; users?: string[] };
      return { text: ping.content, notifies: [...(allowed.parse ?? []), ...(allowed.roles ?? []), ...(allowed.users ?? [])] };
    },
    async stop() {
      await chat.close();
      await fake.stop();
    },
  };
}

async function slackDriver(fx: Fixture): Promise<ChatDriver> {
  const fake = new FakeSlack();
  await fake.start();
  const chat = await connectSlack({
    config: { botToken: fake.botToken, appToken: fake.appToken, alertChannelId: 'C0ALERTS01', urgentChannelId: 'C0URGENT01', leadUserGroupId: 'S0LEADS001', actorUserGroupIds: ['S0ACTORS01'], stormThreshold: 20, apiUrl: fake.apiUrl },
    log: fx.log,
    now: fx.deps.now,
    messageOf: async (id) => await fx.store.messageOf(id),
  });
  routeSlackInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: 'America/New_York', log: fx.log }, { commands, actions });
  const users = { ana: 'ana', ben: 'ben', outsider: 'cy' } as const;
  const posted = (alertId: number) => fake.messages.find((m) => m.thread_ts === undefined && slackCardAlertId(m) === alertId)!;
  /** Waits until the interaction was handled: the card redrawn, a private answer, or a modal opened. */
  async function handled(envelope: FakeEnvelope, before: { updates: number; views: number; ephemerals: number }) {
    await fake.expectAck(envelope);
    await fake.waitFor(() => fake.requestsTo('chat.update').length > before.updates || fake.responsesTo(envelope).length > 0 || fake.views.size > before.views || fake.ephemerals.length > before.ephemerals);
  }
  const counts = () => ({ updates: fake.requestsTo('chat.update').length, views: fake.views.size, ephemerals: fake.ephemerals.length });
  return {
    chat,
    lead: 'S0LEADS001',
    tag: 'slack',
    can: { editInPlace: true, buttons: true, lookBack: true, fileUpload: true, threads: true, modals: true },
    async act(alertId, action, who, value) {
      const card = posted(alertId);
      // Snooze asks how long in a modal; every other choice is the card's own menu.
      const viaModal = action === 'snooze';
      let before = counts();
      const click = fake.click(card, `t:${action}:${alertId}`, viaModal ? undefined : value, users[who]);
      await handled(click, before);
      if (viaModal && fake.views.size > before.views) {
        const modal = [...fake.views.values()].at(-1)!;
        before = counts();
        const submitted = fake.submitView(modal, { snooze: { until: { type: 'radio_buttons', selected_option: { value } } } }, users[who]);
        await handled(submitted, before);
      }
      const answer = fake.responsesTo(click)[0]?.body ?? fake.ephemerals.slice(before.ephemerals)[0];
      const modal = !viaModal && fake.views.size > before.views ? [...fake.views.values()].at(-1) : undefined;
      if (modal) return { privately: JSON.stringify(modal.view.blocks) };
      return answer ? { privately: `${answer.text}${answer.blocks ? JSON.stringify(answer.blocks) : ''}` } : {};
    },
    card: (alertId) => JSON.stringify(posted(alertId).blocks),
    async escalation(alertId) {
      const reply = await fake.waitFor(() => fake.repliesTo(posted(alertId).ts).find((m) => m.text.includes(`escalation: alert #${alertId} `)));
      const { broadcasts, users: people, groups } = fake.mentionsIn(reply);
      return { text: reply.text, notifies: [...broadcasts, ...people, ...groups] };
    },
    async stop() {
      await chat.close();
      await fake.waitFor(() => fake.openConnections.length === 0);
      await fake.stop();
    },
  };
}

/**
 * Teams with the web console: cards go to the fake Workflows endpoint, and people act where Teams
 * cards lead, in the console (the real listener and handlers, signed in through a real OpenID
 * provider, over HTTP with each person's own cookies and the forms' CSRF tokens). The live card is
 * the console's alert page; an escalation is Teams' escalation card, which can notify nobody (a
 * webhook's cards cannot mention).
 */
async function consoleDriver(fx: Fixture): Promise<ChatDriver> {
  const teams = new FakeTeamsWorkflow();
  await teams.start();
  const idp = new TestIdentityProvider({ ana: { name: '@ana', groups: ['triage-actors'] }, ben: { name: '@ben', groups: ['triage-actors'] }, eve: { name: '@eve', groups: ['everyone'] } });
  const issuer = await idp.listen();
  const ctx = { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
  const server = await startConsoleServer({ issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, actorGroups: ['triage-actors'], ctx, actions: announcingOnTeams(actions, []) });
  await idp.start(`${server.baseUrl}/console/callback`);
  const signal = new AbortController().signal;
  const chat = createTeamsChat({ config: { workflowUrl: teams.url }, links: { baseUrl: server.baseUrl, key: SECRET_KEY }, log: fx.log, now: fx.deps.now, signal, escalatedBy: async (id) => (await fx.store.alertEvents(id)).filter((e) => e.action === 'escalate').at(-1)?.actor });
  const logins = { ana: 'ana', ben: 'ben', outsider: 'eve' } as const;
  const sessions = new Map<Person, ConsoleClient>();
  const as = async (who: Person): Promise<ConsoleClient> => {
    let client = sessions.get(who);
    if (!client) {
      client = new ConsoleClient(server.baseUrl);
      expect((await client.signIn(logins[who])).url).toBe(`${server.baseUrl}/console/queue`);
      sessions.set(who, client);
    }
    return client;
  };
  const noticeOf = (body: string) => pageText(/<p class="notice refused"[^>]*>([\s\S]*?)<\/p>/.exec(body)?.[1] ?? /<h1>[\s\S]*?<\/h1><p>([\s\S]*?)<\/p>/.exec(body)?.[1] ?? body);
  return {
    chat,
    lead: undefined,
    tag: 'web',
    can: { editInPlace: false, buttons: false, lookBack: false, fileUpload: false, threads: false, modals: false },
    async act(alertId, action, who, value) {
      const client = await as(who);
      const page = `/console/alerts/${alertId}`;
      if (action === 'reply') {
        // A suggested reply on the alert page, with the guard's verdict, for whoever opens it.
        const opened = await client.go(page);
        const item = [...opened.body.matchAll(/<li><strong>([^<]*)<\/strong>([\s\S]*?)<\/li>/g)].find((m) => m[1] === value);
        return item ? { privately: pageText(item[0]) } : {};
      }
      const done = await client.submit(page, `${page}/act`, { action, ...(value !== undefined && { value }) });
      return done.url.endsWith(`?ok=${action}`) ? {} : { privately: noticeOf(done.body) };
    },
    async card(alertId) {
      const { body } = await (await as('ana')).go(`/console/alerts/${alertId}`);
      const ids = [...body.matchAll(/name="action" value="([a-z]+)"/g)].map((m) => `"t:${m[1]}:${alertId}"`);
      return `${pageText(body)} ${ids.join(' ')}`;
    },
    async escalation(alertId) {
      await runSlaSweep(chat, fx.deps, signal);
      const post = teams.posts.find((p) => p.raw.includes(`Escalation: alert #${alertId} `))!;
      expect(post, 'an escalation card on Teams').toBeDefined();
      const texts = JSON.stringify(post.card.body).match(/Escalation: [^"]*/) ?? [''];
      // Teams' own mention markup and entities: a webhook's card carries none.
      const notifies = [...post.raw.matchAll(/<at>([^<]*)<\/at>/g)].map((m) => m[1]!);
      return { text: texts[0]!, notifies };
    },
    async stop() {
      await server.listener.close();
      await idp.stop();
      await teams.stop();
    },
  };
}

/**
 * The card actions as people meet them, the same on every chat: one suite, run against Discord and
 * Slack through their real client libraries and fakes. Each chat's own suite checks what is
 * particular to it (nonces, threads, modals, limits).
 */
describe.each([
  ['discord', discordDriver],
  ['slack', slackDriver],
  ['console', consoleDriver],
] as const)('card actions on %s', (_chat, connect) => {
  let fx: Fixture;
  let driver: ChatDriver;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fx = await pipelineFixture();
    driver = await connect(fx);
    await fx.store.ingest({ source: 'test', mentions: ['the portal is down again and nobody answers the phone', 'my mom had chemo at your clinic and nobody called back about her results'].map((text) => mention({ text, createdAt: Date.now() })), now: Date.now() }, decideFor(fx.deps));
    expect(await dispatchPending(driver.chat, fx.deps, signal)).toMatchObject({ posted: 2, failed: 0 });
  });
  afterEach(async () => {
    try {
      await driver.stop();
      expect(fx.logs.records.filter((r) => r.msg === 'interaction handler failed')).toEqual([]);
    } finally {
      fx.close();
    }
  });

  it('declares what it can do, and offers the calls its declaration promises', () => {
    const can = capabilitiesOf(driver.chat);
    expect(can).toEqual(driver.can);
    if (can.editInPlace) expect(typeof driver.chat.updateAlert).toBe('function');
    if (can.lookBack) expect(typeof driver.chat.findPosted).toBe('function');
    expect(typeof driver.chat.postDigest).toBe('function');
    expect(typeof driver.chat.postNotification).toBe('function');
  });

  it('claims once: the card names who has it, a second person is told privately, the audit log names the chat', async () => {
    expect(await driver.act(1, 'claim', 'ana')).toEqual({});
    expect(await driver.card(1)).toContain('claimed by @ana');
    expect(await driver.act(1, 'claim', 'ben')).toEqual({ privately: '@ana has this one.' });
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'claimed', assignee: '@ana' });
    expect(await fx.store.alertEvents(1)).toMatchObject([{ actor: '@ana', action: 'claim', detail: { chat: driver.tag } }]);
  });

  it('refuses someone who may not act, privately, and changes nothing', async () => {
    const answer = await driver.act(1, 'resolve', 'outsider');
    expect(answer.privately).toMatch(/^(Only members (with|of) the triage (role|user group) can act on alerts|You can read the console but not act)/);
    expect((await fx.store.getAlert(1))!.state).toBe('open');
    expect(await fx.store.alertEvents(1)).toEqual([]);
  });

  it('marks responded, waits on the customer, resolves and reopens, the card following each step', async () => {
    await driver.act(1, 'respond', 'ana');
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'responded', respondedBy: '@ana' });
    await driver.act(1, 'wait', 'ana');
    expect(await driver.card(1)).toContain('waiting on the customer since');
    await driver.act(1, 'resolve', 'ana');
    expect(await driver.card(1)).toContain('"t:reopen:1"');
    expect(await driver.card(1)).not.toContain('"t:claim:1"');
    await driver.act(1, 'reopen', 'ben');
    expect((await fx.store.getAlert(1))!.state).toBe('open');
    expect(await driver.card(1)).toContain('"t:claim:1"');
    expect((await fx.store.alertEvents(1)).map((e) => `${e.actor} ${e.action}`)).toEqual(['@ana respond', '@ana wait', '@ana resolve', '@ben reopen']);
  });

  it('snoozes for four hours and dismisses as spam', async () => {
    await driver.act(1, 'snooze', 'ana', '4h');
    const snoozed = (await fx.store.getAlert(1))!;
    expect(snoozed.state).toBe('snoozed');
    expect(snoozed.snoozedUntil! - Date.now()).toBeGreaterThan(4 * 3600_000 - 60_000);
    expect(await driver.card(1)).toContain('snoozed until');
    await driver.act(2, 'dismiss', 'ana', 'spam');
    expect((await fx.store.getAlert(2))!.state).toBe('dismissed');
    expect((await fx.store.alertEvents(2)).at(-1)!.detail).toMatchObject({ reason: 'spam', chat: driver.tag });
  });

  it('escalates: the announcement names who escalated and notifies the leads only', async () => {
    await driver.act(1, 'escalate', 'ana');
    const { text, notifies } = await driver.escalation(1);
    expect(text).toMatch(/escalation: alert #1 \(normal(, unclaimed)?\) escalated by @ana\./i);
    expect(notifies).toEqual(driver.lead === undefined ? [] : [driver.lead]);
  });

  it('shows a suggested reply to the one who asked, with the reply guard\'s verdict', async () => {
    const { privately } = await driver.act(2, 'reply', 'ana', 'take-it-private');
    expect(privately).toMatch(/take-it-private/);
    expect(privately).toMatch(/@user\d+ Thank you for reaching out/);
    expect(privately).toMatch(/guard: ok/i);
    expect(await fx.store.alertEvents(2)).toEqual([]);
  });

  it('records a "Wrong label?" choice on the card, and a confirmed crisis offers the crisis reply', async () => {
    expect(await driver.card(1)).toContain('"t:relabel:1"');
    await driver.act(1, 'relabel', 'ana', 'urgency:high');
    expect(await fx.store.corrections.forAlert(1)).toMatchObject([{ actor: '@ana', previous: 'normal', correction: { kind: 'urgency', urgency: 'high' } }]);
    expect(await driver.card(1)).toContain('urgency should be high (was normal), by @ana');
    await driver.act(1, 'relabel', 'ben', 'add:crisis');
    expect(await driver.card(1)).toContain('crisis-support');
    expect(await fx.store.getAlert(1)).toMatchObject({ urgency: 'normal', state: 'open' });
  });
});
