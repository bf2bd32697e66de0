import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slaReportText } from '../../src/commands/sla-report-command.js';
import { createDigestFacts, quoteOf } from '../../src/digest/mention-facts.js';
import { renderDigestCsv, renderDigestHtml } from '../../src/digest/render-digest.js';
import { buildDigest } from '../../src/digest/weekly-digest.js';
import { parseWeek } from '../../src/digest/week.js';
import { REMOVED, RetentionStore, retentionCutoff } from '../../src/store/retention.js';
import { runCli } from '../helpers/cli.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { allTextValues, alertIdOf, at, loadFixtureWeek, NY, fixtureWeekPosts, snapshotRows, type FixturePost } from '../helpers/week-fixture.js';
import { ROOT } from '../helpers/setup.js';

/** A year and a month after the fixture week: everything closed in it is past a 365-day retention. */
const NOW = at(2027, 12, 1, 10);
const week = parseWeek('2026-W44', NY)!;

async function reports(fx: Awaited<ReturnType<typeof pipelineFixture>>) {
  const digest = await buildDigest(fx.digest, week, NY);
  const sla = async (format: 'md' | 'csv') => {
    let text = '';
    for await (const chunk of slaReportText(fx.store, fx.deps.policies, { from: week.from, to: week.to, format, now: NOW })) text += chunk;
    return text;
  };
  return {
    'digest.md': digest.markdown,
    'sla-report.md': await sla('md'),
    'sla-report.csv': await sla('csv'),
    // Not golden files, but they must not change either.
    html: renderDigestHtml(digest.data, digest.chartPng),
    csv: renderDigestCsv(digest.data),
  };
}

function expectGolden(outputs: Record<string, string>): void {
  const dir = join(ROOT, 'test', 'fixtures', 'retention');
  for (const name of ['digest.md', 'sla-report.md', 'sla-report.csv']) {
    const file = join(dir, `2026-W44-${name}`);
    if (!existsSync(file) && process.env.UPDATE_GOLDEN) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, outputs[name] as string);
    }
    expect(outputs[name], `${file} (set UPDATE_GOLDEN=1 after deleting it to regenerate)`).toBe(readFileSync(file, 'utf8'));
  }
}

/** What identifies a post's author, and the words only that post has. */
function identityOf(p: FixturePost): string[] {
  const m = p.mention;
  return [m.author.handle, m.author.id, ...(m.author.name ? [m.author.name] : []), ...(m.url ? [m.url] : [])];
}

