import { App, LogLevel, SocketModeReceiver, type AppOptions, type BlockAction, type ButtonAction, type Logger, type webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeSlack, type FakeSlackMessage } from '../fakes/fake-slack.js';

/** Bolt's logger, kept in memory: tests read what Bolt said instead of its console output. */
function captureLogs() {
  const lines: Array<{ level: 'info' | 'warn' | 'error'; text: string }> = [];
  const at = (level: 'info' | 'warn' | 'error') => (...parts: unknown[]) => void lines.push({ level, text: parts.map(String).join(' ') });
  const logger: Logger = { debug: () => {}, info: at('info'), warn: at('warn'), error: at('error'), setLevel: () => {}, getLevel: () => LogLevel.INFO, setName: () => {} };
  return { lines, logger };
}

const card = (alertId: number) => [
  { type: 'section', text: { type: 'mrkdwn', text: `*NORMAL · complaint* · alert #${alertId}\nbeen on hold for 50 minutes` } },
  {
    type: 'actions',
    block_id: `alert-${alertId}`,
    elements: [
      { type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: `alert-${alertId}`, style: 'primary' },
      { type: 'button', action_id: 'snooze', text: { type: 'plain_text', text: 'Snooze' }, value: `alert-${alertId}` },
      { type: 'static_select', action_id: 'reply', placeholder: { type: 'plain_text', text: 'Suggested reply' }, options: [{ text: { type: 'plain_text', text: 'Apology' }, value: 'apology' }] },
    ],
  },
];

type ChatPostMessageArguments = webApi.ChatPostMessageArguments;

const snoozeModal = (alertId: number) => ({
  type: 'modal' as const,
  callback_id: 'snooze_modal',
  private_metadata: `alert-${alertId}`,
  title: { type: 'plain_text' as const, text: 'Snooze alert' },
  submit: { type: 'plain_text' as const, text: 'Snooze' },
  blocks: [{ type: 'input', block_id: 'snooze_for', label: { type: 'plain_text', text: 'Hours' }, element: { type: 'plain_text_input', action_id: 'hours' } }],
});

