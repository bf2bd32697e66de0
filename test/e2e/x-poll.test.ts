import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

describe('triage poll --once against a fake X API', () => {
  let fake: FakeXApi;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    fake = new FakeXApi();
    await fake.start();
    fake.addUser({ id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 12000 });
    for (let i = 0; i < 40; i++) fake.addUser({ id: String(1000 + i), username: `patient_${i}`, name: `Person ${i}`, followers: 10 * i });
    temp = tempDir();
    env = { DATABASE_PATH: join(temp.dir, 'triage.db'), X_BEARER_TOKEN: fake.token, X_HANDLE: 'RiverbendHealth', X_API_BASE_URL: fake.baseUrl, LOG_LEVEL: 'warn' };
  });
  afterEach(async () => {
    await fake.stop();
    temp.cleanup();
  });

  const texts = [
    'on hold for 40 minutes with billing, again',
    'where do I park for the imaging center',
    'thank you to the night nurses on 4 West!',
    'my bill was sent to collections after insurance paid',
  ];
  function addMentions(count: number) {
    return Array.from({ length: count }, (_, i) => fake.addTweet({ text: `@RiverbendHealth ${texts[i % texts.length]} #${i}`, authorId: String(1000 + (i % 40)) }));
  }
  function rows(sql: string): number {
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it('stores every mention exactly once across restarts, a 429 and a 500, and shows the cards', async () => {
    addMentions(230);
    fake.fail({ kind: 'status', status: 429, resetInSeconds: 1 }, '/mentions');
    fake.fail({ kind: 'status', status: 500 }, '/mentions');
    const first = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/triage poll: 230 read, 230 new, 0 duplicates, \d+ alerts, \d+ posted, 0 answered on the platform/);
    expect(first.stdout).toMatch(/── #\d+ (HIGH|NORMAL|LOW|CRITICAL)/);
    expect(first.stdout).toMatch(/@patient_\d+ \(Person \d+/);

    expect(first.stdout).toMatch(/X reads this month: 230 posts in \d+ requests \(mentions 230, own 0\), about \$0\.23/);

    addMentions(3);
    const second = await runCli(['poll', '--once'], { env, cwd: temp.dir });
    expect(second.stderr).toMatch(/triage poll: 3 read, 3 new, 0 duplicates/);
    expect(rows('SELECT COUNT(*) AS n FROM mentions')).toBe(233);
    expect(rows('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL')).toBe(0);
  });

  it('loses nothing and duplicates nothing when the process is killed mid-sweep', async () => {
    const tweets = addMentions(250);
    let child: ChildProcess | undefined;
    let pages = 0;
    fake.onResponded = (request) => {
      if (request.path.endsWith('/mentions') && ++pages === 2) child?.kill('SIGKILL');
    };
    const killed = await runCli(['poll', '--once'], { env, cwd: temp.dir, onSpawn: (c) => (child = c) });
    expect(killed.code).toBe(-1);
    const afterCrash = rows('SELECT COUNT(*) AS n FROM mentions');
    expect(afterCrash).toBeLessThan(250);
    expect(rows("SELECT COUNT(*) AS n FROM cursors WHERE stream = 'mentions'")).toBe(0);

    fake.onResponded = undefined;
    const restarted = await runCli(['poll', '--once'], { env, cwd: temp.dir });
    expect(restarted.code).toBe(0);
    expect(rows('SELECT COUNT(*) AS n FROM mentions')).toBe(250);
    expect(rows('SELECT COUNT(DISTINCT native_id) AS n FROM mentions')).toBe(250);
    expect(rows('SELECT COUNT(*) AS n FROM alerts')).toBe(rows('SELECT COUNT(DISTINCT mention_id) AS n FROM alerts'));
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect((db.prepare("SELECT value FROM cursors WHERE source = 'x' AND stream = 'mentions'").get() as { value: string }).value).toBe(tweets.at(-1)!.id);
    db.close();
  });

  it('marks the alert responded when the brand replied on X', async () => {
    const [complaint] = addMentions(1);
    await runCli(['poll', '--once'], { env, cwd: temp.dir });
    fake.addTweet({ text: '@patient_0 sorry to hear this, please DM us', authorId: '900', repliedTo: complaint!.id });
    const run = await runCli(['poll', '--once'], { env, cwd: temp.dir });
    expect(run.code).toBe(0);
    expect(rows("SELECT COUNT(*) AS n FROM alerts WHERE state = 'responded' AND responded_by = 'x:reply' AND first_response_at IS NOT NULL")).toBe(1);
  });

  it('doctor checks the token and the account against the API and says what is wrong', async () => {
    const ok = await runCli(['doctor'], { env, cwd: temp.dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok +X: .* accepts the token; watching @RiverbendHealth \(id 900\)$/m);

    const badToken = await runCli(['doctor'], { env: { ...env, X_BEARER_TOKEN: 'nope' }, cwd: temp.dir });
    expect(badToken.code).toBe(1);
    expect(badToken.stdout).toMatch(/^FAIL X: X rejected the credentials .*401.*Check X_BEARER_TOKEN/m);
    expect(badToken.stdout).not.toContain('nope');

    const badHandle = await runCli(['doctor'], { env: { ...env, X_HANDLE: 'NoSuchBrand' }, cwd: temp.dir });
    expect(badHandle.code).toBe(1);
    expect(badHandle.stdout).toMatch(/^FAIL X: X_HANDLE=NoSuchBrand: X has no such account/m);
  });
});
