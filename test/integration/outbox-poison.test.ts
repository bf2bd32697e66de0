import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CardRenderError, type AlertCard, type Chat, type PostedMessage } from '../../src/chat/chat.js';
import { createConsoleChat } from '../../src/chat/console/console-chat.js';
import { connectDiscord } from '../../src/chat/discord/discord-chat.js';
import { decideFor, dispatchPending, type PipelineDeps } from '../../src/pipeline.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { runCli } from '../helpers/cli.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

/** A chat that cannot draw the cards of `poison` (as a renderer bug would), and posts the rest. */
function chatFailingOn(poison: Set<number>): Chat & { drawn: number[] } {
  const drawn: number[] = [];
  return {
    name: 'test',
    drawn,
    async postAlert(card: AlertCard): Promise<PostedMessage> {
      if (poison.has(card.alert.id)) throw new CardRenderError(card.alert.id, new RangeError('Invalid time value'));
      drawn.push(card.alert.id);
      return { channelId: 'c', messageId: `m${card.alert.id}` };
    },
    async close() {},
  };
}

describe('alerts whose card cannot be drawn', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fx = await pipelineFixture();
  });
  afterEach(() => fx.close());

  async function ingest(texts: string[], deps: PipelineDeps = fx.deps) {
    await fx.store.ingest({ source: 'test', mentions: texts.map((text, i) => mention({ text, author: { id: `p${i}`, handle: `p${i}` }, createdAt: Date.now() })), now: Date.now() }, decideFor(deps));
  }
  const errorsAbout = (alertId: number) => fx.logs.records.filter((r) => r.level >= 50 && r.alertId === alertId);

  it('are set aside with the reason, logged at error once, and never block or retry', async () => {
    await ingest(['the portal is down again', 'billing never called back', 'the parking lot is a mess']);
    const chat = chatFailingOn(new Set([2]));
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 2, failed: 1 });
    expect(chat.drawn).toEqual([1, 3]);
    expect(await fx.store.pendingAlerts(10)).toEqual([]);
    expect(await fx.store.outbox.undeliverable()).toEqual([{ alertId: 2, failedAt: expect.any(Number), reason: 'cannot draw the card of alert #2: Invalid time value' }]);
    expect(await fx.store.ops.gauges()).toMatchObject({ outboxDepth: 0, undeliverable: 1 });
    const doctor = await runCli(['doctor'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(doctor.stdout).toMatch(/^warn outbox: 1 alert\(s\) set aside because their card cannot be drawn \(first #2: cannot draw the card of alert #2: Invalid time value\)$/m);

    for (let run = 0; run < 3; run++) expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 0, failed: 0 });
    expect(errorsAbout(2)).toHaveLength(1);
    expect(errorsAbout(2)[0]!.msg).toMatch(/set aside/);

    // After a fix, an operator puts it back and the next run posts it.
    expect(await fx.store.outbox.putBack(2)).toBe(true);
    expect(await fx.store.outbox.countUndeliverable()).toBe(0);
    expect(await dispatchPending(chatFailingOn(new Set()), fx.deps, signal)).toMatchObject({ posted: 1 });
  });

  it('are set aside when building the card throws (a reply guard that fails on this post)', async () => {
    const deps: PipelineDeps = {
      ...fx.deps,
      guard: { check: (reply, text) => (text.includes('boom') ? (() => { throw new Error('guard exploded'); })() : fx.deps.guard.check(reply, text)) },
    };
    await ingest(['the portal is down again, boom', 'billing never called back'], deps);
    const chat = chatFailingOn(new Set());
    expect(await dispatchPending(chat, deps, signal)).toMatchObject({ posted: 1, failed: 1 });
    expect((await fx.store.outbox.undeliverable()).map((u) => u.reason)).toEqual(['guard exploded']);
  });

  it('in a storm, only the lead is set aside: the alerts it carried go out on another card', async () => {
    await ingest(Array.from({ length: 12 }, (_, i) => `@RiverbendHealth the ER wait tonight is 9 hours, disgraceful #${i}`));
    const lead = (await fx.store.pendingAlerts(1))[0]!.id;
    const chat = chatFailingOn(new Set([lead]));
    const result = await dispatchPending(chat, fx.deps, signal, { stormThreshold: 3 });
    expect(result).toMatchObject({ posted: 11, failed: 1 });
    expect((await fx.store.outbox.undeliverable()).map((u) => u.alertId)).toEqual([lead]);
    expect(await fx.store.pendingAlerts(20)).toEqual([]);
    // Nothing was sent for the card that failed: no lookup is owed for it.
    expect(await fx.store.outbox.unrecordedCards()).toEqual([]);
  });

  it('are not what a far-future post or a 1e308-minute target make: both renderers draw those', async () => {
    const absurd: PipelineDeps = { ...fx.deps };
    await fx.store.ingest({ source: 'test', mentions: [mention({ text: 'the portal is down again', createdAt: 8.6e15 })], now: Date.now() }, (m, context) => ({
      classification: fx.deps.classifier.classify(m.text, context),
      plan: { urgency: 'high', due: { firstResponseDueAt: 1e308 * 60_000, resolutionDueAt: 8.6e15 + 1e308 }, policyVersion: fx.deps.policy.version, nextSlaCheckAt: null },
    }));
    expect((await fx.store.getAlert(1))!.firstResponseDueAt).toBe(Number.POSITIVE_INFINITY);
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk) => (printed += String(chunk)));
    expect(await dispatchPending(createConsoleChat(out, { now: Date.now, timeZone: 'America/New_York' }), absurd, signal)).toMatchObject({ posted: 1, failed: 0 });
    expect(printed).toMatch(/first response due unknown time/);

    const fake = new FakeDiscord();
    await fake.start();
    const discord = await connectDiscord({
      config: { token: fake.token, apiBaseUrl: fake.apiBase, alertChannelId: fake.channelIds[0]!, actorRoleIds: [], stormThreshold: 20 },
      log: fx.log,
      now: Date.now,
    });
    try {
      fx.store.db.prepare('UPDATE alerts SET chat_message_id = NULL').run();
      expect(await dispatchPending(discord, absurd, signal)).toMatchObject({ posted: 1, failed: 0 });
      const [card] = fake.messagesIn(fake.channelIds[0]!);
      expect(card!.embeds[0].fields.find((f: { name: string }) => f.name === 'First response due').value).toBe('unknown time (unknown time)');
    } finally {
      await discord.close();
      await fake.stop();
    }
  });
});
