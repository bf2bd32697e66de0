import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/setup.js';

describe('triage CLI', () => {
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(() => {
    temp = tempDir();
    env = { DATABASE_PATH: join(temp.dir, 'triage.db') };
  });
  afterEach(() => temp.cleanup());

  it('runs the demo without credentials, prints cards and the queue, and is idempotent', async () => {
    const first = await runCli(['start'], { env, cwd: temp.dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')[0]).toMatch(/^No account, Discord or Slack credentials found .* running the demo/);
    expect(first.stdout).toMatch(/── #\d+ CRITICAL/);
    expect(first.stdout).toMatch(/crisis \(self-harm\)/);
    expect(first.stdout).toMatch(/SLA: first response due/);
    expect(first.stdout).toMatch(/\[crisis-support\] .*988/);
    expect(first.stdout).toMatch(/Demo: 65 mentions read, 64 new, 1 duplicates skipped, (\d+) new alerts/);
    expect(first.stdout).toMatch(/Queue: \d+ open alerts \(critical \d+ · high \d+ · normal \d+ · low \d+\)/);

    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const mentions = count('SELECT COUNT(*) AS n FROM mentions');
    const alerts = count('SELECT COUNT(*) AS n FROM alerts');
    expect(mentions).toBe(64);
    expect(count('SELECT COUNT(*) AS n FROM classifications')).toBe(64);
    expect(count('SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL')).toBe(0);
    expect(first.stdout.match(/^── #/gm)?.length).toBe(alerts);

    const second = await runCli(['start'], { env, cwd: temp.dir });
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/── #/);
    expect(second.stdout).toMatch(/Demo: nothing new/);
    expect(count('SELECT COUNT(*) AS n FROM mentions')).toBe(mentions);
    expect(count('SELECT COUNT(*) AS n FROM alerts')).toBe(alerts);
    db.close();
  });

  it('classifies JSON Lines on stdin, one line out per line in, in order', async () => {
    const input = [
      { id: '1', text: '@brand waited 3 hours and nobody called me back' },
      { id: 2, text: 'thank you to the nurses on 4 West!', extra: 'ignored' },
    ].map((r) => JSON.stringify(r)).join('\n');
    const run = await runCli(['classify'], { env, cwd: temp.dir, input });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      id: '1',
      sentiment: 'negative',
      score: expect.any(Number),
      categories: expect.arrayContaining(['complaint']),
      urgency: expect.stringMatching(/^(critical|high|normal|low|ignore)$/),
      reasons: expect.arrayContaining([expect.any(String)]),
    });
    expect(lines[1]).toMatchObject({ id: 2, sentiment: 'positive', categories: ['praise'], urgency: 'low' });
  });

  it('checks replies with the guard: one verdict per line, in order, bad lines named', async () => {
    const input = [
      { id: 'safe', text: "We're sorry to hear this. Please DM us so we can help.", mention: 'waited 5 hours in the ER' },
      { id: 'unsafe', text: 'So sorry your son had such a long wait in our ER last night.', mention: 'waited 5 hours in the ER with my son' },
      { id: 'no-mention', text: 'Sorry about the mix-up with your metformin!' },
      { id: 'bad', text: 42 },
    ].map((r) => JSON.stringify(r)).join('\n');
    const run = await runCli(['reply', 'check'], { env, cwd: temp.dir, input });
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id ?? l.line)).toEqual(['safe', 'unsafe', 'no-mention', 4]);
    expect(lines[0]).toEqual({ id: 'safe', ok: true, problems: [] });
    expect(lines[1].ok).toBe(false);
    expect(lines[1].problems.join(' ')).toMatch(/confirms the author is a patient/);
    expect(lines[2].problems.join(' ')).toMatch(/names a medicine: "metformin"/);
    expect(lines[3].error).toMatch(/"text": expected a string, got number/);
    expect(run.stderr).toMatch(/1 input line\(s\) could not be read/);

    const usage = await runCli(['reply'], { env, cwd: temp.dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: triage reply check/);
  });

  it('keeps output aligned when an input line is not JSON, and exits 1', async () => {
    const run = await runCli(['classify'], { env, cwd: temp.dir, input: '{"id":"a","text":"hi"}\nnot json\n{"id":"c"}\n' });
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id ?? l.line)).toEqual(['a', 2, 3]);
    expect(lines[1].error).toMatch(/not JSON/);
  });

  it('suggests replies with the guard verdict', async () => {
    const run = await runCli(['suggest'], { env, cwd: temp.dir, input: '{"id":"1","text":"@brand waited 3 hours and nobody called me back","author":{"handle":"pat"}}\n' });
    expect(run.code).toBe(0);
    const [line] = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(line.id).toBe('1');
    expect(line.replies.length).toBeGreaterThanOrEqual(2);
    expect(line.replies[0]).toEqual({ template: 'apologise-and-resolve', text: expect.stringMatching(/^@pat /), guard: { ok: true, problems: [] } });
  });

  it('prints the eval table for a labelled file', async () => {
    const file = join(temp.dir, 'labelled.jsonl');
    writeFileSync(file, [
      { text: 'on hold for an hour, nobody answers', label: 'negative', categories: ['complaint'], urgency: 'normal' },
      { text: 'thank you nurses, so kind', label: 'positive', categories: ['praise'], urgency: 'low' },
    ].map((r) => JSON.stringify(r)).join('\n'));
    const run = await runCli(['eval', file], { env, cwd: temp.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sentiment +accuracy 1\.000 .*\| raw sentiment: accuracy/);
    expect(run.stdout).toMatch(/categories +accuracy/);
    expect(run.stdout).toMatch(/urgency +accuracy/);
    expect(run.stdout).toMatch(/negative +1 +1\.000/);
  });

  it('stops with exit 2 and one clear message for an unusable DATABASE_PATH', async () => {
    const run = await runCli(['start'], { env: { DATABASE_PATH: '/nonexistent/dir/x.db' }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DATABASE_PATH=\/nonexistent\/dir\/x\.db: folder \/nonexistent\/dir does not exist/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops with exit 2 naming the file and field of a malformed SLA policy', async () => {
    const policy = join(temp.dir, 'sla.json');
    writeFileSync(policy, JSON.stringify({ version: 1, timezone: 'America/New_York', targets: { critical: { firstResponseMinutes: -5, resolutionMinutes: 60 }, high: null, normal: null } }));
    const run = await runCli(['start'], { env: { ...env, SLA_POLICY_PATH: policy }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${policy}: targets.critical.firstResponseMinutes`);
    expect(run.stderr).toContain(`${policy}: targets.low`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a data file that is not JSON or missing', async () => {
    const broken = join(temp.dir, 'templates.json');
    copyFileSync(join(ROOT, 'data', 'reply-templates.json'), broken);
    writeFileSync(broken, '{ "templates": [ oops');
    const run = await runCli(['demo'], { env: { ...env, TEMPLATES_PATH: broken, LEXICON_PATH: join(temp.dir, 'missing.json') }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/LEXICON_PATH=.*missing\.json: file not found/);
    expect(run.stderr).toMatch(/templates\.json: not valid JSON/);
  });

  it('reads settings from .env in the working folder, under the real environment', async () => {
    writeFileSync(join(temp.dir, '.env'), 'INFLUENTIAL_FOLLOWERS=lots\n');
    const run = await runCli(['demo'], { env: { DATABASE_PATH: env.DATABASE_PATH! }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/INFLUENTIAL_FOLLOWERS=lots/);
    const overridden = await runCli(['demo'], { env: { DATABASE_PATH: env.DATABASE_PATH!, INFLUENTIAL_FOLLOWERS: '5000' }, cwd: temp.dir });
    expect(overridden.code).toBe(0);
  });
});
