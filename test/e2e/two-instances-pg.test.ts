import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cardAlertId } from '../../src/chat/discord/render-alert-card.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { postgresMissing, startPgCluster, type PgCluster } from '../helpers/postgres.js';
import { writeComplaintReplay, fakeDiscordEnv } from '../helpers/replay.js';
import { tempDir } from '../helpers/setup.js';

const MENTIONS = 2000;
const missing = postgresMissing();

/**
 * Two instances on one PostgreSQL database, each a built `triage poll --once --replay` of the same
 * 2,000 mentions against one fake Discord that ignores nonces (as Discord does a few minutes on),
 * running at the same time; one is SIGKILLed mid-run, and a third run finishes what it held. Every
 * alert must be on exactly one card.
 */
describe.skipIf(missing !== undefined)(`two instances on one PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 240_000 }, () => {
  let cluster: PgCluster;
  let fake: FakeDiscord;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let replay: string;
  let n = 0;

  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());

  beforeEach(async () => {
    fake = new FakeDiscord();
    fake.honourNonces = false;
    await fake.start();
    temp = tempDir();
    env = { DATABASE_URL: cluster.createDatabase(`instances_${++n}`), ...fakeDiscordEnv(fake) };
    replay = writeComplaintReplay(temp.dir, MENTIONS);
  });
  afterEach(async () => {
    fake.onMessageCreated = undefined;
    await stopSpawned();
    await fake.stop();
    temp.cleanup();
  });

  async function query<T>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it(`cards each of ${MENTIONS} replayed mentions' alerts once while one of two instances is SIGKILLed mid-run`, async () => {
    // A claims the whole outbox (its storm plan spans it) and posts; B starts while A is posting and
    // must leave A's claims alone; A is SIGKILLed mid-run; the next run takes over what A held at
    // once (its liveness lock died with it) and looks in the channel for the card A was sending.
    let victim: ChildProcess | undefined;
    let created = 0;
    let other: Promise<Awaited<ReturnType<typeof runCli>>> | undefined;
    fake.onMessageCreated = () => {
      created++;
      if (created === 100) other = runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 120_000 });
      if (created === 250) victim!.kill('SIGKILL');
    };
    const a = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, onSpawn: (c) => (victim = c), timeoutMs: 180_000 });
    expect(a.code, `A was killed mid-run: ${a.stderr.slice(-2000)}`).toBe(-1);
    const b = await other!;
    expect(b.code, b.stderr.slice(-2000)).toBe(0);
    expect(b.stderr).toMatch(/ 0 posted/);
    fake.onMessageCreated = undefined;
    const last = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 120_000 });
    expect(last.code, last.stderr.slice(-2000)).toBe(0);
    expect(last.stderr).not.toMatch(/ 0 posted/);

    const alerts = await query<{ id: number; chat_message_id: string | null; coalesced_into: number | null }>('SELECT id, chat_message_id, coalesced_into FROM alerts ORDER BY id');
    expect(alerts.length).toBe(MENTIONS);
    const cards = [...fake.messages.values()].filter((m) => cardAlertId(m) !== undefined);
    const perLead = new Map<number, number>();
    for (const card of cards) perLead.set(cardAlertId(card)!, (perLead.get(cardAlertId(card)!) ?? 0) + 1);
    expect([...perLead.entries()].filter(([, count]) => count > 1), 'no card posted twice').toEqual([]);
    // A storm card says how many alerts it carries: over all cards, each alert is counted once.
    const carried = (card: { embeds?: unknown }) => {
      const fields = ((card.embeds as Array<{ fields?: Array<{ name: string }> }> | undefined)?.[0]?.fields ?? []);
      const match = fields.map((f) => /^\+(\d+) similar alerts on this card$/.exec(f.name)).find((m) => m !== null);
      return 1 + (match ? Number(match[1]) : 0);
    };
    expect(cards.reduce((sum, card) => sum + carried(card), 0), 'every alert on exactly one card').toBe(alerts.length);
    for (const alert of alerts) {
      const message = alert.chat_message_id === null ? undefined : fake.messages.get(alert.chat_message_id);
      expect(message && cardAlertId(message), `alert #${alert.id} recorded with the card it is on`).toBe(Number(alert.coalesced_into ?? alert.id));
    }
  });
});
