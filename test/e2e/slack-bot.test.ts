import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slackCardAlertId } from '../../src/chat/slack/render-slack-card.js';
import { FakeSlack, type FakeSlackMessage } from '../fakes/fake-slack.js';
import { startBot, STOP_BOUND_MS } from '../helpers/bot.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { writeComplaintReplay } from '../helpers/replay.js';
import { ROOT, tempDir } from '../helpers/setup.js';

const ALERTS = 'C0ALERTS01';
const URGENT = 'C0URGENT01';
const KILLS = 20;

describe('triage with Slack (the built CLI against a fake Slack)', { timeout: 120_000 }, () => {
  let fake: FakeSlack;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    fake = new FakeSlack();
    await fake.start();
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_APP_TOKEN: fake.appToken,
      SLACK_ALERT_CHANNEL_ID: ALERTS,
      SLACK_URGENT_CHANNEL_ID: URGENT,
      SLACK_LEAD_USER_GROUP_ID: 'S0LEADS001',
      SLACK_ACTOR_USER_GROUP_IDS: 'S0ACTORS01',
      SLACK_API_URL: fake.apiUrl,
      SLACK_STORM_THRESHOLD: '1000',
    };
  });
  afterEach(async () => {
    fake.onMessagePosted = undefined;
    await stopSpawned();
    await fake.stop();
    temp.cleanup();
    expect(fake.internalErrors).toEqual([]);
  });

  function query<T>(sql: string): T[] {
    const db = new Database(env.DATABASE_PATH!, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const cards = (): FakeSlackMessage[] => fake.messages.filter((m) => m.thread_ts === undefined && slackCardAlertId(m) !== undefined);

  it('start --replay posts the sample as cards once, acts on clicks, a modal and /triage, and stops at once on SIGTERM', async () => {
    const bot = startBot(['--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], { env, cwd: temp.dir });
    await bot.waitForLog((r) => r.msg === 'triage running; Ctrl-C stops' && r.chat === 'slack', 'the bot running on Slack');
    const alerts = await fake.waitFor(() => {
      try {
        const [row] = query<{ n: number; pending: number }>('SELECT COUNT(*) AS n, SUM(chat_message_id IS NULL) AS pending FROM alerts');
        return row!.n > 0 && row!.pending === 0 ? row!.n : undefined;
      } catch {
        return undefined;
      }
    }, 20_000);
    // Reminders and escalations for the back-dated sample go in the cards' threads: count cards only.
    expect(cards()).toHaveLength(alerts);
    expect(new Set(cards().map((m) => slackCardAlertId(m))).size).toBe(alerts);
    const urgent = cards().filter((m) => m.channel === URGENT);
    expect(urgent.length).toBeGreaterThanOrEqual(4);
    expect(urgent.every((m) => m.text.startsWith('Critical alert #'))).toBe(true);
    for (const message of fake.messages) {
      const { broadcasts, users, groups } = fake.mentionsIn(message);
      expect(broadcasts).toEqual([]);
      expect(users.every((u) => fake.users.has(u) && !fake.user(u).isBot)).toBe(true);
      expect(groups.every((g) => g === 'S0LEADS001')).toBe(true);
    }
    expect(fake.connections).toHaveLength(1);

    const [first, second] = cards().filter((m) => m.channel === ALERTS);
    const firstId = slackCardAlertId(first!)!;
    const claim = fake.click(first!, `t:claim:${firstId}`, undefined, 'ana');
    await fake.expectAck(claim);
    // The SLA sweep may redraw cards too (their colour changes as targets pass): wait for this redraw's content.
    await fake.waitFor(() => JSON.stringify(fake.messageByTs(first!.ts)!.blocks).includes('claimed by @ana'), 10_000);
    expect(query<{ assignee: string }>(`SELECT assignee FROM alerts WHERE id = ${firstId}`)[0]!.assignee).toBe('@ana');

    const secondId = slackCardAlertId(second!)!;
    await fake.expectAck(fake.click(second!, `t:snooze:${secondId}`, undefined, 'ben'));
    const modal = await fake.waitFor(() => [...fake.views.values()].find((v) => v.view.callback_id === 'triage_snooze'), 10_000);
    await fake.expectAck(fake.submitView(modal, { snooze: { until: { type: 'radio_buttons', selected_option: { value: '4h' } } } }, 'ben'));
    await fake.waitFor(() => query<{ state: string }>(`SELECT state FROM alerts WHERE id = ${secondId}`)[0]!.state === 'snoozed', 10_000);

    const queue = fake.command('/triage', 'queue', 'ana');
    await fake.expectAck(queue);
    const [answer] = await fake.waitFor(() => fake.responsesTo(queue).length > 0 && fake.responsesTo(queue), 10_000);
    expect(answer!.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^Queue: \d+ open/) });

    const started = Date.now();
    const stopped = await bot.stop();
    expect(stopped.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(STOP_BOUND_MS / 2);
    expect(stopped.stderr).not.toMatch(/did not stop/);
    await fake.waitFor(() => fake.openConnections.length === 0);
    expect(cards()).toHaveLength(alerts);
  });

  it('stops at once with a clear message when a token is rejected, without printing it', async () => {
    const bad = await runCli(['start', '--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], { env: { ...env, SLACK_BOT_TOKEN: 'xoxb-wrong-token' }, cwd: temp.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Slack rejected the bot token.*SLACK_BOT_TOKEN/);
    expect(bad.stderr).not.toContain('xoxb-wrong-token');
    const badApp = await runCli(['start', '--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], { env: { ...env, SLACK_APP_TOKEN: 'xapp-wrong-token' }, cwd: temp.dir });
    expect(badApp.code).toBe(1);
    expect(badApp.stderr).toMatch(/Slack rejected the app-level token.*SLACK_APP_TOKEN/);
    expect(badApp.stderr).not.toContain('xapp-wrong-token');
  });

  it('deploy-commands and doctor know Slack', async () => {
    const deploy = await runCli(['deploy-commands'], { env, cwd: temp.dir });
    expect(deploy).toMatchObject({ code: 0, stdout: expect.stringMatching(/deploy\/slack-manifest\.json/) });
    const doctor = await runCli(['doctor'], { env, cwd: temp.dir });
    expect(doctor.stdout).toContain(`ok   Slack: ${fake.team.name} accepts the bot token (@triage); cards go to ${ALERTS}.`);
    const wrong = await runCli(['doctor'], { env: { ...env, SLACK_BOT_TOKEN: 'xoxb-revoked' }, cwd: temp.dir });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/FAIL Slack: Slack rejected the bot token while checking the bot token \(invalid_auth\)\. Check SLACK_BOT_TOKEN/);
  });

  it(`posts every alert exactly once over ${KILLS} kill -9s just after Slack stored a card`, async () => {
    const replay = writeComplaintReplay(temp.dir, 80);

    let kills = 0;
    for (let run = 0; run < KILLS; run++) {
      let child: ChildProcess | undefined;
      // The first, second or third card this run creates is the one the process dies on.
      const dieOn = 1 + (run % 3);
      let created = 0;
      fake.onMessagePosted = () => {
        if (++created !== dieOn) return;
        fake.onMessagePosted = undefined;
        child!.kill('SIGKILL');
        kills++;
      };
      const result = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 30_000 });
      expect(result.code, `run ${run} should have been killed: ${result.stderr.slice(-3000)}`).toBe(-1);
    }
    fake.onMessagePosted = undefined;
    const last = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(last.code, last.stderr).toBe(0);
    expect(kills).toBe(KILLS);

    const alerts = query<{ id: number; urgency: string; chat_channel_id: string; chat_message_id: string }>('SELECT id, urgency, chat_channel_id, chat_message_id FROM alerts ORDER BY id');
    expect(alerts.length).toBeGreaterThan(KILLS * 3);
    const perAlert = new Map<number, number>();
    for (const card of cards()) perAlert.set(slackCardAlertId(card)!, (perAlert.get(slackCardAlertId(card)!) ?? 0) + 1);
    expect([...perAlert.values()].filter((n) => n > 1)).toEqual([]);
    expect(cards()).toHaveLength(alerts.length);
    for (const alert of alerts) {
      const message = fake.messageByTs(alert.chat_message_id, alert.chat_channel_id);
      expect(message && slackCardAlertId(message), `alert #${alert.id} recorded with its own card`).toBe(alert.id);
      expect(message!.channel).toBe(alert.urgency === 'critical' ? URGENT : ALERTS);
    }
    // Every restart after a kill read each channel at most once (cards are marked as attempted a
    // chunk at a time, so the killed run's chunk may span both), and only those did; one-shot polls
    // open no Socket Mode link.
    const reads = fake.requestsTo('conversations.history');
    expect(reads.length).toBeGreaterThanOrEqual(KILLS);
    expect(reads.filter((r) => r.args.channel === ALERTS || r.args.channel === URGENT)).toHaveLength(reads.length);
    for (const channel of [ALERTS, URGENT]) expect(reads.filter((r) => r.args.channel === channel).length).toBeLessThanOrEqual(KILLS);
    expect(fake.requestsTo('chat.postMessage').filter((r) => r.status === 200)).toHaveLength(alerts.length);
    expect(fake.requestsTo('apps.connections.open')).toHaveLength(0);
  });
});
