/**
 * The source conformance suite: the same cases, run against every adapter with its real client
 * talking to its local fake. A platform joins by writing a {@link SourceDriver} and calling
 * {@link runSourceConformance} from `test/sources/<platform>.test.ts`:
 *
 * ```ts
 * runSourceConformance('Facebook Page', () => facebookDriver());
 * ```
 *
 * The driver owns the fake (started in `start`, stopped in `stop`, both awaited by the suite in
 * beforeEach/afterEach) and builds the adapter against it. It speaks in platform-neutral terms:
 *
 * - `createSource({ log, policy, store })` builds a NEW adapter, as a restarted process would: all it
 *   may remember between polls is what it put in the database (cursors, and for Bluesky the session
 *   in `source_sessions`). It must use the given retry policy, small pages (`pageSize`, so that a
 *   dozen items span several pages) and a short request timeout (the `hang` fault must not take long).
 * - `addMention({ ageMs, text })` puts on the platform something the account must hear about (a
 *   mention, a comment, a review), posted `ageMs` ago; without `ageMs`, newer than anything before.
 *   It returns the id the adapter stores as `nativeId`.
 * - `addOwnReply(item, at)` is the account's own answer to `item`, posted at `at` (epoch ms).
 * - `fail(fault)`: the next request of the main stream fails that way: `rate-limit` (reset in
 *   `resetInSeconds`, with the platform's own headers), `server-error` (5xx), `bad-body` (a body the
 *   client cannot read), `hang` (never answers), `auth` (credentials refused). `times` repeats it.
 * - `remove(item)` deletes it on the platform; `edit(item, text)` edits it where the platform
 *   allows edits (leave it out otherwise).
 * - A driver is also built (never started) while the suite is collected, to see its capabilities:
 *   its constructor must not start anything.
 * - Capabilities are optional members: `emptyPageNext` (the next page of the main stream comes back
 *   empty but still points to more: Bluesky's reasons filter, a Graph page of hidden comments),
 *   `addMentionFoundTwice` (one item found by two streams, e.g. mentions and keyword search).
 *   A case whose capability is missing is skipped, not failed.
 * - `cursorRereads`: how many items at the cursor a poll reads again (stored once, counted as
 *   duplicates). Graph times have whole seconds, so Facebook reads the newest second again rather
 *   than miss a comment written in the same second after the poll; 0 when left out.
 * - `mainStream` names the stream whose cursor the suite inspects; `authHint` is what the single
 *   error line on an auth failure must contain (the variable to fix).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { pollSource } from '../../src/pipeline.js';
import type { RequestPolicy } from '../../src/sources/request-policy.js';
import type { Source, SourceBatch } from '../../src/sources/source.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { pipelineFixture } from '../helpers/pipeline.js';

export type SourceFault =
  | { kind: 'rate-limit'; resetInSeconds: number }
  | { kind: 'server-error' }
  | { kind: 'bad-body' }
  | { kind: 'hang' }
  | { kind: 'auth' };

export interface DriverItem {
  nativeId: string;
}

export interface SourceDriver {
  /** `mentions.platform` and the source's name. */
  platform: string;
  mainStream: string;
  /** Items per page the adapter is built with. */
  pageSize: number;
  /** The first poll reads back this many hours. */
  backfillHours: number;
  authHint: RegExp;
  start(): Promise<void>;
  stop(): Promise<void>;
  createSource(ctx: { log: Logger; policy: RequestPolicy; store: SqliteStore }): Source;
  addMention(options?: { ageMs?: number; text?: string }): DriverItem;
  addOwnReply(to: DriverItem, at: number): DriverItem;
  fail(fault: SourceFault, times?: number): void;
  remove(item: DriverItem): void;
  /** Requests the adapter made to the main stream so far. */
  mainStreamRequests(): number;
  edit?(item: DriverItem, text: string): void;
  emptyPageNext?(): void;
  addMentionFoundTwice?(): DriverItem;
  cursorRereads?: number;
}

const COMPLAINT = 'still waiting on my bill after three calls, nobody called me back';
const POLICY: RequestPolicy = { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, maxInlineWaitMs: 5000 };