describe('retention', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let posts: FixturePost[];
  let retention: RetentionStore;

  beforeEach(async () => {
    fx = await pipelineFixture(() => at(2026, 10, 20, 0));
    posts = fixtureWeekPosts();
    await loadFixtureWeek(fx, posts);
    retention = new RetentionStore(fx.store.db);
  });
  afterEach(() => fx.close());

  const purge = async () => await retention.purgeExpired({ cutoff: retentionCutoff(NOW, 365), now: NOW, factsOf: createDigestFacts(fx.digest, NY), batchSize: 4 });

  it('leaves the weekly digest and the SLA report of a purged week byte-identical (golden files)', async () => {
    const before = await reports(fx);
    expectGolden(before);
    const result = await purge();
    expect(result.mentions).toBe(posts.filter((p) => p.purged).length);
    const after = await reports(fx);
    expect(after).toEqual(before);
    expectGolden(after);
  });

  it('removes the text, the author and every quote of it from every text column of a purged post', async () => {
    await purge();
    const values = allTextValues(fx.store.db);
    for (const p of posts.filter((q) => q.purged)) {
      for (const identity of identityOf(p)) {
        const found = values.filter((v) => v.value.toLowerCase().includes(identity.toLowerCase()));
        expect(found, `${p.key}: ${identity}`).toEqual([]);
      }
      // The text survives only as the digest's redacted quote, and only where that week's digest shows it.
      const text = p.mention.text.toLowerCase();
      const found = values.filter((v) => v.value.toLowerCase().includes(text));
      for (const v of found) expect(v, p.key).toMatchObject({ table: 'mentions', column: 'digest_quote', value: quoteOf(fx.digest.redact, p.mention.text) });
      if (p.mention.inReplyToText) expect(values.filter((v) => v.value.includes(p.mention.inReplyToText!)), p.key).toEqual([]);
    }
    // Health details the posts disclosed, and the names in them, are nowhere (the redacted quotes mask them).
    for (const word of ['chemo', 'Alvarez', 'oncology', '4471', 'Rosalind', 'want it all to end']) {
      expect(values.filter((v) => v.value.toLowerCase().includes(word.toLowerCase())), word).toEqual([]);
    }
    const db = fx.store.db;
    const purgedRows = db.prepare(`SELECT m.text, m.author_handle, m.author_id, m.author_name, m.author_followers, m.author_verified, m.conversation_id, m.in_reply_to_id,
      m.in_reply_to_text, c.reasons FROM mentions m JOIN classifications c ON c.mention_id = m.id WHERE m.purge_id IS NOT NULL`).all();
    expect(purgedRows).toHaveLength(posts.filter((p) => p.purged).length);
    for (const row of purgedRows) {
      expect(row).toEqual({ text: REMOVED, author_handle: REMOVED, author_id: REMOVED, author_name: null, author_followers: null, author_verified: null, conversation_id: null, in_reply_to_id: null, in_reply_to_text: null, reasons: '[]' });
    }
    // Audit-log details keep staff ids and reasons, not the author's follow-up post.
    const details = db.prepare(`SELECT detail FROM alert_events WHERE detail IS NOT NULL`).pluck().all() as string[];
    expect(details.some((d) => d.includes('mentionNativeId'))).toBe(false);
    expect(details.some((d) => d.includes('"reason":"not-actionable"'))).toBe(true);
    // Only what a digest shows is kept as a quote: W44's theme examples among the purged posts
    // (billing, portal, parking; the other themes' examples are open alerts) and its two praise
    // posts, and W43's praise. Other complaints, the crisis, spam and chatter keep no words at all.
    const quoted = db.prepare('SELECT native_id FROM mentions WHERE digest_quote IS NOT NULL ORDER BY id').pluck().all();
    const key = (k: string) => posts.find((p) => p.key === k)!.mention.nativeId;
    expect(quoted).toEqual(['w43-praise', 'billing', 'parking', 'oncology-praise', 'portal', 'best-nurses'].map(key));
  });

  it('removes the replies written on a purged post\'s card, and the guard\'s quotes of them', async () => {
    const purged = posts.find((p) => p.purged && p.key === 'billing')!;
    const alertId = alertIdOf(fx.store.db, purged.mention.nativeId);
    const text = 'So sorry about your chemo bill, Rosalind.';
    const draft = await fx.store.replies.create({ alertId, platform: 'x', account: null, text, author: '@kim', guard: { ok: false, problems: [`confirms: "${text}"`] }, approval: { required: false }, sendKey: 'k1', now: NOW - 1 });
    await purge();
    expect(await fx.store.replies.get(draft.id)).toMatchObject({ text: REMOVED, guard: { problems: [] }, author: '@kim', state: 'blocked' });
    expect(await fx.store.replies.events(draft.id)).toMatchObject([{ actor: '@kim', action: 'draft', detail: null }]);
    expect(allTextValues(fx.store.db).filter((v) => v.value.includes('Rosalind'))).toEqual([]);
  });

  it('keeps the text and author of open alerts, however old', async () => {
    await purge();
    for (const p of posts.filter((q) => !q.purged)) {
      const row = fx.store.db.prepare('SELECT text, author_handle, url, purge_id FROM mentions WHERE native_id = ?').get(p.mention.nativeId);
      expect(row, p.key).toEqual({ text: p.mention.text, author_handle: p.mention.author.handle, url: p.mention.url, purge_id: null });
      expect((await fx.store.getAlert(alertIdOf(fx.store.db, p.mention.nativeId)))!.mention.inReplyToText).toBe(p.mention.inReplyToText ?? null);
    }
  });

  it('records each purge without whose data it was, and a second run finds nothing more', async () => {
    const first = await purge();
    const second = await purge();
    expect(second).toMatchObject({ mentions: 0, alerts: 0 });
    const purged = posts.filter((p) => p.purged);
    expect(await retention.purges()).toEqual([
      { id: second.purgeId, at: NOW, reason: 'retention', cutoff: retentionCutoff(NOW, 365), platform: null, mentions: 0, alerts: 0, replyTexts: 0 },
      { id: first.purgeId, at: NOW, reason: 'retention', cutoff: retentionCutoff(NOW, 365), platform: null, mentions: purged.length, alerts: purged.filter((p) => !['spam', 'chatter'].includes(p.key)).length, replyTexts: 0 },
    ]);
  });

  it('waits until a closed alert has been unchanged for the whole retention period', async () => {
    const staff = posts.find((p) => p.key === 'staff')!;
    const id = alertIdOf(fx.store.db, staff.mention.nativeId);
    await fx.store.applyAction(id, 'resolve', '@ana', NOW - 10 * 86_400_000);
    await purge();
    expect((await fx.store.getAlert(id))!.mention.text).toBe(staff.mention.text);
    const later = NOW + 356 * 86_400_000;
    await retention.purgeExpired({ cutoff: retentionCutoff(later, 365), now: later, factsOf: createDigestFacts(fx.digest, NY) });
    expect((await fx.store.getAlert(id))!.mention.text).toBe(REMOVED);
  });
});

