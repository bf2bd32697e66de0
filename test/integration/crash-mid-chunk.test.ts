import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertCard, Chat } from '../../src/chat/chat.js';
import { connectDiscord, type DiscordChat } from '../../src/chat/discord/discord-chat.js';
import { PAGE } from '../../src/chat/discord/find-posted.js';
import { cardAlertId } from '../../src/chat/discord/render-alert-card.js';
import type { DiscordConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { CARD_CHUNK, decideFor, dispatchPending, type PipelineDeps } from '../../src/pipeline.js';
import type { Store } from '../../src/store/store-port.js';
import { storePolicyBook } from '../../src/triage/policy-book.js';
import { createReplyGuard } from '../../src/triage/reply-guard.js';
import { createMetrics } from '../../src/web/metrics.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { mention } from '../helpers/mentions.js';
import { storeBackends, type StorePlace } from '../helpers/store-backends.js';
import { classifier, lexicon, rawPolicy, templates } from '../helpers/setup.js';

// Fixed for the whole test: the lookup reads back from the attempt, and every message is newer.
const NOW = Date.now();
const STORM = { stormThreshold: 20 };
/** Storm members first (low ids), then the critical posts: the newest cards of a chunk have the highest ids. */
const STORM_POSTS = 1100;
const CRITICAL_POSTS = 40;

async function depsFor(store: Store): Promise<PipelineDeps> {
  const policies = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', NOW);
  return { store, classifier: classifier(), policy: policies.current, policies, templates, guard: createReplyGuard(lexicon), log: createLogger('silent'), now: () => NOW, metrics: createMetrics() };
}

/**
 * A crash in the middle of a chunk of cards, without a clock or a signal: the chat accepts the
 * `dieAfter`-th card and the process never hears back (its dispatch never resumes, as if SIGKILLed
 * between the chat's answer and the chunk's commit). `aborted` stops the run instead, as SIGTERM does.
 */
function dyingChat(chat: Chat, dieAfter: number, stop?: AbortController): Chat {
  let accepted = 0;
  return Object.assign(Object.create(chat) as Chat, {
    async postAlert(card: AlertCard, nonce: string) {
      const message = await chat.postAlert(card, nonce);
      if (++accepted === dieAfter) {
        if (!stop) return new Promise(() => {});
        stop.abort();
      }
      return message;
    },
  });
}

for (const backend of storeBackends('crash')) {
  describe.skipIf(backend.missing !== undefined)(`a crash mid-chunk on ${backend.name}${backend.missing ? ` (skipped: ${backend.missing})` : ''}`, { timeout: 60_000 }, () => {
    let fake: FakeDiscord;
    let place: StorePlace;
    const open: Array<{ store: Store; chat: DiscordChat }> = [];

    beforeAll(() => backend.setup(), 60_000);
    afterAll(() => backend.teardown());
    beforeEach(async () => {
      fake = new FakeDiscord();
      fake.honourNonces = false;
      await fake.start();
      place = backend.place();
    });
    afterEach(async () => {
      for (const { store, chat } of open.splice(0)) {
        await chat.close();
        await store.close();
      }
      await fake.stop();
    });

    /** A process: its own store connection and Discord client (on PostgreSQL a new instance id). */
    async function start(): Promise<{ store: Store; chat: DiscordChat; deps: PipelineDeps }> {
      const store = await place.open();
      const config: DiscordConfig = {
        token: fake.token, apiBaseUrl: fake.apiBase, appId: fake.appId, guildId: fake.guildId,
        alertChannelId: fake.channelIds[0]!, urgentChannelId: fake.channelIds[1]!, leadRoleId: fake.roles.lead, actorRoleIds: [fake.roles.actor], stormThreshold: STORM.stormThreshold,
      };
      const deps = await depsFor(store);
      const chat = await connectDiscord({ config, log: deps.log, now: deps.now, messageOf: async (id) => await store.messageOf(id) });
      open.push({ store, chat });
      return { store, chat, deps };
    }
    /** What a SIGKILL leaves: the connection and client gone, the dispatch never resumed. */
    async function die(process: { store: Store; chat: DiscordChat }): Promise<void> {
      open.splice(open.findIndex((p) => p.store === process.store), 1);
      await process.chat.close();
      await process.store.close();
    }

    /** Until the fake has created `n` messages: the event, not a timer. */
    async function messages(n: number): Promise<void> {
      if (fake.messages.size >= n) return;
      await new Promise<void>((resolve) => {
        fake.onMessageCreated = () => {
          if (fake.messages.size < n) return;
          fake.onMessageCreated = undefined;
          resolve();
        };
      });
    }

    let alertIds: number[] = [];
    async function ingestStorm(store: Store, deps: PipelineDeps): Promise<void> {
      const complaints = ['the patient portal is down again and I cannot see my results', 'charged twice for the same visit, nobody calls back'];
      const storm = Array.from({ length: STORM_POSTS }, (_, i) => mention({ text: `${complaints[i % 2]} #${i}`, createdAt: NOW - 60_000 }));
      const critical = Array.from({ length: CRITICAL_POSTS }, (_, i) => mention({ text: `my dad has crushing chest pain, ER or 911? #${i}`, createdAt: NOW - 60_000 }));
      await store.ingest({ source: 'x', mentions: storm, now: NOW }, decideFor(deps));
      await store.ingest({ source: 'x', mentions: critical, now: NOW }, decideFor(deps));
      const pending = await store.pendingAlerts(5000);
      expect(pending).toHaveLength(STORM_POSTS + CRITICAL_POSTS);
      alertIds = pending.map((a) => a.id).sort((a, b) => a - b);
      expect(pending.filter((a) => a.urgency === 'critical').map((a) => a.id).sort((a, b) => a - b)).toEqual(alertIds.slice(-CRITICAL_POSTS));
    }

    /** Every alert on exactly one card, recorded with the card it is on; no card twice. */
    async function expectEachAlertOnOneCard(store: Store): Promise<void> {
      const cards = [...fake.messages.values()].filter((m) => cardAlertId(m) !== undefined);
      const perLead = new Map<number, number>();
      for (const card of cards) perLead.set(cardAlertId(card)!, (perLead.get(cardAlertId(card)!) ?? 0) + 1);
      expect([...perLead].filter(([, n]) => n > 1), 'no card posted twice').toEqual([]);
      expect(await store.pendingAlerts(5000)).toEqual([]);
      const onCards = new Map<string, number>();
      for (const id of alertIds) {
        const message = await store.messageOf(id);
        expect(message, `alert #${id} recorded`).toBeDefined();
        onCards.set(message!.messageId, (onCards.get(message!.messageId) ?? 0) + 1);
      }
      // A storm card is one message for all it carries: the recorded messages are exactly the cards.
      expect([...onCards.keys()].sort()).toEqual(cards.map((c) => c.id).sort());
    }

    it('fits a chunk of cards in one page of what the lookup reads back', () => {
      expect(CARD_CHUNK).toBeLessThanOrEqual(PAGE);
    });

    // The chunk is 40 critical cards (the newest alerts) then two storm cards carrying 1,100: killed
    // after the first card, among the critical ones, after the first storm card, and after the last
    // card of the chunk (everything sent, nothing of it recorded).
    for (const dieAfter of [1, 25, CRITICAL_POSTS + 1, CRITICAL_POSTS + 2]) {
      it(`posts every alert once after a kill following card ${dieAfter} of the chunk`, async () => {
        const first = await start();
        await ingestStorm(first.store, first.deps);
        void dispatchPending(dyingChat(first.chat, dieAfter), first.deps, new AbortController().signal, STORM);
        await messages(dieAfter);
        await die(first);

        const next = await start();
        const result = await dispatchPending(next.chat, next.deps, new AbortController().signal, STORM);
        expect(result.recovered, 'the cards sent before the kill were found, not posted again').toBeGreaterThanOrEqual(dieAfter);
        await expectEachAlertOnOneCard(next.store);
      });
    }

    it('posts every alert once over two kills in a row, the second during the recovery run', async () => {
      const first = await start();
      await ingestStorm(first.store, first.deps);
      void dispatchPending(dyingChat(first.chat, 10), first.deps, new AbortController().signal, STORM);
      await messages(10);
      await die(first);
      const second = await start();
      void dispatchPending(dyingChat(second.chat, 20), second.deps, new AbortController().signal, STORM);
      await messages(30);
      await die(second);
      const third = await start();
      await dispatchPending(third.chat, third.deps, new AbortController().signal, STORM);
      await expectEachAlertOnOneCard(third.store);
    });

    it('records what a stopped chunk sent and forgets the attempts of the rest: the next run looks for nothing', async () => {
      const first = await start();
      await ingestStorm(first.store, first.deps);
      const stop = new AbortController();
      const stopped = await dispatchPending(dyingChat(first.chat, 25, stop), first.deps, stop.signal, STORM);
      expect(stopped.posted).toBe(25);
      expect(await first.store.outbox.unrecordedCards()).toEqual([]);
      await dispatchPending(first.chat, first.deps, new AbortController().signal, STORM);
      expect(fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/messages'))).toEqual([]);
      await expectEachAlertOnOneCard(first.store);
    });
  });
}
