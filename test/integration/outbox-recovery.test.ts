import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordConfig } from '../../src/config.js';
import { connectDiscord, type DiscordChat } from '../../src/chat/discord/discord-chat.js';
import { cardAlertId } from '../../src/chat/discord/render-alert-card.js';
import { alertsOf, cardFor, decideFor, dispatchPending, nonceFor, runSlaSweep } from '../../src/pipeline.js';
import { FakeDiscord, type FakeMessage } from '../fakes/fake-discord.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

/**
 * The outbox after a crash between Discord accepting a message and the store recording it, against
 * a fake that ignores nonces (as Discord does once its few-minute window has passed).
 */
describe('the outbox looks before it reposts (real discord.js against a fake that ignores nonces)', () => {
  let fake: FakeDiscord;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let chat: DiscordChat;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeDiscord();
    fake.honourNonces = false;
    await fake.start();
    fx = await pipelineFixture();
    const config: DiscordConfig = {
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
    chat = await connectDiscord({ config, log: fx.log, now: fx.deps.now, messageOf: async (id) => await fx.store.messageOf(id) });
  });
  afterEach(async () => {
    await chat.close();
    await fake.stop();
    fx.close();
  });

  async function ingest(...texts: string[]) {
    await fx.store.ingest({ source: 'test', mentions: texts.map((text) => mention({ text, createdAt: Date.now() })), now: Date.now() }, decideFor(fx.deps));
  }
  /** What a process did before it was killed: recorded the attempt, sent the card, died before recording it. */
  async function sendThenDie(alertId: number, grouped: number[] = []) {
    const alert = (await fx.store.getAlert(alertId))!;
    await fx.store.outbox.markAttempted(alertId, grouped, Date.now());
    await chat.postAlert({ ...(await cardFor(alert, fx.deps)), grouped: await alertsOf(fx.store, grouped) }, nonceFor(alertId));
  }
  const cards = () => [...fake.messages.values()].filter((m) => cardAlertId(m) !== undefined);
  const cardsFor = (alertId: number) => cards().filter((m) => cardAlertId(m) === alertId);
  const posts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
  const lookups = () => fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/messages'));

  it('records a card Discord accepted before the crash instead of posting it again', async () => {
    await ingest('the portal is down again and nobody answers the phone');
    await sendThenDie(1);
    const sent = cardsFor(1)[0]!;
    const result = await dispatchPending(chat, fx.deps, signal);
    expect(result).toMatchObject({ posted: 0, recovered: 1, failed: 0 });
    expect(cardsFor(1)).toHaveLength(1);
    expect(await fx.store.messageOf(1)).toEqual({ channelId: fake.channelIds[0], messageId: sent.id });
    expect(await fx.store.pendingAlerts(10)).toEqual([]);
    expect(fx.logs.records.some((r) => r.msg === 'card was posted before a restart; recorded it instead of posting again' && r.alertId === 1)).toBe(true);
  });

  it('pays no lookup when no alert was attempted before', async () => {
    await ingest('the portal is down again', 'billing never called back', 'my dad has crushing chest pain, ER or 911?');
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 3, recovered: 0 });
    expect(lookups()).toEqual([]);
    // A second run with nothing pending reads nothing either.
    await dispatchPending(chat, fx.deps, signal);
    expect(lookups()).toEqual([]);
  });

  it('covers every unrecorded card with one read per channel, and posts those not found once', async () => {
    await ingest('the portal is down again', 'billing never called back', 'the parking lot is a mess', 'my dad has crushing chest pain, ER or 911?', 'chest pain and my arm is numb, ER or 911?');
    const ids = (await fx.store.pendingAlerts(10)).map((a) => a.id);
    const critical = (await fx.store.pendingAlerts(10)).filter((a) => a.urgency === 'critical').map((a) => a.id);
    expect(critical).toHaveLength(2);
    const [sentCritical, lostCritical] = critical as [number, number];
    const regular = ids.filter((id) => !critical.includes(id));
    await sendThenDie(sentCritical);
    await sendThenDie(regular[0]!);
    // Attempted, but the send never reached Discord (killed before it left).
    await fx.store.outbox.markAttempted(lostCritical, [], Date.now());
    await fx.store.outbox.markAttempted(regular[1]!, [], Date.now());
    const before = posts().length;

    const result = await dispatchPending(chat, fx.deps, signal);
    expect(result).toMatchObject({ recovered: 2, posted: 3 });
    expect(lookups().map((r) => r.path).sort()).toEqual([`/channels/${fake.channelIds[0]}/messages`, `/channels/${fake.channelIds[1]}/messages`].sort());
    expect(posts().length - before).toBe(3);
    for (const id of ids) expect(cardsFor(id)).toHaveLength(1);
    expect(await fx.store.pendingAlerts(10)).toEqual([]);
  });

  it('reads further pages while the card is missing and the page is newer than the attempt', async () => {
    await ingest('the portal is down again');
    await sendThenDie(1);
    for (let i = 0; i < 230; i++) fake.postAsMember(fake.channelIds[0]!, `chatter ${i}`);
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ recovered: 1, posted: 0 });
    expect(lookups()).toHaveLength(3);
    expect(lookups()[1]!.path).toBe(`/channels/${fake.channelIds[0]}/messages`);
    expect(cardsFor(1)).toHaveLength(1);
  });

  it('takes only its own messages for cards, not a look-alike someone else posted', async () => {
    await ingest('the portal is down again');
    const alert = (await fx.store.getAlert(1))!;
    await fx.store.outbox.markAttempted(1, [], Date.now());
    fake.postAsMember(fake.channelIds[0]!, '', { embeds: [{ footer: { text: 'alert #1 · x · SLA policy v1' } }], components: [{ type: 1, components: [{ type: 2, custom_id: 't:claim:1' }] }] });
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ recovered: 0, posted: 1 });
    expect((await fx.store.messageOf(alert.id))!.messageId).not.toBe([...fake.messages.values()][0]!.id);
  });

  it('restores a storm card with every alert it carried', async () => {
    const texts = Array.from({ length: 30 }, (_, i) => `@RiverbendHealth the ER wait tonight is 9 hours, disgraceful #${i}`);
    await fx.store.ingest({ source: 'test', mentions: texts.map((text, i) => mention({ text, author: { id: `s${i}`, handle: `s${i}` }, createdAt: Date.now() })), now: Date.now() }, decideFor(fx.deps));
    const pending = (await fx.store.pendingAlerts(100)).map((a) => a.id);
    const [lead, ...members] = pending as [number, ...number[]];
    await sendThenDie(lead, members);
    expect(await dispatchPending(chat, fx.deps, signal, { stormThreshold: 5 })).toMatchObject({ recovered: 30, posted: 0 });
    expect(cards()).toHaveLength(1);
    expect(await fx.store.groupMembers(lead)).toEqual(members);
    // Redrawn with what changed since: a storm card found after a crash is marked stale and refreshed.
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/messages/${cardsFor(lead)[0]!.id}`))).toBe(true);
  });

  it('posts anyway, warning once, when the bot may not read the channel history', async () => {
    fake.failHistoryWith = 403;
    await ingest('the portal is down again');
    await sendThenDie(1);
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ recovered: 0, posted: 1 });
    expect(fx.logs.records.filter((r) => String(r.msg).startsWith('cannot read the channel history'))).toHaveLength(1);
    expect(await fx.store.pendingAlerts(5)).toEqual([]);
  });

  it('sends nothing while the lookup cannot reach Discord, and recovers when it answers', async () => {
    await ingest('the portal is down again', 'billing never called back');
    await sendThenDie(1);
    fake.failRestWith = 502;
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ recovered: 0, posted: 0 });
    fake.failRestWith = undefined;
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ recovered: 1, posted: 1 });
    expect(cardsFor(1)).toHaveLength(1);
    expect(cardsFor(2)).toHaveLength(1);
  });

  it('records an SLA reminder sent before the crash instead of sending it again, even if the alert was claimed since', async () => {
    let clock = Date.now();
    const deps = { ...fx.deps, now: () => clock };
    await fx.store.ingest({ source: 'test', mentions: [mention({ text: 'my dad has crushing chest pain, ER or 911?', createdAt: clock })], now: clock }, decideFor(deps), deps.policies.resume);
    await dispatchPending(chat, deps, signal);
    clock += 31 * 60_000;
    await fx.store.sweepSla(clock, deps.policies.eventsOf);
    const [reminder] = await fx.store.pendingNotifications(10);
    expect(reminder!.kind).toBe('reminder-50');
    await fx.store.outbox.markNotificationAttempted(reminder!.id, clock);
    await chat.postNotification!(reminder!, `triage-sla-${reminder!.id}`);
    const sent = [...fake.messages.values()].at(-1)!;
    await fx.store.applyAction(1, 'claim', '@ana', clock);

    const result = await runSlaSweep(chat, deps, signal);
    expect(result.sent).toBe(0);
    expect(fake.messagesIn(fake.channelIds[0]!).filter((m: FakeMessage) => m.content.includes('Reminder: alert #1'))).toHaveLength(1);
    expect((await fx.store.notifications(1)).map((n) => `${n.kind}:${n.status}`)).toEqual(['reminder-50:sent']);
    expect(fx.store.db.prepare('SELECT message_id FROM sla_notifications WHERE id = ?').pluck().get(reminder!.id)).toBe(sent.id);
  });

  it('sends an attempted SLA notification that never reached Discord, once', async () => {
    let clock = Date.now();
    const deps = { ...fx.deps, now: () => clock };
    await fx.store.ingest({ source: 'test', mentions: [mention({ text: 'my dad has crushing chest pain, ER or 911?', createdAt: clock })], now: clock }, decideFor(deps), deps.policies.resume);
    await dispatchPending(chat, deps, signal);
    clock += 61 * 60_000;
    await fx.store.sweepSla(clock, deps.policies.eventsOf);
    const [breach] = await fx.store.pendingNotifications(10);
    await fx.store.outbox.markNotificationAttempted(breach!.id, clock);
    expect((await runSlaSweep(chat, deps, signal)).sent).toBe(1);
    expect(fake.messagesIn(fake.channelIds[1]!).filter((m: FakeMessage) => m.content.includes('Past target: alert #1'))).toHaveLength(1);
    expect(lookups()).toHaveLength(1);
  });

  it('lists messages as Discord does: newest first, limit and before, embeds and components, no nonce', async () => {
    await ingest('the portal is down again', 'billing never called back', 'the parking lot is a mess');
    await dispatchPending(chat, fx.deps, signal);
    const [first, second] = (await chat.client.rest.get(`/channels/${fake.channelIds[0]}/messages`, { query: new URLSearchParams({ limit: '2' }) })) as FakeMessage[];
    expect(BigInt(first!.id) > BigInt(second!.id)).toBe(true);
    expect(first).not.toHaveProperty('nonce');
    expect(first!.embeds[0]).toMatchObject({ type: 'rich', footer: { text: expect.stringMatching(/^alert #\d+ · /) } });
    expect(first!.components[0].components[0].custom_id).toMatch(/^t:claim:\d+$/);
    const older = (await chat.client.rest.get(`/channels/${fake.channelIds[0]}/messages`, { query: new URLSearchParams({ before: second!.id }) })) as FakeMessage[];
    expect(older.map((m) => m.id)).toEqual(fake.messagesIn(fake.channelIds[0]!).slice(0, 1).map((m) => m.id));
    expect((await fx.store.ops.gauges()).outboxDepth).toBe(0);
  });
});