describe('purge on request', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let posts: FixturePost[];

  beforeEach(async () => {
    fx = await pipelineFixture(() => at(2026, 10, 20, 0));
    posts = fixtureWeekPosts();
    await loadFixtureWeek(fx, posts);
  });
  afterEach(() => fx.close());

  it("removes that author's text and identity everywhere, whatever the alert's state, and nothing else", async () => {
    const staff = posts.find((p) => p.key === 'staff')!;
    const meToo = posts.find((p) => p.key === 'me-too')!;
    const before = snapshotRows(fx.store.db);
    const reportsBefore = await reports(fx);
    const result = await new RetentionStore(fx.store.db).purgeAuthor({ handle: '@KIM_SATO', now: NOW, factsOf: createDigestFacts(fx.digest, NY) });
    expect(result).toMatchObject({ mentions: 1, alerts: 1, replyTexts: 1 });

    const values = allTextValues(fx.store.db);
    for (const needle of [...identityOf(staff), staff.mention.text, 'diabetes', 'metformin']) {
      expect(values.filter((v) => v.value.toLowerCase().includes(needle.toLowerCase())), needle).toEqual([]);
    }
    // The open alert stays open, with its clock.
    const alert = (await fx.store.getAlert(alertIdOf(fx.store.db, staff.mention.nativeId)))!;
    expect(alert).toMatchObject({ state: 'open', urgency: 'normal', categories: ['complaint', 'phi'], mention: { text: REMOVED, authorHandle: REMOVED } });

    // Nothing else changed: only her mention, its classification's reasons, the reply that quoted her, and the new purge record.
    const after = snapshotRows(fx.store.db);
    const changed = [...after.keys()].filter((key) => before.get(key) !== after.get(key));
    const mentionRow = (nativeId: string) => `mentions#${fx.store.db.prepare('SELECT id FROM mentions WHERE native_id = ?').pluck().get(nativeId) as number}`;
    const staffMention = mentionRow(staff.mention.nativeId);
    expect(changed.sort()).toEqual([`classifications#${staffMention.split('#')[1]}`, staffMention, mentionRow(meToo.mention.nativeId), `purges#${result.purgeId}`].sort());
    const meTooAfter = JSON.parse(after.get(mentionRow(meToo.mention.nativeId))!);
    expect({ ...JSON.parse(before.get(mentionRow(meToo.mention.nativeId))!), in_reply_to_text: null }).toEqual(meTooAfter);
    expect(JSON.parse(after.get(`purges#${result.purgeId}`)!)).toMatchObject({ reason: 'request', cutoff: null, platform: null, mentions: 1, alerts: 1, reply_texts: 1 });

    // Her numbers stay in the reports; the digest keeps her complaint's theme count but no quote of hers.
    const reportsAfter = await reports(fx);
    expect(reportsAfter['sla-report.md']).toBe(reportsBefore['sla-report.md']);
    expect(reportsAfter['sla-report.csv']).toBe(reportsBefore['sla-report.csv']);
    expect(reportsBefore['digest.md']).toContain('- **Staff attitude**: 1 — e.g. "I was [health detail]');
    expect(reportsAfter['digest.md']).toContain('- **Staff attitude**: 1\n');
    expect(reportsAfter.csv).toBe(reportsBefore.csv);
  });

  it('finds posts made under an earlier handle by the platform author id, and respects --platform', async () => {
    const staff = posts.find((p) => p.key === 'staff')!;
    await fx.store.ingest({ source: 'x', mentions: [{ ...staff.mention, nativeId: '1970000000000009999', author: { ...staff.mention.author, handle: 'kim_new_handle' }, text: 'the portal logged me out again', createdAt: at(2026, 11, 10, 9) }], now: at(2026, 11, 10, 9) }, (m, c) => ({ classification: fx.deps.classifier.classify(m.text, c), plan: null }));
    const retention = new RetentionStore(fx.store.db);
    expect(await retention.purgeAuthor({ handle: 'kim_sato', platform: 'bluesky', now: NOW, factsOf: createDigestFacts(fx.digest, NY) })).toMatchObject({ mentions: 0 });
    expect(await retention.purgeAuthor({ handle: 'kim_new_handle', platform: 'x', now: NOW, factsOf: createDigestFacts(fx.digest, NY) })).toMatchObject({ mentions: 2 });
    expect(allTextValues(fx.store.db).filter((v) => /kim_|Kim Sato/i.test(v.value))).toEqual([]);
  });
});

