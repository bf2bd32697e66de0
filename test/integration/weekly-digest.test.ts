import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectDiscord } from '../../src/chat/discord/discord-chat.js';
import { actions, commands } from '../../handlers/index.js';
import { routeInteractions } from '../../src/chat/discord/discord-interactions.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/digest/chart.js';
import { renderDigestCsv, renderDigestEmbed, renderDigestHtml } from '../../src/digest/render-digest.js';
import { buildDigest, postWeeklyDigest } from '../../src/digest/weekly-digest.js';
import { parseWeek, previousWeek } from '../../src/digest/week.js';
import type { Mention } from '../../src/domain/mention.js';
import { decideFor } from '../../src/pipeline.js';
import { zonedTimeToUtc } from '../../src/triage/business-time.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { runCli } from '../helpers/cli.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { ROOT } from '../helpers/setup.js';

const NY = 'America/New_York';
const at = (m: number, d: number, h: number, min = 0) => zonedTimeToUtc(2026, m, d, h, min, NY);

/** Health details and identifiers in the fixture that no digest output may carry (links to public posts may). */
const SECRETS = ['chemo', 'diabetes', 'Alvarez', '4471', 'metformin', 'want it all to end', 'oncology', '@pat_q', '@sam_r'];

/** A fixed week (2026-W44, Mon 26 Oct to Sun 1 Nov: clocks fall back on the Sunday) and the week before. */
function fixtureMentions(): Array<Mention & { reply?: number }> {
  let n = 0;
  const m = (createdAt: number, text: string, handle = 'pat_q', reply?: number): Mention & { reply?: number } => ({
    platform: 'x', nativeId: String(1_980_000_000_000_000_000n + BigInt(++n)), createdAt, text, author: { id: `a${n}`, handle, followers: 100 },
    url: `https://x.com/${handle}/status/${n}`, stream: 'mentions', ...(reply !== undefined && { reply }),
  });
  return [
    // the week before (W43)
    m(at(10, 20, 10), 'thank you to the night nurses, so kind'),
    m(at(10, 21, 11), 'where do I park for imaging?'),
    // W44
    m(at(10, 26, 9), 'been on hold for 50 minutes with billing about account 4471, nobody answers @pat_q', 'pat_q', 20),
    m(at(10, 26, 14), 'my mom is on chemo and the parking garage is full again, nightmare', 'sam_r', 300),
    m(at(10, 27, 10), 'Dr. Alvarez and the oncology team were wonderful, thank you!', 'lee_h'),
    m(at(10, 28, 16), 'I was diagnosed with diabetes and nobody explained my metformin dose, rude staff', 'kim_s'),
    m(at(10, 29, 12), 'i want it all to end. nobody is listening', 'quiet_1', 8),
    m(at(10, 30, 9), 'the patient portal is down again and the app keeps crashing', 'jo_w'),
    m(at(10, 31, 18), 'earn $500 a day from home, DM me, link in bio https://t.co/a https://t.co/b'),
    m(at(11, 1, 1, 30), 'still waiting in the ER lobby for 4 hours', 'night_owl'),
    m(at(11, 1, 23, 30), 'Best nurses anywhere. Highly recommend!', 'fran_b'),
  ];
}

