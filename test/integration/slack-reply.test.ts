import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions, commands } from '../../handlers/index.js';
import { accountDirectory } from '../../src/accounts.js';
import { connectSlack, type SlackChat } from '../../src/chat/slack/slack-chat.js';
import { slackCardAlertId } from '../../src/chat/slack/render-slack-card.js';
import { routeSlackInteractions } from '../../src/chat/slack/slack-interactions.js';
import { decideFor, dispatchPending } from '../../src/pipeline.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { FakeSlack, type FakeSlackMessage } from '../fakes/fake-slack.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { expectApprovedReplySentOnce } from '../helpers/send-once.js';

const ALERTS = 'C0ALERTS01';

/**
 * Reply from a Slack card, end to end against the real Bolt client, a fake Slack and a fake
 * Mastodon: compose, the guard blocks a reply that confirms the patient, edit, a second person
 * approves, sent once, the first response recorded and the card redrawn with the reply.
 */
describe('replying from a Slack card', () => {
  let slack: FakeSlack;
  let mastodon: FakeMastodon;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let chat: SlackChat;
  const clock = Date.UTC(2026, 10, 23, 15, 0);
  const signal = new AbortController().signal;

  beforeEach(async () => {
    slack = new FakeSlack();
    mastodon = new FakeMastodon();
    await Promise.all([slack.start(), mastodon.start()]);
    fx = await pipelineFixture(() => clock);
    fx.deps.accounts = accountDirectory([{ id: 'mastodon', platform: 'mastodon', name: 'Riverbend on Mastodon', routing: {}, fromFile: false, variables: {}, approval: 'all', config: { url: mastodon.baseUrl, accessToken: mastodon.token, backfillHours: 24 } }]);
    chat = await connectSlack({ config: { botToken: slack.botToken, appToken: slack.appToken, alertChannelId: ALERTS, actorUserGroupIds: [], stormThreshold: 20, apiUrl: slack.apiUrl }, log: fx.log, now: fx.deps.now, messageOf: async (id) => await fx.store.messageOf(id) });
    routeSlackInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: 'America/New_York', log: fx.log }, { commands, actions });
  });
  afterEach(async () => {
    try {
      expect(fx.logs.records.filter((r) => r.msg === 'interaction handler failed' || r.msg === 'reply submission failed')).toEqual([]);
      await chat.close();
      await slack.waitFor(() => slack.openConnections.length === 0);
    } finally {
      await Promise.all([slack.stop(), mastodon.stop()]);
      await fx.close();
    }
  });

  const card = (): FakeSlackMessage => slack.messages.find((m) => slackCardAlertId(m) === 1 && m.thread_ts === undefined)!;
  const composer = () => [...slack.views.values()].find((v) => v.view.callback_id === 'triage_compose' && v.closedAt === undefined);

  it('compose → blocked → edit → approved by a second person → sent once → first response → card updated', async () => {
    const author = mastodon.addAccount({ username: 'pat', displayName: 'Pat', followers: 3 });
    const post = mastodon.addStatus({ account: author, content: '<p>@riverbend my bill went to collections after insurance paid</p>' });
    await fx.store.ingest({ source: 'mastodon', mentions: [{ ...mention({ platform: 'mastodon', nativeId: post.id, text: '@riverbend my bill went to collections after insurance paid', createdAt: clock - 60_000 }), account: 'mastodon' }], now: clock }, decideFor(fx.deps));
    await dispatchPending(chat, fx.deps, signal);

    await slack.expectAck(slack.click(card(), 't:compose:1', undefined, 'ana'));
    const modal = await slack.waitFor(composer);
    const input = (modal.view.blocks as any[]).find((b) => b.block_id === 'reply');
    expect(input.element).toMatchObject({ type: 'plain_text_input', multiline: true, max_length: 500, initial_value: expect.stringMatching(/\S/) });

    // The guard blocks a reply that confirms the patient: the problems beside the text, nothing sent.
    const blocked = await slack.expectAck(slack.submitView(modal, { reply: { text: { type: 'plain_text_input', value: '@pat So sorry about the bill from your visit last week.' } } }, 'ana'));
    expect(blocked).toMatchObject({ payload: { response_action: 'update' } });
    const again = slack.views.get(modal.id)!;
    expect(JSON.stringify(again.view.blocks)).toContain('Not sent: the reply guard blocked it');
    expect(JSON.stringify(again.view.blocks)).toContain('confirms the author is a patient');
    expect(JSON.parse(String(again.view.private_metadata))).toMatchObject({ alertId: 1, draftId: 1 });

    await slack.expectAck(slack.submitView(again, { reply: { text: { type: 'plain_text_input', value: '@pat We are sorry for the trouble. Please send us a private message so we can help.' } } }, 'ana'));
    const request = await slack.waitFor(() => slack.messagesIn(ALERTS).find((m) => m.text.includes('needs a second person')));
    expect(slack.mentionsIn(request)).toEqual({ broadcasts: [], users: [], groups: [] });
    await slack.waitFor(() => slack.ephemerals.some((e) => e.user === [...slack.users.values()].find((u) => u.name === 'ana')?.id && e.text.startsWith('Waiting for a second person')));
    expect(mastodon.repliesTo(post.id)).toEqual([]);

    // The author cannot approve their own reply; a second person can.
    await slack.expectAck(slack.click(request, 't:reply-approve:1', undefined, 'ana'));
    await slack.waitFor(() => slack.ephemerals.some((e) => e.text.includes('Not approved: a reply needs a second person')));
    await slack.expectAck(slack.click(request, 't:reply-approve:1', undefined, 'ben'));
    await slack.waitFor(() => slack.ephemerals.some((e) => e.text === 'Approved by @ben: sending.'));

    await expectApprovedReplySentOnce(fx, mastodon, post.id, clock);

    await dispatchPending(chat, fx.deps, signal);
    const redrawn = JSON.stringify(slack.messageByTs(card().ts)!.blocks);
    expect(redrawn).toContain('Replied by @ana');
    expect(redrawn).toContain(`${mastodon.baseUrl}/@riverbend/${mastodon.repliesTo(post.id)[0]!.id}|open the reply`);
  });
});
