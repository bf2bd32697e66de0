import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/setup.js';

/**
 * Every bad input and fault a careless operator or a hostile file can produce ends in one clear
 * line and a documented exit code (0 ok, 1 failed run, 2 bad settings or input), never a stack.
 */
describe('bad input and faults (the built CLI)', () => {
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(() => {
    temp = tempDir();
    env = { DATABASE_PATH: join(temp.dir, 'triage.db') };
  });
  afterEach(() => temp.cleanup());

  const file = (name: string, text: string) => {
    const path = join(temp.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const noStack = (run: CliRun) => expect(run.stderr).not.toMatch(/^\s+at /m);
  const row = (id: string, createdAt = '2026-11-20T15:00:00Z', text = '@RiverbendHealth billing charged me twice') =>
    JSON.stringify({ id, text, created_at: createdAt, author: { id: `a${id}`, handle: `person_${id}` } });

  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it.each([
    ['INFLUENTIAL_FOLLOWERS=0x10', { INFLUENTIAL_FOLLOWERS: '0x10' }, /INFLUENTIAL_FOLLOWERS=0x10: must be a whole number from 1 to 1,000,000,000, in decimal digits/],
    ['X_BACKFILL_HOURS=1e9', { X_BEARER_TOKEN: 't', X_HANDLE: 'h', X_BACKFILL_HOURS: '1e9' }, /X_BACKFILL_HOURS=1e9: must be a whole number from 1 to 720/],
    ['an empty role list', { DISCORD_ACTOR_ROLE_IDS: ',,,' }, /DISCORD_ACTOR_ROLE_IDS lists no role id/],
    ['a token with a line break', { DISCORD_TOKEN: 'abc\ndef', DISCORD_ALERT_CHANNEL_ID: '700000000000000100' }, /DISCORD_TOKEN: contains a space, line break or control character/],
    ['a missing sample file', { SAMPLE_MENTIONS_PATH: '/nonexistent/sample.jsonl' }, /SAMPLE_MENTIONS_PATH=\/nonexistent\/sample\.jsonl: no such file/],
  ])('refuses %s with exit 2 and one line naming the setting', async (_, settings, message) => {
    const run = await runCli(['start'], { env: { ...env, ...settings }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    noStack(run);
  });

  it('refuses an accounts file with a pasted secret or an unset variable, exit 2, one line each, the secret not echoed', async () => {
    const accounts = file('accounts.json', JSON.stringify({ accounts: [
      { id: 'foundation-fb', platform: 'facebook', name: 'Foundation', pageId: '1500000000002', pageTokenEnv: 'EAAB1x9kZCpastedToken123' },
      { id: 'north-fb', platform: 'facebook', name: 'North', pageId: '1500000000003', pageTokenEnv: 'NORTH_FB_TOKEN' },
    ] }));
    const run = await runCli(['start'], { env: { ...env, ACCOUNTS_PATH: accounts }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/accounts\.json: accounts\.0\.pageTokenEnv: must be the NAME of an environment variable/);
    expect(run.stderr).toMatch(/account "north-fb": NORTH_FB_TOKEN \(its pageTokenEnv\) is not set/);
    expect(run.stderr).not.toContain('EAAB1x9kZCpastedToken123');
    noStack(run);
  });

  it('refuses an SLA target beyond a year of open time at validation, naming the field', async () => {
    const policy = JSON.parse(readFileSync(join(ROOT, 'data', 'sla-policy.json'), 'utf8'));
    policy.targets.high.firstResponseMinutes = 100_000_000;
    policy.targets.high.resolutionMinutes = 100_000_000;
    const run = await runCli(['poll', '--once', '--replay', file('one.jsonl', `${row('1')}\n`)], { env: { ...env, SLA_POLICY_PATH: file('policy.json', JSON.stringify(policy)) }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/targets\.high\.firstResponseMinutes: at most 525600 minutes \(a year of open time\)/);
    noStack(run);
  });

  it.each([
    ['a replay file that does not exist', ['poll', '--once', '--replay', 'missing.jsonl'], /--replay .*missing\.jsonl: no such file/],
    ['a replay path that is a folder', ['start', '--replay', '.'], /--replay .*: is a folder, not a JSON Lines file/],
    ['--out into a missing folder', ['digest', '--out', 'nowhere/digest.md'], /--out .*nowhere\/digest\.md: cannot write it: no such file or folder \(does the folder .*nowhere exist\?\)/],
    ['--chart onto a folder', ['digest', '--chart', '.'], /--chart .*: cannot write it: is a folder, not a file/],
    ['--from 2026-13-45', ['sla-report', '--from', '2026-13-45'], /--from must be a date like 2026-11-01, not "2026-13-45"/],
  ])('answers %s with exit 2 and one line', async (_, args, message) => {
    const run = await runCli(args, { env, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    noStack(run);
  });

  it('says in one line, naming the setting, that Discord cannot be reached at start', async () => {
    const base = `http://127.0.0.1:${await closedPort()}/api`;
    const run = await runCli(['start', '--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], {
      env: { ...env, DISCORD_TOKEN: 'token', DISCORD_ALERT_CHANNEL_ID: '700000000000000100', DISCORD_API_BASE_URL: base },
      cwd: temp.dir,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('triage:'))).toEqual([expect.stringMatching(new RegExp(`^triage: could not reach Discord while logging in: .*\\(DISCORD_API_BASE_URL=${base.replace(/[.]/g, '\\.')}\\)`))]);
    noStack(run);
  });

  it('refuses a database from a newer version without changing it', async () => {
    const db = new Database(env.DATABASE_PATH!);
    db.pragma('user_version = 999');
    db.close();
    const run = await runCli(['demo'], { env, cwd: temp.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^triage: cannot open the database at .*: database schema version 999 is newer than this program knows \(\d+\); upgrade Triage\. Check DATABASE_PATH\.$/m);
    noStack(run);
    const after = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('classifies every row of a public export whatever its other fields hold, naming the field when text is missing', async () => {
    // Shaped like the public airline export: `author` a string, nulls, numbers as text, nested values.
    const exported = await runCli(['classify'], { cwd: temp.dir, input: readFileSync(join(ROOT, 'test', 'fixtures', 'export-shaped.jsonl'), 'utf8') });
    expect(exported.code).toBe(0);
    const classified = exported.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(classified).toHaveLength(10);
    expect(classified.every((l) => typeof l.id === 'string' && 'sentiment' in l)).toBe(true);

    const input = [
      { id: 1, text: 'thank you nurses', author: 'someone' },
      { id: 2, text: 'where do I park', author: null, followers: '12000' },
      { id: 3, text: 'my bill is wrong again', author: ['x'], followers: null },
      { id: 4, text: 42 },
      [1, 2],
      { id: 6, text: 'billing charged me twice, nobody calls back', author: { followers: 'lots' } },
    ].map((r) => JSON.stringify(r)).join('\n');
    // A lone carriage return inside a line must not shift the line numbers that follow.
    const run = await runCli(['classify'], { cwd: temp.dir, input: `${input.replace('{"id":3,', '{"id":3,\r')}\n` });
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => l.id ?? l.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines[3]).toEqual({ line: 4, error: '"text": expected a string, got number' });
    expect(lines[4]).toEqual({ line: 5, error: 'expected a JSON object with a string "text", got an array' });
    expect(run.stderr).toBe('triage: 2 input line(s) could not be read; see the "error" lines.\n');

    const suggest = await runCli(['suggest'], { cwd: temp.dir, input: `${JSON.stringify({ id: 1, text: 'my bill is wrong', author: 'kim' })}\n` });
    expect(suggest.code).toBe(0);
    expect(JSON.parse(suggest.stdout).replies.length).toBeGreaterThan(0);
  });

  it('evaluates rows whose labels hold numbers or nulls, leaving those labels out', async () => {
    const path = file('labels.jsonl', [
      { text: 'billing charged me twice', categories: ['complaint', 3, null], urgency: 'normal', label: 'negative' },
      { text: 'thank you nurses', categories: null, label: 7 },
      { text: 'where do I park', categories: [null] },
    ].map((r) => JSON.stringify(r)).join('\n'));
    const run = await runCli(['eval', path], { cwd: temp.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/3 rows/);
    noStack(run);
  });

  it('reports unreadable replay rows with their line, keeps them unread, and takes them once fixed', async () => {
    const rows = [row('1'), '{"id": "2", "text": ', row('3', '2399-01-01T00:00:00Z'), row('4')];
    const path = file('replay.jsonl', `${rows.join('\r\n')}\r\n`);
    const first = await runCli(['poll', '--once', '--replay', path], { env, cwd: temp.dir });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^triage poll: 2 replay row\(s\) could not be read \(line 2: not JSON: .*; the others are in the log\)\. They are read again on the next poll/m);
    expect(first.stderr).toMatch(/"line":3,"reason":"created_at: must be between 2006 and 100 years from now"/);
    noStack(first);

    writeFileSync(path, `${[row('1'), row('2'), row('3'), row('4')].join('\n')}\n`);
    const fixed = await runCli(['poll', '--once', '--replay', path], { env, cwd: temp.dir });
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toMatch(/triage poll: 3 read, 2 new, 1 duplicates/);
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM mentions').get() as { n: number }).n).toBe(4);
    db.close();
  });

  it('names the database when the disk fills up, and keeps what was stored before', async () => {
    const first = await runCli(['poll', '--once', '--replay', file('a.jsonl', `${row('1')}\n`)], { env, cwd: temp.dir });
    expect(first.code).toBe(0);
    const big = Array.from({ length: 2000 }, (_, i) => row(String(100 + i), undefined, `@RiverbendHealth billing charged me twice ${'and nobody calls back '.repeat(20)} #${i}`));
    // A file-size limit makes the kernel refuse to grow any file past it, as a full disk does
    // (SIGXFSZ ignored, so writes fail instead of killing the process).
    const run = await runCli(['poll', '--once', '--replay', file('big.jsonl', `${big.join('\n')}\n`)], { env, cwd: temp.dir, before: "trap '' XFSZ; ulimit -f 512" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^triage: (the disk holding .*triage\.db is full \(\d+\.\d MB free\): free some space, or move DATABASE_PATH to a larger disk\. What was stored before is safe\.|could not write .*triage\.db \(SQLITE_IOERR\w*\): the disk may be full or failing \(\d+\.\d MB free\)\. What was stored before is safe\.)$/m);
    noStack(run);
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare("SELECT COUNT(*) AS n FROM mentions WHERE native_id = '1'").get() as { n: number }).n).toBe(1);
    db.close();
  });
});