describe('weekly digest', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  const week = parseWeek('2026-W44', NY)!;

  beforeEach(async () => {
    fx = await pipelineFixture(() => at(11, 2, 8));
    const mentions = fixtureMentions();
    await fx.store.ingest({ source: 'x', mentions, usage: { stream: 'mentions', reads: 11, requests: 3 }, now: at(10, 27, 0) }, decideFor(fx.deps));
    // The brand's own posts: replies to some mentions, and a few original posts.
    const own = mentions.filter((m) => m.reply !== undefined).map((m, i) => ({ platform: 'x', nativeId: `own${i}`, createdAt: m.createdAt + m.reply! * 60_000, inReplyToId: m.nativeId }));
    own.push({ platform: 'x', nativeId: 'post1', createdAt: at(10, 26, 12), inReplyToId: undefined as never }, { platform: 'x', nativeId: 'post2', createdAt: at(10, 29, 12), inReplyToId: undefined as never });
    await fx.store.ingest({ source: 'x', mentions: [], ownPosts: own.map(({ inReplyToId, ...p }) => (inReplyToId ? { ...p, inReplyToId } : p)), now: at(10, 28, 0) }, decideFor(fx.deps));
  });
  afterEach(() => fx.close());

  it('covers the local days of the week, including a 25-hour day when the clocks fall back', async () => {
    expect(week.dates).toEqual(['2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01']);
    expect(week.dayStarts[7]! - week.dayStarts[6]!).toBe(25 * 3600_000);
    const data = (await buildDigest(fx.digest, week, NY)).data;
    expect(data.days.map((d) => d.total)).toEqual([2, 1, 1, 1, 1, 1, 2]);
    expect(data.previousTotal).toBe(2);
  });

  it('matches the golden Markdown, HTML and CSV', async () => {
    const digest = await buildDigest(fx.digest, week, NY);
    const outputs = { md: digest.markdown, html: renderDigestHtml(digest.data), csv: renderDigestCsv(digest.data) };
    const dir = join(ROOT, 'test', 'fixtures', 'digest');
    for (const [ext, text] of Object.entries(outputs)) {
      const file = join(dir, `2026-W44.${ext}`);
      if (!existsSync(file) && process.env.UPDATE_GOLDEN) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text, `${file} (set UPDATE_GOLDEN=1 after deleting it to regenerate)`).toBe(readFileSync(file, 'utf8'));
    }
  });

  it('is the same digest however often and whenever it is built', async () => {
    const first = await buildDigest(fx.digest, week, NY);
    await fx.store.ingest({ source: 'x', mentions: [{ platform: 'x', nativeId: 'later', createdAt: at(11, 5, 10), text: 'portal down again', author: { id: 'z', handle: 'z' } }], now: at(11, 5, 10) }, decideFor(fx.deps));
    const again = await buildDigest(fx.digest, week, NY);
    expect(again.markdown).toBe(first.markdown);
    expect(again.chartPng.equals(first.chartPng)).toBe(true);
  });

  it('never shows health details, names, handles, account numbers or crisis posts', async () => {
    const digest = await buildDigest(fx.digest, week, NY);
    const everything = [digest.markdown, renderDigestHtml(digest.data, digest.chartPng), renderDigestCsv(digest.data), JSON.stringify(renderDigestEmbed(digest.data))].join('\n');
    for (const secret of SECRETS) expect(everything.toLowerCase()).not.toContain(secret.toLowerCase());
    // Links to the posts do not name their authors either (x.com/i/web/status/ID).
    for (const handle of ['pat_q', 'sam_r', 'kim_s']) expect(everything).not.toContain(`x.com/${handle}/`);
    expect(digest.markdown).toContain('1 crisis posts; 1 answered; median first response 8 min. (Crisis posts are never quoted.)');
    expect(digest.markdown).toMatch(/Dr \[name\] and the \[health detail\] team were wonderful/);
  });

  it('renders the chart as a PNG of the expected size', async () => {
    const png = (await buildDigest(fx.digest, week, NY)).chartPng;
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.readUInt32BE(16)).toBe(CHART_WIDTH);
    expect(png.readUInt32BE(20)).toBe(CHART_HEIGHT);
  });

  it('counts the labels people corrected that week, by kind and without quoting a post', async () => {
    await fx.store.corrections.record(1, { kind: 'urgency', urgency: 'critical' }, '@ana', at(10, 28, 9), 'normal');
    await fx.store.corrections.record(2, { kind: 'category', category: 'crisis', present: true }, '@ben', at(10, 29, 9));
    await fx.store.corrections.record(3, { kind: 'category', category: 'spam', present: false }, '@ben', at(10, 30, 9));
    await fx.store.corrections.record(3, { kind: 'urgency', urgency: 'low' }, '@ben', at(11, 9, 9), 'normal'); // the next week
    const digest = await buildDigest(fx.digest, week, NY);
    expect(digest.data.corrections).toEqual({ total: 3, urgencyRaised: 1, urgencyLowered: 0, added: { crisis: 1 }, removed: { spam: 1 } });
    expect(digest.markdown).toContain('## What the classifier got wrong\n\n3 labels corrected on cards: urgency raised 1, lowered 0; added crisis 1; removed spam 1.');
    expect(renderDigestCsv(digest.data)).toContain('corrections_added,crisis,1');

    // `triage eval --corrections` scores the classifier on what people settled on.
    const evaluated = await runCli(['eval', '--corrections'], { env: { DATABASE_PATH: fx.path }, cwd: fx.dir });
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toMatch(/^corrections in .*triage\.db: 3 rows$/m);
    expect(evaluated.stdout).toMatch(/urgency +accuracy/);
  });

  it('handles an empty week', async () => {
    const empty = parseWeek('2025-W10', NY)!;
    const digest = await buildDigest(fx.digest, empty, NY);
    expect(digest.markdown).toContain('- 0 mentions (no change on the week before)');
    expect(digest.markdown).toContain('No complaint themes this week.');
    expect(digest.chartPng.readUInt32BE(16)).toBe(CHART_WIDTH);
  });

  it('reports our posting cadence on X against the guidance, and the week\'s reads', async () => {
    const data = (await buildDigest(fx.digest, week, NY)).data;
    expect(data.cadence).toMatchObject({ originals: 2, replies: 3, daysWithoutPost: 5 });
    expect(data.xReads).toEqual({ reads: 11, requests: 3, costUsd: 0.011 });
  });

  it('picks the last complete week on a Monday morning', () => {
    expect(previousWeek(at(11, 2, 8), NY).label).toBe('2026-W44');
    expect(previousWeek(at(11, 1, 23, 59), NY).label).toBe('2026-W43');
  });
});

