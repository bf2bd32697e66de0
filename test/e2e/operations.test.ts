import { join } from 'node:path';
import Database from 'better-sqlite3';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { startBot, type BotProcess } from '../helpers/bot.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

/** The operations listener (HTTP_PORT): /healthz and /metrics of a running `triage start`. */
describe('health and metrics (the built CLI against a fake X and a fake Discord)', { timeout: 60_000 }, () => {
  let x: FakeXApi;
  let discord: FakeDiscord;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    x = new FakeXApi();
    await x.start();
    x.addUser({ id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 12000 });
    x.addUser({ id: '1000', username: 'patient_0', name: 'Person 0', followers: 10 });
    discord = new FakeDiscord();
    await discord.start();
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      HTTP_PORT: '0',
      X_BEARER_TOKEN: x.token,
      X_HANDLE: 'RiverbendHealth',
      X_API_BASE_URL: x.baseUrl,
      X_POLL_CRON: '* * * * * *',
      DISCORD_TOKEN: discord.token,
      DISCORD_ALERT_CHANNEL_ID: discord.channelIds[0]!,
      DISCORD_API_BASE_URL: discord.apiBase,
    };
  });
  afterEach(async () => {
    await stopSpawned();
    await Promise.all([x.stop(), discord.stop()]);
    temp.cleanup();
  });

  async function listening(bot: BotProcess): Promise<string> {
    const ready = await bot.waitForLog((r) => r.msg === 'http listener ready: /healthz and /metrics', 'the listener');
    expect(ready.host).toBe('127.0.0.1');
    return `http://127.0.0.1:${String(ready.port)}`;
  }
  async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  }
  /** Asks /healthz until it answers `status`; returns that answer. */
  async function healthBecomes(base: string, status: number): Promise<{ status: string; problems: string[] }> {
    for (let i = 0; ; i++) {
      const answer = await get(`${base}/healthz`);
      if (answer.status === status) return JSON.parse(answer.body) as { status: string; problems: string[] };
      if (i > 300) throw new Error(`/healthz stayed ${answer.status}: ${answer.body}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const sample = (families: ParsedFamily[], name: string, labels: Record<string, string> = {}) =>
    families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

  it('serves /metrics in Prometheus text with the pipeline figures, and /healthz 200 while every job keeps its schedule', async () => {
    for (let i = 0; i < 4; i++) x.addTweet({ text: `@RiverbendHealth billing charged me twice, nobody calls back #${i}`, authorId: '1000' });
    x.fail({ kind: 'status', status: 429, resetInSeconds: 1 }, '/mentions');
    const bot = startBot([], { env, cwd: temp.dir });
    const base = await listening(bot);
    await bot.waitForLog((r) => r.msg === 'poll cycle done' && r.posted === 4, 'four cards posted');

    const health = await healthBecomes(base, 200);
    expect(health).toMatchObject({ status: 'ok', problems: [] });

    const metrics = await get(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(metrics.body);
    expect(sample(families, 'triage_mentions_stored_total', { source: 'x' })?.value).toBe('4');
    expect(Number(sample(families, 'triage_mentions_read_total', { source: 'x' })?.value)).toBeGreaterThanOrEqual(4);
    expect(sample(families, 'triage_cards_posted_total', { chat: 'discord' })?.value).toBe('4');
    expect(sample(families, 'triage_outbox_depth')?.value).toBe('0');
    expect(sample(families, 'triage_rate_limited_total', { service: 'x' })?.value).toBe('1');
    const alerts = families.find((f) => f.name === 'triage_alerts')!.metrics.reduce((n, m) => n + Number(m.value), 0);
    expect(alerts).toBe(4);
    expect(Number(sample(families, 'triage_x_reads_month', { stream: 'mentions' })?.value)).toBeGreaterThanOrEqual(4);
    expect(Number(sample(families, 'triage_x_estimated_cost_usd_month')?.value)).toBeGreaterThan(0);
    expect(families.find((f) => f.name === 'triage_poll_duration_seconds')?.type).toBe('HISTOGRAM');
    // The parser keeps a labelled histogram's buckets but not its count: read that line itself.
    expect(Number(/^triage_poll_duration_seconds_count\{source="x"\} (\d+)$/m.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(1);
    expect(sample(families, 'triage_outbox_undeliverable')?.value).toBe('0');
    for (const name of ['triage_sla_notification_backlog', 'triage_cards_failed_total', 'triage_job_runs_total', 'triage_process_resident_memory_bytes']) {
      expect(families.map((f) => f.name)).toContain(name);
    }
    expect((await get(`${base}/nothing`)).status).toBe(404);
    expect((await bot.stop()).code).toBe(0);

    // `triage doctor` tells the same last-run times from the database.
    const doctor = await runCli(['doctor'], { env, cwd: temp.dir });
    expect(doctor.stdout).toMatch(/^ok {3}job poll: last run \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(just now\) took \d+\.\d s, ok$/m);
    expect(doctor.stdout).toMatch(/^ok {3}job sla-sweep: last run .* ok$/m);
    expect(doctor.stdout).toMatch(/^ok {3}bot: not running on this database$/m);
  });

  it('answers 503 naming the job when the poll is stuck on a hung X request', async () => {
    x.fail({ kind: 'hang' }, '/mentions', 50);
    const bot = startBot([], { env, cwd: temp.dir });
    const base = await listening(bot);
    await bot.waitForLog((r) => r.msg === 'triage running; Ctrl-C stops', 'the jobs scheduled');
    const unhealthy = await healthBecomes(base, 503);
    expect(unhealthy.status).toBe('unhealthy');
    expect(unhealthy.problems.join('\n')).toMatch(/^job poll stuck: running since \d{4}-.*Z \(schedule "\* \* \* \* \* \*"\)$/m);
    expect((await bot.stop()).code).toBe(0);
  });

  it('answers 503 while another process holds the database locked, and 200 once it lets go', async () => {
    delete env.X_POLL_CRON;
    const bot = startBot([], { env, cwd: temp.dir });
    const base = await listening(bot);
    await bot.waitForLog((r) => r.msg === 'poll cycle done', 'the first poll');
    await healthBecomes(base, 200);
    const locker = new Database(env.DATABASE_PATH!);
    try {
      locker.exec('BEGIN EXCLUSIVE');
      const locked = await healthBecomes(base, 503);
      expect(locked.problems).toContain('database: database is locked');
      locker.exec('ROLLBACK');
      await healthBecomes(base, 200);
    } finally {
      locker.close();
    }
    expect((await bot.stop()).code).toBe(0);
  });

  it('refuses a port already in use with one line naming HTTP_PORT', async () => {
    const bot = startBot([], { env, cwd: temp.dir });
    const base = await listening(bot);
    const port = new URL(base).port;
    const second = await runCli(['start'], { env: { ...env, HTTP_PORT: port, DATABASE_PATH: join(temp.dir, 'other.db') }, cwd: temp.dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`HTTP_PORT=${port} HTTP_HOST=127.0.0.1: cannot listen there (EADDRINUSE)`);
    expect((await bot.stop()).code).toBe(0);
  });
});