describe('FakeSlack (the real Bolt client in Socket Mode against a local fake)', () => {
  let fake: FakeSlack;
  let logs: ReturnType<typeof captureLogs>;
  const apps: App[] = [];
  let alerts: string;

  beforeEach(async () => {
    fake = new FakeSlack();
    await fake.start();
    logs = captureLogs();
    alerts = fake.channelIds[0]!;
  });
  afterEach(async () => {
    try {
      for (const app of apps.splice(0)) await app.stop();
      await fake.waitFor(() => fake.openConnections.length === 0);
    } finally {
      await fake.stop();
    }
    expect(fake.internalErrors).toEqual([]);
  });

  async function startApp(register: (app: App) => void = () => {}, options: Partial<AppOptions> = {}): Promise<App> {
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      logger: logs.logger,
      clientOptions: { slackApiUrl: fake.apiUrl },
      ...options,
    });
    apps.push(app);
    register(app);
    await app.start();
    return app;
  }

  async function postCard(app: App, alertId: number): Promise<FakeSlackMessage> {
    const posted = await app.client.chat.postMessage({ channel: alerts, text: `alert #${alertId}`, blocks: card(alertId) });
    return fake.messageByTs(posted.ts!)!;
  }

  it('connects through apps.connections.open with the app-level token and is ready on hello', async () => {
    await startApp();
    const [auth] = fake.requestsTo('auth.test');
    const [open] = fake.requestsTo('apps.connections.open');
    expect(auth).toMatchObject({ token: fake.botToken, status: 200, response: { ok: true, user_id: fake.botUserId, bot_id: fake.botId, team_id: fake.team.id } });
    expect(open).toMatchObject({ token: fake.appToken, status: 200 });
    expect(open!.response.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${fake.port}/link/\\?ticket=[0-9a-f-]{36}&app_id=${fake.appId}$`));
    expect(fake.openConnections).toHaveLength(1);
    expect(logs.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('stores what chat.postMessage posts and answers with ts, channel and the message as Slack does', async () => {
    const app = await startApp();
    const result = await app.client.chat.postMessage({
      channel: alerts,
      text: 'alert #1',
      blocks: card(1),
      metadata: { event_type: 'triage_alert', event_payload: { alert_id: 1 } },
    });
    expect(result).toMatchObject({ ok: true, channel: alerts, ts: expect.stringMatching(/^\d{10}\.\d{6}$/), message: { type: 'message', text: 'alert #1', user: fake.botUserId, bot_id: fake.botId } });
    const [stored] = fake.messagesIn(alerts);
    expect(stored).toMatchObject({ ts: result.ts, text: 'alert #1', metadata: { event_type: 'triage_alert', event_payload: { alert_id: 1 } } });
    // Slack gives blocks without one a block_id, and keeps the ones given.
    expect(stored!.blocks!.map((b) => b.block_id)).toEqual([expect.stringMatching(/^\w{5}$/), 'alert-1']);
    const sent = fake.requestsTo('chat.postMessage')[0]!;
    expect(sent.contentType).toBe('application/x-www-form-urlencoded');
    expect(typeof sent.args.blocks).toBe('string');
  });

  it('pages conversations.history newest first with limit, cursor, latest and oldest, and threads replies', async () => {
    const app = await startApp();
    const ts: string[] = [];
    for (let i = 1; i <= 5; i++) ts.push((await app.client.chat.postMessage({ channel: alerts, text: `m${i}`, metadata: { event_type: 'triage_alert', event_payload: { alert_id: i } } })).ts!);
    fake.postAsUser(alerts, 'ana', 'who has this one?');
    await app.client.chat.postMessage({ channel: alerts, text: 'SLA reminder', thread_ts: ts[0]! });

    const first = await app.client.conversations.history({ channel: alerts, limit: 2 });
    expect(first.messages!.map((m) => m.text)).toEqual(['who has this one?', 'm5']);
    expect(first.has_more).toBe(true);
    const second = await app.client.conversations.history({ channel: alerts, limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(second.messages!.map((m) => m.text)).toEqual(['m4', 'm3']);
    const rest = await app.client.conversations.history({ channel: alerts, cursor: second.response_metadata!.next_cursor! });
    expect(rest.messages!.map((m) => m.text)).toEqual(['m2', 'm1']);
    expect(rest.has_more).toBe(false);
    expect(rest.response_metadata?.next_cursor ?? '').toBe('');
    // Our own message is findable by the alert id in its metadata, as the outbox needs after a crash.
    expect(rest.messages!.find((m) => (m.metadata?.event_payload as { alert_id?: number } | undefined)?.alert_id === 1)?.ts).toBe(ts[0]);
    expect(rest.messages![1]).toMatchObject({ reply_count: 1, thread_ts: ts[0] });

    const between = await app.client.conversations.history({ channel: alerts, oldest: ts[1]!, latest: ts[3]! });
    expect(between.messages!.map((m) => m.text)).toEqual(['m3']);
    const inclusive = await app.client.conversations.history({ channel: alerts, oldest: ts[1]!, latest: ts[3]!, inclusive: true });
    expect(inclusive.messages!.map((m) => m.text)).toEqual(['m4', 'm3', 'm2']);

    const thread = await app.client.conversations.replies({ channel: alerts, ts: ts[0]! });
    expect(thread.messages!.map((m) => m.text)).toEqual(['m1', 'SLA reminder']);
    expect(fake.repliesTo(ts[0]!)).toHaveLength(1);
    await expect(app.client.conversations.history({ channel: alerts, cursor: 'bm9wZQ==' })).rejects.toMatchObject({ data: { ok: false, error: 'invalid_cursor' } });
  });

  it('delivers a block_actions click that the handler acks within 3 s and follows with chat.update', async () => {
    let seen: BlockAction<ButtonAction> | undefined;
    const app = await startApp((a) => a.action<BlockAction<ButtonAction>>('claim', async ({ ack, body, client }) => {
      await ack();
      seen = body;
      await client.chat.update({ channel: body.channel!.id, ts: body.message!.ts, text: `alert claimed by <@${body.user.id}>`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Claimed by <@${body.user.id}>` } }] });
    }));
    const message = await postCard(app, 1);
    const envelope = fake.click(message, 'claim', 'alert-1', 'ben');
    expect(envelope).toMatchObject({ type: 'interactive', accepts_response_payload: false });

    const ack = await fake.expectAck(envelope);
    expect(ack.ms).toBeLessThan(3000);
    expect(ack.payload).toEqual({});
    const updated = await fake.waitFor(() => fake.messageByTs(message.ts)?.edited && fake.messageByTs(message.ts));
    expect(updated.text).toBe(`alert claimed by <@${fake.user('ben').id}>`);
    expect(updated.blocks).toHaveLength(1);
    expect(seen).toMatchObject({
      type: 'block_actions',
      user: { id: fake.user('ben').id, username: 'ben' },
      team: { id: fake.team.id },
      channel: { id: alerts },
      container: { type: 'message', message_ts: message.ts, channel_id: alerts },
      message: { ts: message.ts, bot_id: fake.botId },
      actions: [{ type: 'button', action_id: 'claim', block_id: 'alert-1', value: 'alert-1', text: { type: 'plain_text', text: 'Claim' } }],
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]{32}$/),
      response_url: expect.stringMatching(new RegExp(`^${fake.base}/hooks/actions/`)),
    });
    expect(() => fake.click(message, 'claim')).toThrow(/no element with action_id claim/);
  });

  it('replaces or deletes the clicked message through respond() on the action\'s response_url', async () => {
    const app = await startApp((a) => {
      a.action('claim', async ({ ack, respond }) => {
        await ack();
        await respond({ replace_original: true, text: 'Claimed', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Claimed by ana' } }] });
      });
      a.action('snooze', async ({ ack, respond }) => {
        await ack();
        await respond({ delete_original: true });
      });
    });
    const first = await postCard(app, 1);
    const second = await postCard(app, 2);
    const claim = fake.click(first, 'claim');
    await fake.expectAck(claim);
    await fake.waitFor(() => fake.responsesTo(claim).length === 1);
    expect(fake.messageByTs(first.ts)).toMatchObject({ text: 'Claimed', blocks: [{ type: 'section', text: { text: 'Claimed by ana' } }] });
    const snooze = fake.click(second, 'snooze');
    await fake.waitFor(() => fake.responsesTo(snooze).length === 1);
    expect(fake.messageByTs(second.ts)).toBeUndefined();
    expect(fake.messagesIn(alerts).map((m) => m.ts)).toEqual([first.ts]);
  });

  it('fails expectAck, naming the envelope, when the handler never acknowledges', async () => {
    const app = await startApp((a) => a.action('claim', async () => {}));
    const envelope = fake.click(await postCard(app, 2), 'claim');
    await expect(fake.expectAck(envelope, 300)).rejects.toThrow(/interactive envelope [0-9a-f-]+ \(block_actions\) was not acknowledged within 300 ms/);
  });

  it('opens a modal from a click and hands its submission to app.view, errors and all', async () => {
    const submitted: Array<{ hours: string; alert: string; user: string }> = [];
    let trigger = '';
    const app = await startApp((a) => {
      a.action<BlockAction<ButtonAction>>('snooze', async ({ ack, body, client }) => {
        await ack();
        trigger = body.trigger_id;
        await client.views.open({ trigger_id: body.trigger_id, view: snoozeModal(1) });
      });
      a.view('snooze_modal', async ({ ack, view, body }) => {
        const hours = view.state.values.snooze_for?.hours?.value ?? '';
        if (!/^\d+$/.test(hours)) return void (await ack({ response_action: 'errors', errors: { snooze_for: 'Hours, as a number' } }));
        await ack();
        submitted.push({ hours, alert: view.private_metadata, user: body.user.id });
      });
    });
    await fake.expectAck(fake.click(await postCard(app, 1), 'snooze', undefined, 'ana'));
    const view = await fake.waitFor(() => [...fake.views.values()][0]);
    expect(view).toMatchObject({ user: fake.user('ana').id, view: { callback_id: 'snooze_modal', private_metadata: 'alert-1', root_view_id: view.id, hash: expect.any(String) } });

    await expect(app.client.views.update({ view_id: view.id, hash: 'stale.hash', view: snoozeModal(1) })).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
    const hash = view.view.hash;
    await app.client.views.update({ view_id: view.id, hash, view: { ...snoozeModal(1), title: { type: 'plain_text', text: 'Snooze alert #1' } } });
    expect(view.view).toMatchObject({ id: view.id, title: { text: 'Snooze alert #1' }, hash: expect.not.stringMatching(`^${hash}$`) });

    const wrong = fake.submitView(view, { snooze_for: { hours: { type: 'plain_text_input', value: 'soon' } } });
    expect((await fake.expectAck(wrong)).payload).toEqual({ response_action: 'errors', errors: { snooze_for: 'Hours, as a number' } });
    expect(view.closedAt).toBeUndefined();
    const right = fake.submitView(view, { snooze_for: { hours: { type: 'plain_text_input', value: '4' } } }, 'ana');
    expect(right).toMatchObject({ accepts_response_payload: true, payload: { type: 'view_submission', view: { id: view.id } } });
    await fake.expectAck(right);
    expect(view.closedAt).toBeDefined();
    expect(submitted).toEqual([{ hours: '4', alert: 'alert-1', user: fake.user('ana').id }]);
    // A trigger opens one view only.
    await expect(app.client.views.open({ trigger_id: trigger, view: snoozeModal(1) })).rejects.toMatchObject({ data: { error: 'exchanged_trigger_id' } });
    expect(() => fake.submitView(view, {})).toThrow(/is closed/);
  });

  it('answers /triage through respond() on the response_url, and through the ack payload', async () => {
    await startApp((a) => a.command('/triage', async ({ command, ack, respond }) => {
      if (command.text === 'sla') return void (await ack({ text: 'All alerts within SLA' }));
      await ack();
      await respond({ response_type: 'ephemeral', text: `Queue for ${command.user_name}: 3 open` });
    }));
    const queue = fake.command('/triage', 'queue', 'ben');
    expect(queue).toMatchObject({ type: 'slash_commands', accepts_response_payload: true, payload: { command: '/triage', text: 'queue', user_id: fake.user('ben').id, channel_id: alerts } });
    await fake.expectAck(queue);
    const [response] = await fake.waitFor(() => fake.responsesTo(queue).length > 0 && fake.responsesTo(queue));
    expect(response).toMatchObject({ via: 'response_url', body: { response_type: 'ephemeral', text: 'Queue for ben: 3 open' } });
    expect(fake.ephemerals).toContainEqual({ channel: alerts, user: fake.user('ben').id, text: 'Queue for ben: 3 open', via: 'response_url' });
    expect(fake.requests.find((r) => r.kind === 'response_url')).toMatchObject({ httpMethod: 'POST', contentType: 'application/json', status: 200 });

    const sla = fake.command('/triage', 'sla', 'ana');
    expect((await fake.expectAck(sla)).payload).toEqual({ text: 'All alerts within SLA' });
    expect(fake.responsesTo(sla)).toMatchObject([{ via: 'ack', body: { text: 'All alerts within SLA' } }]);
  });

  it('receives an events_api envelope, which Bolt acknowledges before the listener runs', async () => {
    let mentioned: unknown;
    await startApp((a) => a.event('app_mention', async ({ event }) => void (mentioned = event)));
    const envelope = fake.sendEvent({ type: 'app_mention', user: fake.user('cy').id, text: `<@${fake.botUserId}> queue`, channel: alerts, ts: '1700000000.000100' });
    await fake.expectAck(envelope);
    expect(await fake.waitFor(() => mentioned)).toMatchObject({ type: 'app_mention', text: `<@${fake.botUserId}> queue`, channel: alerts });
  });

  it('takes a file through files.uploadV2: getUploadURLExternal, the upload, completeUploadExternal', async () => {
    const app = await startApp();
    const before = fake.requests.length;
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2048, 7)]);
    const result = await app.client.files.uploadV2({ channel_id: fake.channelIds[2]!, file: png, filename: 'weekly-digest.png', title: 'Weekly digest', initial_comment: 'Week 12', alt_text: 'Alerts per day' });
    expect(fake.requests.slice(before).map((r) => r.apiMethod ?? r.kind)).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    const [file] = fake.files.values();
    expect(file).toMatchObject({ filename: 'weekly-digest.png', title: 'Weekly digest', length: png.length, completed: true, channel: fake.channelIds[2], altText: 'Alerts per day' });
    expect(file!.data!.equals(png)).toBe(true);
    expect(JSON.stringify(result)).toContain(file!.id);
    expect(fake.messagesIn(fake.channelIds[2]!)).toMatchObject([{ text: 'Week 12', upload: true, files: [{ id: file!.id, name: 'weekly-digest.png', mimetype: 'image/png', size: png.length }] }]);
  });

  it('answers a rate-limited chat.postMessage with 429 and Retry-After, and the client retries after the wait', async () => {
    const app = await startApp();
    fake.rateLimitNext = 1;
    fake.retryAfterSeconds = 1;
    const result = await app.client.chat.postMessage({ channel: alerts, text: 'after the wait' });
    const calls = fake.requestsTo('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[0]).toMatchObject({ headers: { 'retry-after': '1' }, response: { ok: false, error: 'ratelimited' } });
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(fake.messagesIn(alerts).map((m) => m.ts)).toEqual([result.ts]);
    expect(fake.rateLimited).toBe(1);
    expect(logs.lines.some((l) => /rate limiting\. Will retry in 1 seconds/.test(l.text))).toBe(true);
  });

  it('holds each channel to its posting limit, as Slack does about one message a second', async () => {
    fake.channelLimit = { count: 1, windowMs: 1000 };
    const post = (channel: string, text: string) => fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel, text }),
    });
    expect((await post(alerts, 'one')).status).toBe(200);
    const limited = await post(alerts, 'two');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect((await post(fake.channelIds[1]!, 'elsewhere')).status).toBe(200);
    expect(fake.messagesIn(alerts).map((m) => m.text)).toEqual(['one']);
  });

  it('answers who people are and who is in a user group, and keeps ephemeral replies apart', async () => {
    const app = await startApp();
    expect((await app.client.users.info({ user: fake.user('ana').id })).user).toMatchObject({ id: fake.user('ana').id, name: 'ana', real_name: 'Ana Alvarez', is_bot: false, team_id: fake.team.id });
    expect(await app.client.usergroups.users.list({ usergroup: 'S0ACTORS01' })).toMatchObject({ ok: true, users: [fake.user('ana').id, fake.user('ben').id] });
    await expect(app.client.usergroups.users.list({ usergroup: 'S0NOPE0001' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
    await app.client.chat.postEphemeral({ channel: alerts, user: fake.user('cy').id, text: 'Only leads can escalate' });
    expect(fake.ephemerals).toEqual([{ channel: alerts, user: fake.user('cy').id, text: 'Only leads can escalate', via: 'chat.postEphemeral' }]);
    expect(fake.messagesIn(alerts)).toEqual([]);
  });

  it('has an outage or a Slack error when told to (failWith, failNext), and the client retries the outage', async () => {
    const app = await startApp();
    fake.failWith(503, { method: 'users.info' });
    await app.client.users.info({ user: fake.user('ana').id });
    expect(fake.requestsTo('users.info').map((r) => r.status)).toEqual([503, 200]);
    fake.failNext('chat.postMessage', 'channel_not_found');
    await expect(app.client.chat.postMessage({ channel: alerts, text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    expect((await app.client.chat.postMessage({ channel: alerts, text: 'y' })).ok).toBe(true);
  });

  it('after a disconnect Bolt opens a new link through apps.connections.open and still receives envelopes', async () => {
    const app = await startApp((a) => a.action('claim', async ({ ack }) => await ack()));
    const message = await postCard(app, 1);
    expect(fake.disconnect('refresh_requested')).toBe(1);
    // Clicked while the app is between links: Slack holds it for the next connection.
    const envelope = fake.click(message, 'claim');
    await fake.waitFor(() => fake.connections.length === 2 && fake.openConnections.length === 1, 15_000);
    expect(fake.requestsTo('apps.connections.open').map((r) => r.token)).toEqual([fake.appToken, fake.appToken]);
    expect(fake.connections[0]).toMatchObject({ closeCode: 1000, retiring: true });
    await fake.expectAck(envelope);
    expect(envelope.connectionId).toBe(2);
    // Ping/pong both ways: the client pings every clientPingTimeout / 3, and answers ours.
    fake.ping();
    await fake.waitFor(() => fake.connections[1]!.pongs > 0 && fake.connections[1]!.clientPings > 0);
  });

  it('reconnects after a dropped socket; a receiver built by hand needs slackApiUrl in its installerOptions', async () => {
    // SocketModeReceiver takes clientPingTimeout (the reconnect delay too) but not App's clientOptions.
    const receiver = new SocketModeReceiver({
      appToken: fake.appToken,
      logger: logs.logger,
      clientPingTimeout: 1500,
      installerOptions: { clientOptions: { slackApiUrl: fake.apiUrl } },
    });
    const app = new App({ token: fake.botToken, receiver, logger: logs.logger, clientOptions: { slackApiUrl: fake.apiUrl } });
    apps.push(app);
    let mentions = 0;
    app.event('app_mention', async () => void mentions++);
    await app.start();
    fake.closeConnections({ abrupt: true });
    await fake.waitFor(() => fake.openConnections.length === 1 && fake.connections.length >= 2);
    await fake.expectAck(fake.sendEvent({ type: 'app_mention', user: fake.user('ana').id, text: 'hi', channel: alerts, ts: '1700000000.000200' }));
    await fake.waitFor(() => mentions === 1);
  });

  it('closes the link with a normal closure on app.stop()', async () => {
    const app = await startApp();
    await app.stop();
    apps.splice(apps.indexOf(app), 1);
    await fake.waitFor(() => fake.connections[0]!.closedAt !== undefined);
    expect(fake.connections[0]!.closeCode).toBe(1000);
  });

  it('tells which messages would notify a channel, and which are harmless', async () => {
    const app = await startApp();
    const posted = async (args: { text: string; blocks?: any[]; parse?: 'full' }) => fake.messageByTs((await app.client.chat.postMessage({ channel: alerts, ...args } as ChatPostMessageArguments)).ts!)!;
    const loud = await posted({ text: 'ping <!channel> and <!here|here>', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '<!everyone> <@U0BEN00001> <!subteam^S0LEADS001>' } }, { type: 'section', text: { type: 'plain_text', text: '<!channel>' } }] });
    expect(fake.mentionsIn(loud)).toEqual({ broadcasts: ['channel', 'here', 'everyone'], users: ['U0BEN00001'], groups: ['S0LEADS001'] });
    const escaped = await posted({ text: '&lt;!channel&gt; @here &lt;@U0BEN00001&gt;' });
    expect(fake.mentionsIn(escaped)).toEqual({ broadcasts: [], users: [], groups: [] });
    const parsed = await posted({ text: 'hey @here', parse: 'full' });
    expect(fake.mentionsIn(parsed).broadcasts).toEqual(['here']);
  });
});

describe('FakeSlack wire protocol (raw HTTP and WebSocket, no client library)', () => {
  let fake: FakeSlack;
  const sockets: WebSocket[] = [];
  beforeEach(async () => {
    fake = new FakeSlack();
    await fake.start();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await fake.stop();
  });

  const call = async (method: string, init: { token?: string; json?: unknown; form?: Record<string, string>; body?: string | Uint8Array; type?: string; get?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | Uint8Array | undefined = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json; charset=utf-8';
      body = JSON.stringify(init.json);
    }
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    if (init.type) headers['content-type'] = init.type;
    const response = await fetch(`${fake.apiUrl}${method}${init.get ? `?${init.get}` : ''}`, { method: init.get ? 'GET' : 'POST', headers, ...(body !== undefined ? { body } : {}) });
    return { status: response.status, body: await response.json() as any };
  };

  it('answers unauthenticated, malformed and invalid calls with Slack\'s errors and keeps serving', async () => {
    const bot = fake.botToken;
    const channel = fake.channelIds[0]!;
    expect((await call('chat.postMessage', { form: { channel, text: 'x' } })).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await call('chat.postMessage', { token: 'xoxb-wrong', form: { channel, text: 'x' } })).body).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await call('chat.postMessage', { form: { token: bot, channel, text: 'form token' } })).body).toMatchObject({ ok: true });
    expect((await call('chat.postMessage', { json: { token: bot, channel, text: 'JSON needs the header' } })).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await call('apps.connections.open', { token: bot })).body).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect((await call('chat.postMessage', { token: fake.appToken, json: { channel, text: 'x' } })).body).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect((await call('chat.postMessage', { token: bot, body: '{"channel":', type: 'application/json' })).body).toEqual({ ok: false, error: 'invalid_json' });
    expect((await call('chat.postMessage', { token: bot, body: '[1,2]', type: 'application/json; charset=utf-8' })).body).toEqual({ ok: false, error: 'json_not_object' });
    expect((await call('chat.postMessage', { token: bot, body: new Uint8Array([1, 2, 3]) })).body).toEqual({ ok: false, error: 'missing_post_type' });
    expect((await call('chat.postMessage', { token: bot, body: '<xml/>', type: 'application/xml' })).body).toEqual({ ok: false, error: 'invalid_post_type' });
    expect((await call('chat.postMessage', { token: bot, body: 'a=b', type: 'application/x-www-form-urlencoded; charset=koi8-r' })).body).toEqual({ ok: false, error: 'invalid_charset' });
    expect((await call('chat.fly', { token: bot, json: {} })).body).toEqual({ ok: false, error: 'unknown_method', req_method: 'chat.fly' });
    expect((await call('chat.postMessage', { token: bot, json: { channel: 'C0NOWHERE1', text: 'x' } })).body).toEqual({ ok: false, error: 'channel_not_found' });
    expect((await call('chat.postMessage', { token: bot, json: { channel } })).body).toEqual({ ok: false, error: 'no_text' });
    expect((await call('chat.postMessage', { token: bot, form: { channel, blocks: '[{"type":' } })).body).toEqual({ ok: false, error: 'invalid_blocks_format' });
    const tooMany = await call('chat.postMessage', { token: bot, json: { channel, text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) } });
    expect(tooMany.body).toMatchObject({ ok: false, error: 'invalid_blocks', response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] } });
    const tooLong = await call('chat.postMessage', { token: bot, json: { channel, text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(3001) } }] } });
    expect(tooLong.body.errors).toEqual(['must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
    expect((await call('chat.update', { token: bot, json: { channel, ts: '1.000001', text: 'x' } })).body).toEqual({ ok: false, error: 'message_not_found' });
    expect((await call('views.open', { token: bot, json: { trigger_id: 'made.up.trigger', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } } })).body).toEqual({ ok: false, error: 'invalid_trigger_id' });
    expect((await call('users.info', { token: bot, json: { user: 'U0NOBODY01' } })).body).toEqual({ ok: false, error: 'user_not_found' });
    const badView = await call('views.open', { token: bot, json: { trigger_id: fake.issueTrigger('U0ANA00001'), view: { type: 'modal', title: { type: 'plain_text', text: 'A title far too long for a modal' }, blocks: [{ type: 'input', label: { type: 'plain_text', text: 'Hours' }, element: { type: 'plain_text_input' } }] } } });
    expect(badView.body).toEqual({ ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]', '[ERROR] must provide submit when blocks contain input [json-pointer:/view/submit]'] } });
    fake.botScopes.delete('users:read');
    expect((await call('users.info', { token: bot, json: { user: 'U0ANA00001' } })).body).toMatchObject({ ok: false, error: 'missing_scope', needed: 'users:read' });
    expect((await call('chat.postMessage', { token: bot, body: JSON.stringify({ channel, text: 'no charset' }), type: 'application/json' })).body).toMatchObject({ ok: true, warning: 'missing_charset', response_metadata: { warnings: ['missing_charset'] } });
    expect((await call('conversations.history', { token: bot, get: `channel=${channel}&limit=1` })).body).toMatchObject({ ok: true, messages: [{ text: 'no charset' }], has_more: true });
    expect((await fetch(`${fake.base}/hooks/commands/T0/1/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${fake.base}/elsewhere`)).status).toBe(404);
    expect((await call('auth.test', { token: bot })).body).toMatchObject({ ok: true, user_id: fake.botUserId });
    expect(fake.internalErrors).toEqual([]);
  });

  it('greets a Socket Mode link with hello, refuses unknown or reused tickets and shrugs off garbage frames', async () => {
    const connect = (url: string) => {
      const socket = new WebSocket(url);
      sockets.push(socket);
      socket.on('error', () => {});
      const frames: any[] = [];
      socket.on('message', (data) => frames.push(JSON.parse(String(data))));
      return { socket, frames, opened: new Promise<number>((resolve) => { socket.once('open', () => resolve(101)); socket.once('unexpected-response', (req, res) => { req.destroy(); resolve(res.statusCode ?? 0); }); }) };
    };
    expect(await connect(`ws://127.0.0.1:${fake.port}/link/?ticket=made-up`).opened).toBe(401);
    const { url } = (await call('apps.connections.open', { token: fake.appToken })).body;
    const link = connect(url);
    expect(await link.opened).toBe(101);
    const [hello] = await fake.waitFor(() => link.frames.length > 0 && link.frames);
    expect(hello).toEqual({ type: 'hello', num_connections: 1, debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 }, connection_info: { app_id: fake.appId } });
    expect(await connect(url).opened).toBe(401);

    link.socket.send('not json');
    link.socket.send(JSON.stringify({ envelope_id: 'never-sent', payload: {} }));
    const envelope = fake.command('/triage', 'queue');
    const frame = await fake.waitFor(() => link.frames.find((f) => f.envelope_id === envelope.envelope_id));
    expect(frame).toEqual({ envelope_id: envelope.envelope_id, type: 'slash_commands', accepts_response_payload: true, payload: envelope.payload });
    link.socket.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'ok' } }));
    expect((await fake.expectAck(envelope)).payload).toEqual({ text: 'ok' });
    expect(fake.strayFrames).toEqual(['not json', JSON.stringify({ envelope_id: 'never-sent', payload: {} })]);
    fake.disconnect('warning');
    expect(await fake.waitFor(() => link.frames.find((f) => f.type === 'disconnect'))).toEqual({ type: 'disconnect', reason: 'warning', debug_info: { host: 'applink-fake-1' } });
    expect(fake.internalErrors).toEqual([]);
  });
});