describe('triage purge (CLI)', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;

  beforeEach(async () => {
    fx = await pipelineFixture(() => at(2026, 10, 20, 0));
    await loadFixtureWeek(fx, fixtureWeekPosts());
    await fx.store.close();
  });
  afterEach(() => fx.close());

  it('purges an author on request and prints what it touched', async () => {
    const run = await runCli(['purge', '--author', '@kim_sato'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Purged @kim_sato on every platform: 1 posts \(1 with alerts\) and 1 quotes of them in replies; recorded as purge #1\.\n$/);
    const none = await runCli(['purge', '--author', 'nobody_here', '--platform', 'x'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(none.stdout).toMatch(/^No stored posts by @nobody_here on x; the request is recorded as purge #2\.\n$/);
  });

  it('runs the retention job once with --retention, by RETENTION_DAYS', async () => {
    const run = await runCli(['purge', '--retention'], { env: { DATABASE_PATH: fx.path, RETENTION_DAYS: '1' }, cwd: fx.dir });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Retention \(1 days, posts before \S+\): purged 11 posts \(9 with closed alerts\); recorded as purge #1\.\n$/);
  });

  it('says how to call it when the options do not fit', async () => {
    for (const args of [[], ['--retention', '--author', 'x'], ['--platform', 'x', '--retention'], ['--author', '@']]) {
      const run = await runCli(['purge', ...args], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/usage: triage purge --author HANDLE/);
    }
    const bad = await runCli(['purge', '--retention'], { env: { DATABASE_PATH: fx.path, RETENTION_DAYS: '0' }, cwd: fx.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/RETENTION_DAYS=0: must be a whole number from 1 to 36,500, in decimal digits/);
  });
});