export function runSourceConformance(name: string, makeDriver: () => SourceDriver): void {
  describe(`${name} source conformance (real client against its fake)`, () => {
    let driver: SourceDriver;
    let fx: Awaited<ReturnType<typeof pipelineFixture>>;
    const signal = new AbortController().signal;

    beforeEach(async () => {
      driver = makeDriver();
      await driver.start();
      fx = await pipelineFixture();
    });
    afterEach(async () => {
      fx.close();
      await driver.stop();
    });

    const source = (policy: RequestPolicy = POLICY) => driver.createSource({ log: fx.log, policy, store: fx.store });
    const poll = (src: Source = source()) => pollSource(src, fx.deps, signal);
    const mentions = (count: number) => Array.from({ length: count }, (_, i) => driver.addMention({ text: `${COMPLAINT} (${i})` }));
    const stored = () => (fx.store.db.prepare('SELECT native_id FROM mentions WHERE platform = ? ORDER BY native_id').pluck().all(driver.platform) as string[]);
    const ids = (items: DriverItem[]) => items.map((i) => i.nativeId).sort();
    const cursor = async () => await fx.store.getCursor(driver.platform, driver.mainStream);
    const errors = () => fx.logs.records.filter((r) => r.level >= 50);

    it('reads back the backfill window on the first poll and sets the cursor', async () => {
      driver.addMention({ ageMs: (driver.backfillHours + 2) * 3600_000, text: `${COMPLAINT} (too old)` });
      const recent = mentions(3);
      expect(await poll()).toMatchObject({ inserted: 3 });
      expect(stored()).toEqual(ids(recent));
      expect((await cursor())).toBeDefined();
    });

    it('pages through everything, stores each once, and puts the cursor only on the last batch of the sweep', async () => {
      const items = mentions(driver.pageSize * 2 + 2);
      driver.emptyPageNext?.();
      const batches: SourceBatch[] = [];
      for await (const batch of source().poll(() => undefined, signal)) if (batch.stream === driver.mainStream) batches.push(batch);
      expect(batches.length).toBeGreaterThanOrEqual(3);
      expect(batches.slice(0, -1).every((b) => b.cursor === undefined)).toBe(true);
      expect(batches.at(-1)!.cursor).toBeDefined();
      expect(await poll()).toMatchObject({ inserted: items.length, duplicates: 0 });
      expect(stored()).toEqual(ids(items));
    });

    it.skipIf(!makeDriver().emptyPageNext)('follows an empty page that still points to more', async () => {
      const older = mentions(2);
      await poll();
      const newer = mentions(3);
      driver.emptyPageNext!();
      expect(await poll()).toMatchObject({ inserted: 3 });
      expect(stored()).toEqual(ids([...older, ...newer]));
    });

    it('resumes from the cursor after a restart: nothing twice, nothing lost', async () => {
      const first = mentions(3);
      await poll();
      const before = (await cursor());
      const second = mentions(driver.pageSize + 1);
      const restarted = source();
      const again = driver.cursorRereads ?? 0;
      expect(await poll(restarted)).toMatchObject({ read: second.length + again, inserted: second.length, duplicates: again });
      expect(await cursor()).not.toBe(before);
      expect(await poll(restarted)).toMatchObject({ read: again, inserted: 0 });
      expect(await poll(source())).toMatchObject({ read: again, inserted: 0 });
      expect(stored()).toEqual(ids([...first, ...second]));
    });

    it.skipIf(!makeDriver().addMentionFoundTwice)('stores an item found by two streams once', async () => {
      const item = driver.addMentionFoundTwice!();
      const result = await poll();
      expect(result.inserted).toBe(1);
      expect(result.duplicates).toBeGreaterThanOrEqual(1);
      expect(stored()).toEqual([item.nativeId]);
    });

    it('marks the alert responded when the account replies on the platform, at the reply\'s time', async () => {
      const [complaint] = mentions(1);
      await poll();
      const alertOf = () => fx.store.db.prepare('SELECT a.state, a.first_response_at AS at, a.responded_by AS by FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE m.platform = ? AND m.native_id = ?').get(driver.platform, complaint!.nativeId) as { state: string; at: number | null; by: string | null };
      expect(alertOf().state).toBe('open');
      const repliedAt = Math.floor((Date.now() - 60_000) / 1000) * 1000;
      const reply = driver.addOwnReply(complaint!, repliedAt);
      expect(await poll(source())).toMatchObject({ responded: 1 });
      expect(alertOf()).toEqual({ state: 'responded', at: repliedAt, by: `${driver.platform}:reply` });
      expect(stored()).not.toContain(reply.nativeId);
    });

    it('waits out a 429 whose reset is near, then finishes the sweep', async () => {
      const items = mentions(3);
      driver.fail({ kind: 'rate-limit', resetInSeconds: 1 });
      expect(await poll()).toMatchObject({ inserted: 3 });
      expect(stored()).toEqual(ids(items));
      expect(fx.logs.records.some((r) => /rate limit reached; waiting for the reset/.test(r.msg))).toBe(true);
    });

    it('pauses the stream on a 429 whose reset is far, without moving the cursor', async () => {
      mentions(3);
      driver.fail({ kind: 'rate-limit', resetInSeconds: 600 });
      const src = source({ ...POLICY, maxInlineWaitMs: 1000 });
      expect(await poll(src)).toMatchObject({ inserted: 0 });
      expect((await cursor())).toBeUndefined();
      const before = driver.mainStreamRequests();
      await poll(src);
      expect(driver.mainStreamRequests()).toBe(before);
      expect(fx.logs.records.some((r) => /stream paused until the reset/.test(r.msg))).toBe(true);
    });

    it('retries 5xx answers, unreadable bodies and hung requests with backoff', async () => {
      const items = mentions(3);
      driver.fail({ kind: 'server-error' });
      driver.fail({ kind: 'bad-body' });
      driver.fail({ kind: 'hang' });
      expect(await poll(source({ ...POLICY, retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 } }))).toMatchObject({ inserted: 3 });
      expect(stored()).toEqual(ids(items));
      expect(fx.logs.records.filter((r) => /request failed; retrying/.test(r.msg)).length).toBeGreaterThanOrEqual(3);
    });

    it('gives up for this poll after the last retry and keeps the cursor where it was', async () => {
      mentions(2);
      await poll();
      const before = (await cursor());
      mentions(2);
      driver.fail({ kind: 'server-error' }, 10);
      expect(await poll()).toMatchObject({ inserted: 0 });
      expect((await cursor())).toBe(before);
      expect(fx.logs.records.some((r) => /the stream resumes from its cursor on the next poll/.test(r.msg))).toBe(true);
    });

    it('stops on an auth failure with one clear line naming the setting, and asks no more', async () => {
      mentions(2);
      driver.fail({ kind: 'auth' }, 20);
      const src = source();
      await poll(src);
      expect(errors()).toHaveLength(1);
      expect(errors()[0]!.msg).toMatch(driver.authHint);
      expect(errors()[0]!.msg).toMatch(/stopped until restart/);
      const before = driver.mainStreamRequests();
      await poll(src);
      expect(driver.mainStreamRequests()).toBe(before);
      expect(errors()).toHaveLength(1);
      expect(stored()).toEqual([]);
      expect((await cursor())).toBeUndefined();
    });

    it('keeps a stored item that is deleted later, and a deleted cursor item does not make it read all history again', async () => {
      const old = mentions(driver.pageSize * 2);
      await poll();
      const requestsAfterFirst = driver.mainStreamRequests();
      driver.remove(old.at(-1)!);
      const fresh = mentions(1);
      expect(await poll(source())).toMatchObject({ inserted: 1 });
      expect(stored()).toEqual(ids([...old, ...fresh]));
      expect(driver.mainStreamRequests() - requestsAfterFirst).toBeLessThanOrEqual(2);
    });

    it.skipIf(!makeDriver().edit)('stores an edited item once, keeping what was classified', async () => {
      const [item] = mentions(1);
      await poll();
      driver.edit!(item!, 'edited: all sorted now, thanks');
      await poll(source());
      expect(stored()).toEqual([item!.nativeId]);
    });
  });
}
