import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions, commands } from '../../handlers/index.js';
import { accountDirectory } from '../../src/accounts.js';
import { connectDiscord, type DiscordChat } from '../../src/chat/discord/discord-chat.js';
import { routeInteractions } from '../../src/chat/discord/discord-interactions.js';
import { decideFor, dispatchPending } from '../../src/pipeline.js';
import { facebookPublisher } from '../../src/sources/facebook/facebook-publisher.js';
import { createGraphClient } from '../../src/sources/facebook/graph-client.js';
import { sendReplies } from '../../src/sources/send-replies.js';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { FakeFacebook } from '../fakes/fake-facebook.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { expectApprovedReplySentOnce } from '../helpers/send-once.js';

/**
 * Reply from a Discord card, end to end against the real discord.js client, a fake Discord and
 * fake platforms: the card's reply menu opens a modal, the guard blocks a reply that confirms the
 * patient (privately, with Edit), the edit goes to a second person with the approver role, it is
 * sent once, the first response recorded and the card redrawn with the reply; and with approval
 * off, sent at once.
 */
describe('replying from a Discord card', () => {
  let discord: FakeDiscord;
  let mastodon: FakeMastodon;
  let facebook: FakeFacebook;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let chat: DiscordChat;
  const clock = Date.UTC(2026, 10, 23, 15, 0);
  const signal = new AbortController().signal;
  const safe = 'We are sorry for the trouble. Please send us a private message so we can help.';

  beforeEach(async () => {
    discord = new FakeDiscord();
    mastodon = new FakeMastodon();
    facebook = new FakeFacebook();
    await Promise.all([discord.start(), mastodon.start(), facebook.start()]);
    fx = await pipelineFixture(() => clock);
    fx.deps.accounts = accountDirectory([
      { id: 'mastodon', platform: 'mastodon', name: 'Riverbend on Mastodon', routing: {}, fromFile: false, variables: {}, approval: 'all', config: { url: mastodon.baseUrl, accessToken: mastodon.token, backfillHours: 24 } },
      { id: 'facebook', platform: 'facebook', name: 'Riverbend on Facebook', routing: {}, fromFile: false, variables: {}, approval: 'none', config: { pageId: facebook.page.id, pageToken: facebook.token, graphUrl: facebook.baseUrl, backfillHours: 24 } },
    ]);
    chat = await connectDiscord({
      config: { token: discord.token, apiBaseUrl: discord.apiBase, appId: discord.appId, guildId: discord.guildId, alertChannelId: discord.channelIds[0]!, actorRoleIds: [discord.roles.actor], approverRoleIds: [discord.roles.lead], stormThreshold: 20 },
      log: fx.log,
      now: fx.deps.now,
      messageOf: async (id) => await fx.store.messageOf(id),
    });
    routeInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: 'America/New_York', log: fx.log }, { commands, actions });
  });
  afterEach(async () => {
    try {
      expect(fx.logs.records.filter((r) => r.msg === 'interaction handler failed')).toEqual([]);
      await chat.close();
    } finally {
      await Promise.all([discord.stop(), mastodon.stop(), facebook.stop()]);
      await fx.close();
    }
  });

  const ana = () => discord.member('700000000000000501', 'ana');
  const ben = () => discord.member('700000000000000502', 'ben', [discord.roles.actor, discord.roles.lead]);
  const cy = () => discord.member('700000000000000503', 'cy');
  const card = (): FakeMessage => [...discord.messages.values()].find((m) => JSON.stringify(m.components).includes('"t:claim:1"') || JSON.stringify(m.components).includes('"t:reopen:1"'))!;
  const callback = (id: string) => discord.waitFor(() => discord.callbacks.find((c) => c.interactionId === id));
  const replyMenu = (message: FakeMessage) => message.components.find((r: { components: Array<{ custom_id: string }> }) => r.components[0]!.custom_id === 't:reply:1').components[0];
  const input = (modal: any) => modal.components.find((c: { type: number }) => c.type === 18).component;
  const notes = (modal: any) => modal.components.filter((c: { type: number }) => c.type === 10).map((c: { content: string }) => c.content).join('\n');

  it('compose → blocked → edit → approved by a second person → sent once → first response → card updated', async () => {
    const author = mastodon.addAccount({ username: 'pat', displayName: 'Pat', followers: 3 });
    const post = mastodon.addStatus({ account: author, content: '<p>@riverbend my bill went to collections after insurance paid</p>' });
    await fx.store.ingest({ source: 'mastodon', mentions: [{ ...mention({ platform: 'mastodon', nativeId: post.id, text: '@riverbend my bill went to collections after insurance paid', createdAt: clock - 60_000 }), account: 'mastodon' }], now: clock }, decideFor(fx.deps));
    await dispatchPending(chat, fx.deps, signal);

    // The card has no free row: the reply menu offers "Write a reply…", then each suggestion.
    expect(card().components).toHaveLength(5);
    const menu = replyMenu(card());
    expect(menu.options[0]).toMatchObject({ label: 'Write a reply…', value: ':write' });
    const suggestion = menu.options[1].value as string;
    const opened = await callback(discord.click(card(), 't:reply:1', ana(), [suggestion]));
    expect(opened.type).toBe(9);
    expect(opened.data).toMatchObject({ custom_id: 't:compose:1', title: 'Reply on Mastodon' });
    expect(input(opened.data)).toMatchObject({ type: 4, custom_id: 'reply', style: 2, max_length: 500, required: true, value: expect.stringMatching(/\S/) });
    expect(notes(opened.data)).toContain(`Suggested reply (${suggestion})`);

    // The guard blocks a reply that confirms the patient: privately, beside the text, with Edit; nothing sent.
    const blockedId = discord.submitModal(opened.data, { reply: '@pat So sorry about the bill from your visit last week.' }, ana());
    const blocked = await callback(blockedId);
    expect(blocked).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(blocked.data.content).toMatch(/^Not sent: the reply guard blocked this reply\. Edit it:\n```\n@pat So sorry about the bill from your visit last week\.\n```\n.*confirms the author is a patient/s);
    expect(blocked.data.components[0].components[0]).toMatchObject({ type: 2, custom_id: 't:reply-edit:1:1', label: 'Edit' });
    expect(await fx.store.replies.get(1)).toMatchObject({ state: 'blocked', author: '@ana' });

    const edit = await callback(discord.click(discord.ephemeralOf(blockedId)!, 't:reply-edit:1:1', ana()));
    expect(edit.data).toMatchObject({ custom_id: 't:compose:1:1', title: 'Edit reply on Mastodon' });
    expect(input(edit.data).value).toBe('@pat So sorry about the bill from your visit last week.');
    expect(notes(edit.data)).toContain('confirms the author is a patient');

    const waiting = await callback(discord.submitModal(edit.data, { reply: `@pat ${safe}` }, ana()));
    expect(waiting.data.content).toMatch(/^Waiting for a second person to approve \(.*\):/);
    const request = await discord.waitFor(() => discord.messagesIn(discord.channelIds[0]!).find((m) => m.content.includes('needs a second person')));
    expect(request.content).toContain(`@pat ${safe}`);
    expect(request.allowed_mentions).toEqual({ parse: [] });
    expect(request.components[0].components.map((c: { custom_id: string; label: string }) => [c.custom_id, c.label])).toEqual([['t:reply-approve:1:1', 'Approve'], ['t:reply-edit:1:1', 'Edit'], ['t:reply-reject:1:1', 'Reject']]);
    expect(mastodon.repliesTo(post.id)).toEqual([]);

    // The author cannot approve their own reply; a member without the approver role cannot either; a second person with it can.
    expect((await callback(discord.click(request, 't:reply-approve:1:1', ana()))).data.content).toBe('Only members with the approver role can approve or reject a reply. Ask a lead to give you the role.');
    expect((await callback(discord.click(request, 't:reply-approve:1:1', cy()))).data.content).toMatch(/approver role/);
    const self = discord.member('700000000000000501', 'ana', [discord.roles.actor, discord.roles.lead]);
    expect((await callback(discord.click(request, 't:reply-approve:1:1', self))).data.content).toMatch(/^Not approved: a reply needs a second person/);
    const approved = await callback(discord.click(request, 't:reply-approve:1:1', ben()));
    expect(approved).toMatchObject({ type: 7, data: { content: expect.stringMatching(/^Approved by @ben: sending\./), components: [] } });
    expect(discord.messages.get(request.id)!.components).toEqual([]);

    await expectApprovedReplySentOnce(fx, mastodon, post.id, clock);

    await dispatchPending(chat, fx.deps, signal);
    const redrawn = JSON.stringify(card().embeds);
    expect(redrawn).toContain('Replied by @ana');
    expect(redrawn).toContain(`[Open the reply](${mastodon.baseUrl}/@riverbend/${mastodon.repliesTo(post.id)[0]!.id})`);
  });

  it('with approval off, a reply the guard passes goes out at once: written from "Write a reply…", sent once on Facebook', async () => {
    const fbPost = facebook.addPost({ message: 'Our billing office hours are changing', createdAt: clock - 3600_000 });
    const comment = facebook.addComment({ postId: fbPost.id, from: { id: '2600000000101', name: 'Pat Quinn' }, message: 'my bill went to collections after insurance paid', createdAt: clock - 60_000 });
    await fx.store.ingest({ source: 'facebook', mentions: [{ ...mention({ platform: 'facebook', nativeId: comment.id, text: comment.message!, createdAt: clock - 60_000, conversationId: fbPost.id, inReplyToId: fbPost.id, stream: 'feed', url: `https://www.facebook.com/${fbPost.id.replace('_', '/posts/')}?comment_id=${comment.id}` }), account: 'facebook' }], now: clock }, decideFor(fx.deps));
    await dispatchPending(chat, fx.deps, signal);

    const opened = await callback(discord.click(card(), 't:reply:1', ana(), [':write']));
    expect(opened.data).toMatchObject({ custom_id: 't:compose:1', title: 'Reply on Facebook' });
    expect(input(opened.data)).toMatchObject({ max_length: 4000 });
    expect(input(opened.data).value).toBeUndefined();
    const queued = await callback(discord.submitModal(opened.data, { reply: safe }, ana()));
    expect(queued).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/^Sending\./) } });
    expect(discord.messagesIn(discord.channelIds[0]!).filter((m) => m.content.includes('needs a second person'))).toEqual([]);

    const publisher = facebookPublisher({ pageId: facebook.page.id }, createGraphClient({ graphUrl: facebook.baseUrl, pageToken: facebook.token }));
    expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher })).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(facebook.ownReplies(comment.id)).toMatchObject([{ message: safe }]);
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'responded', firstResponseAt: clock, respondedBy: '@ana' });
    await dispatchPending(chat, fx.deps, signal);
    expect(JSON.stringify(card().embeds)).toContain('Replied by @ana');
  });

  it('keeps hostile text inert in the editor, the request and the answers, and refuses a stale form', async () => {
    const author = mastodon.addAccount({ username: 'pat', displayName: 'Pat', followers: 3 });
    const post = mastodon.addStatus({ account: author, content: '<p>@riverbend billing is a mess</p>' });
    await fx.store.ingest({ source: 'mastodon', mentions: [{ ...mention({ platform: 'mastodon', nativeId: post.id, text: '@everyone <!channel> billing is a mess', createdAt: clock - 60_000 }), account: 'mastodon' }], now: clock }, decideFor(fx.deps));
    await dispatchPending(chat, fx.deps, signal);
    const opened = await callback(discord.click(card(), 't:reply:1', ana(), [':write']));
    await callback(discord.submitModal(opened.data, { reply: `@everyone ${safe} ${'🙂'.repeat(3000)}`.slice(0, 480) }, ana()));
    for (const message of discord.messages.values()) expect(message.allowed_mentions?.parse ?? []).toEqual([]);
    const answers = discord.callbacks.filter((c) => c.type === 4).map((c) => c.data);
    expect(answers.every((a) => a.allowed_mentions?.parse?.length === 0)).toBe(true);
    expect((await callback(discord.submitModal({ custom_id: 't:something-old:1' }, { reply: safe }, ana()))).data.content).toMatch(/older version/);
  });
});