describe('weekly digest on Discord (real client, fake Discord)', () => {
  let fake: FakeDiscord;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;

  beforeEach(async () => {
    fake = new FakeDiscord();
    await fake.start();
    fx = await pipelineFixture(() => at(11, 2, 8));
    await fx.store.ingest({ source: 'x', mentions: fixtureMentions(), now: at(10, 27, 0) }, decideFor(fx.deps));
  });
  afterEach(async () => {
    await fake.stop();
    fx.close();
  });

  it('posts the digest once per week with the embed and the chart attached', async () => {
    const chat = await connectDiscord({ config: { token: fake.token, apiBaseUrl: fake.apiBase, alertChannelId: fake.channelIds[0]!, digestChannelId: fake.channelIds[2]!, actorRoleIds: [], stormThreshold: 20 }, log: fx.log, now: () => at(11, 2, 8) });
    try {
      const first = await postWeeklyDigest(chat, fx.digest, at(11, 2, 8), NY);
      const second = await postWeeklyDigest(chat, fx.digest, at(11, 2, 9), NY);
      expect(first.week).toBe('2026-W44');
      expect(first.posted).toBeDefined();
      expect(second.posted).toBeUndefined();
      const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${fake.channelIds[2]}/messages`);
      expect(posts).toHaveLength(1);
      expect(posts[0]!.body.embeds[0]).toMatchObject({ title: 'Weekly digest 2026-W44', image: { url: 'attachment://chart.png' } });
      expect(posts[0]!.body).toMatchObject({ nonce: 'triage-digest-2026-W44', enforce_nonce: true, allowed_mentions: { parse: [] } });
      expect(posts[0]!.files).toEqual([expect.objectContaining({ name: 'chart.png', contentType: 'image/png' })]);
      expect(posts[0]!.files[0]!.data.readUInt32BE(16)).toBe(CHART_WIDTH);
    } finally {
      await chat.close();
    }
  });

  it('answers /triage digest with the embed and the chart', async () => {
    const chat = await connectDiscord({ config: { token: fake.token, apiBaseUrl: fake.apiBase, alertChannelId: fake.channelIds[0]!, actorRoleIds: [], stormThreshold: 20 }, log: fx.log, now: () => at(11, 2, 8) });
    try {
      routeInteractions({ deps: fx.deps, digest: fx.digest, chat, timeZone: NY, log: fx.log }, { commands, actions });
      const id = fake.command('digest', fake.member('700000000000000501', 'ana'), [{ name: 'week', type: 3, value: '2026-W44' }]);
      const deferred = await fake.waitFor(() => fake.callbacks.find((c) => c.interactionId === id));
      expect(deferred.type).toBe(5);
      const edit = await fake.waitFor(() => fake.requests.find((r) => r.method === 'PATCH' && r.path.includes('/messages/@original')));
      expect(edit.body.embeds[0].title).toBe('Weekly digest 2026-W44');
      expect(edit.files.map((f) => f.name)).toEqual(['chart.png']);
    } finally {
      await chat.close();
    }
  });
});
