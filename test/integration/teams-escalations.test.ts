import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions, commands } from '../../handlers/index.js';
import { connectDiscord, type DiscordChat } from '../../src/chat/discord/discord-chat.js';
import { routeInteractions } from '../../src/chat/discord/discord-interactions.js';
import { fanOutChats } from '../../src/chat/chat-fan-out.js';
import { perChatOutbox } from '../../src/chat/chat-outbox.js';
import { createTeamsChat } from '../../src/chat/teams/teams-chat.js';
import { announcingOnTeams } from '../../src/chat/teams/teams-escalations.js';
import { decideFor, dispatchPending, runSlaSweep } from '../../src/pipeline.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

/**
 * Teams cards cannot be redrawn, so what matters reaches Teams as a card of its own whichever chat
 * acted: an escalation clicked on Discord (the real discord.js client against the fake) is posted on
 * Teams (the fake Workflows endpoint) once, through Teams' own outbox, and Discord announces it once.
 */
describe('escalations made elsewhere reach Teams', () => {
  let discord: FakeDiscord;
  let teams: FakeTeamsWorkflow;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let chat: DiscordChat | undefined;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    discord = new FakeDiscord();
    teams = new FakeTeamsWorkflow();
    await Promise.all([discord.start(), teams.start()]);
    fx = await pipelineFixture();
  });
  afterEach(async () => {
    await chat?.close();
    await Promise.all([discord.stop(), teams.stop()]);
    fx.close();
  });

  it('posts an escalation clicked on Discord on Teams once, naming who escalated, and Discord announces it once', async () => {
    chat = await connectDiscord({
      config: { token: discord.token, apiBaseUrl: discord.apiBase, appId: discord.appId, guildId: discord.guildId, alertChannelId: discord.channelIds[0]!, urgentChannelId: discord.channelIds[1]!, leadRoleId: discord.roles.lead, actorRoleIds: [discord.roles.actor], stormThreshold: 20 },
      log: fx.log,
      now: fx.deps.now,
      messageOf: (id) => fx.store.deliveries.messageOf('discord', id),
    });
    routeInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: 'America/New_York', log: fx.log }, { commands, actions: announcingOnTeams(actions, ['discord']) });
    const onTeams = createTeamsChat({
      config: { workflowUrl: teams.url },
      links: { baseUrl: 'https://triage.example.org', key: 'k'.repeat(40) },
      log: fx.log,
      now: fx.deps.now,
      signal,
      escalatedBy: async (id) => (await fx.store.alertEvents(id)).filter((e) => e.action === 'escalate').at(-1)?.actor,
    });
    const names = ['discord', 'teams'] as const;
    const both = fanOutChats(names.map((name) => ({ chat: name === 'discord' ? chat! : onTeams, outbox: perChatOutbox(fx.store, name, names) })), fx.log);

    await fx.store.ingest({ source: 'test', mentions: [mention({ text: 'billing charged me twice and nobody calls back', createdAt: Date.now() })], now: Date.now() }, decideFor(fx.deps));
    expect(await dispatchPending(both, fx.deps, signal)).toMatchObject({ posted: 2 });
    expect(teams.posts).toHaveLength(1);
    const card = [...discord.messages.values()].find((m) => JSON.stringify(m.components).includes('"t:escalate:1"'))!;
    const click = discord.click(card, 't:escalate:1', discord.member('700000000000000501', 'ana'));
    await discord.waitFor(() => discord.callbacks.find((c) => c.interactionId === click));
    const pings = () => discord.messagesIn(discord.channelIds[1]!).filter((m) => m.content.includes('escalat'));
    await discord.waitFor(() => (pings().length === 1 ? true : undefined));

    // Teams gets it from the sweep, once, however often the sweep runs; Discord gets nothing more.
    expect((await runSlaSweep(both, fx.deps, signal)).sent).toBe(1);
    expect((await runSlaSweep(both, fx.deps, signal)).sent).toBe(0);
    expect(teams.posts).toHaveLength(2);
    expect(teams.posts[1]!.raw).toMatch(/Escalation: alert #1 \(normal, unclaimed\) escalated by @ana\./);
    expect(teams.posts[1]!.card.actions![0]!.url).toMatch(/\/console\/link\?a=1&do=open&/);
    expect(pings()).toHaveLength(1);
    expect([...discord.messages.values()].filter((m) => m.content.includes('SLA:'))).toEqual([]);
  });

  it('keeps the escalation for Teams while Workflows throttles, and posts it once when it answers', async () => {
    const onTeams = createTeamsChat({ config: { workflowUrl: teams.url }, links: { baseUrl: 'https://triage.example.org', key: 'k'.repeat(40) }, log: fx.log, now: fx.deps.now, signal, maxRetryAfterMs: 1_000 });
    await fx.store.ingest({ source: 'test', mentions: [mention({ text: 'billing charged me twice and nobody calls back', createdAt: Date.now() })], now: Date.now() }, decideFor(fx.deps));
    await dispatchPending(onTeams, fx.deps, signal);
    const escalate = announcingOnTeams(actions, []).find((a) => a.id === 'escalate')!;
    expect(await escalate.run({ alertId: 1, actor: { name: 'Ana Lopez', ref: 'ana', chat: 'web' } }, { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log })).toMatchObject({ kind: 'card', announce: 'escalation' });
    teams.throttle(1, '3600');
    expect((await runSlaSweep(onTeams, fx.deps, signal)).sent).toBe(0);
    expect((await runSlaSweep(onTeams, fx.deps, signal)).sent).toBe(1);
    expect((await runSlaSweep(onTeams, fx.deps, signal)).sent).toBe(0);
    expect(teams.posts.map((p) => p.raw.includes('Escalation: alert #1'))).toEqual([false, true]);
  });
});
