import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardAlertId } from '../../src/chat/discord/render-alert-card.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { writeComplaintReplay, fakeDiscordEnv } from '../helpers/replay.js';
import { tempDir } from '../helpers/setup.js';

const KILLS = 20;

/**
 * The crash the nonce cannot cover: `triage poll --once` is SIGKILLed the moment Discord has created
 * a card and before the answer reaches it, then run again, twenty times, against a fake Discord
 * that ignores nonces (as Discord does a few minutes on). No card may appear twice.
 */
describe('kill -9 while sending (the built CLI against a fake Discord that ignores nonces)', { timeout: 180_000 }, () => {
  let fake: FakeDiscord;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let replay: string;

  beforeEach(async () => {
    fake = new FakeDiscord();
    fake.honourNonces = false;
    await fake.start();
    temp = tempDir();
    env = { DATABASE_PATH: join(temp.dir, 'triage.db'), ...fakeDiscordEnv(fake) };
    replay = writeComplaintReplay(temp.dir, 80);
  });
  afterEach(async () => {
    fake.onMessageCreated = undefined;
    await stopSpawned();
    await fake.stop();
    temp.cleanup();
  });

  function query<T>(sql: string): T[] {
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  it(`posts every alert exactly once over ${KILLS} kills just after Discord created a card`, async () => {
    let kills = 0;
    for (let run = 0; run < KILLS; run++) {
      let child: ChildProcess | undefined;
      // The first, second or third card this run creates is the one the process dies on.
      const dieOn = 1 + (run % 3);
      let created = 0;
      fake.onMessageCreated = () => {
        if (++created !== dieOn) return;
        fake.onMessageCreated = undefined;
        child!.kill('SIGKILL');
        kills++;
      };
      const result = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 30_000 });
      expect(result.code, `run ${run} should have been killed: ${result.stderr.slice(-3000)}`).toBe(-1);
    }
    fake.onMessageCreated = undefined;
    const last = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(last.code, last.stderr).toBe(0);
    expect(kills).toBe(KILLS);

    const alerts = query<{ id: number; urgency: string; chat_channel_id: string | null; chat_message_id: string | null }>('SELECT id, urgency, chat_channel_id, chat_message_id FROM alerts ORDER BY id');
    expect(alerts.length).toBeGreaterThan(KILLS * 3);
    const cards = [...fake.messages.values()].filter((m) => cardAlertId(m) !== undefined);
    const perAlert = new Map<number, number>();
    for (const card of cards) perAlert.set(cardAlertId(card)!, (perAlert.get(cardAlertId(card)!) ?? 0) + 1);
    const duplicates = [...perAlert.values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(0);
    expect(cards).toHaveLength(alerts.length);
    for (const alert of alerts) {
      const message = alert.chat_message_id === null ? undefined : fake.messages.get(alert.chat_message_id);
      expect(message && cardAlertId(message), `alert #${alert.id} recorded with its own card`).toBe(alert.id);
      expect(message!.channel_id).toBe(alert.urgency === 'critical' ? fake.channelIds[1] : fake.channelIds[0]);
    }
    // Every restart after a kill read each channel at most once (cards are marked as attempted a
    // chunk at a time, so the killed run's chunk may span both), and only those did.
    const reads = fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/messages'));
    expect(reads.length).toBeGreaterThanOrEqual(KILLS);
    expect(reads.filter((r) => r.path.includes(fake.channelIds[0]!) || r.path.includes(fake.channelIds[1]!))).toHaveLength(reads.length);
    for (const channel of fake.channelIds) expect(reads.filter((r) => r.path.includes(channel)).length).toBeLessThanOrEqual(KILLS);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'))).toHaveLength(alerts.length);
  });
});
