import type Database from 'better-sqlite3';
import type { AlertAction } from '../../src/domain/alert.js';
import type { Mention } from '../../src/domain/mention.js';
import { decideFor } from '../../src/pipeline.js';
import { zonedTimeToUtc } from '../../src/triage/business-time.js';
import type { pipelineFixture } from './pipeline.js';

export const NY = 'America/New_York';
export const at = (y: number, m: number, d: number, h: number, min = 0) => zonedTimeToUtc(y, m, d, h, min, NY);

/** One post of the fixture: what happens to it, and whether retention may purge it. */
export interface FixturePost {
  key: string;
  mention: Mention;
  /** Minutes after the post that the brand replied on X. */
  replyAfter?: number;
  actions?: Array<{ action: AlertAction; actor: string; minutesAfter: number; reason?: string }>;
  /** Expected after retention: closed (or no alert) and old → purged; open → kept. */
  purged: boolean;
}

let seq = 0;
function post(key: string, createdAt: number, text: string, author: { handle: string; name?: string }, rest: Partial<FixturePost> & { purged: boolean }, extra: Partial<Mention> = {}): FixturePost {
  const n = ++seq;
  return {
    key,
    mention: {
      platform: 'x',
      nativeId: String(1_970_000_000_000_000_000n + BigInt(n)),
      createdAt,
      text,
      author: { id: `uid-${author.handle}`, handle: author.handle, followers: 120 + n, ...(author.name !== undefined && { name: author.name }) },
      url: `https://x.com/${author.handle}/status/${1_970_000_000_000_000_000n + BigInt(n)}`,
      stream: 'mentions',
      ...extra,
    },
    ...rest,
  };
}

/**
 * 2026-W44 (Mon 26 Oct to Sun 1 Nov, New York; the clocks fall back on the Sunday) and the week
 * before: complaints, praise, a crisis, spam and chatter; alerts resolved, dismissed, waiting on the
 * customer and resumed, claimed or left open; replies on X; a post quoting another as the one it
 * replies to.
 */
export function fixtureWeekPosts(): FixturePost[] {
  seq = 0;
  const y = 2026;
  const posts: FixturePost[] = [
    post('w43-praise', at(y, 10, 20, 10), 'thank you to the night nurses, so kind', { handle: 'prev_nora', name: 'Nora Prevett' }, { purged: true, actions: [{ action: 'resolve', actor: '@ana', minutesAfter: 90 }] }),
    post('w43-question', at(y, 10, 21, 11), 'where do I park for imaging?', { handle: 'prev_otto' }, { purged: true, replyAfter: 45, actions: [{ action: 'resolve', actor: '@ben', minutesAfter: 120 }] }),
    post('billing', at(y, 10, 26, 9), 'been on hold for 50 minutes with billing about account 4471, nobody answers', { handle: 'pat_quinlan', name: 'Pat Quinlan' }, {
      purged: true, replyAfter: 20, actions: [{ action: 'resolve', actor: '@ana', minutesAfter: 300 }],
    }, { conversationId: 'conv-billing' }),
    post('parking', at(y, 10, 26, 14), 'my mom is on chemo and the parking garage is full again, nightmare', { handle: 'sam_rivers', name: 'Sam Rivers' }, {
      purged: true, actions: [{ action: 'claim', actor: '@ben', minutesAfter: 30 }, { action: 'wait', actor: '@ben', minutesAfter: 200 }, { action: 'resolve', actor: '@ben', minutesAfter: 24 * 60 }],
    }, { conversationId: 'conv-parking', inReplyToId: '1960000000000000001', inReplyToText: 'Parking update from Riverbend: level three closes Tuesday for repairs' }),
    post('parking-again', at(y, 10, 27, 8), 'still no space in the garage, third lap now', { handle: 'sam_rivers', name: 'Sam Rivers' }, {
      purged: true, actions: [{ action: 'resolve', actor: '@ben', minutesAfter: 60 }],
    }, { conversationId: 'conv-parking' }),
    post('oncology-praise', at(y, 10, 27, 10), 'Dr. Alvarez and the oncology team were wonderful, thank you!', { handle: 'lee_hart', name: 'Lee Hart' }, { purged: true, actions: [{ action: 'resolve', actor: '@ana', minutesAfter: 15 }] }),
    post('staff', at(y, 10, 28, 16), 'I was diagnosed with diabetes and nobody explained my metformin dose, rude staff', { handle: 'kim_sato', name: 'Kim Sato' }, { purged: false }),
    post('crisis', at(y, 10, 29, 12), 'i want it all to end. nobody is listening', { handle: 'quiet_one' }, { purged: true, replyAfter: 8, actions: [{ action: 'resolve', actor: '@ana', minutesAfter: 90 }] }),
    post('portal', at(y, 10, 30, 9), 'the patient portal is down again and the app keeps crashing', { handle: 'jo_webb', name: 'Jo Webb' }, { purged: true, actions: [{ action: 'dismiss', actor: '@ben', minutesAfter: 600, reason: 'not-actionable' }] }),
    post('spam', at(y, 10, 31, 18), 'earn $500 a day from home, DM me, link in bio https://t.co/a https://t.co/b', { handle: 'cash_bot_77' }, { purged: true }),
    post('chatter', at(y, 10, 31, 19), 'visited the new wing today with my aunt Rosalind', { handle: 'wing_visitor' }, { purged: true }),
    post('lobby', at(y, 11, 1, 1, 30), 'still waiting in the ER lobby for 4 hours', { handle: 'night_owl_er' }, { purged: false, actions: [{ action: 'claim', actor: '@ana', minutesAfter: 40 }] }),
    post('best-nurses', at(y, 11, 1, 23, 30), 'Best nurses anywhere. Highly recommend!', { handle: 'fran_bell', name: 'Fran Bell' }, { purged: true, replyAfter: 600, actions: [{ action: 'resolve', actor: '@ana', minutesAfter: 700 }] }),
  ];
  const staff = posts.find((p) => p.key === 'staff') as FixturePost;
  posts.push(post('me-too', at(y, 10, 29, 9), 'same thing happened to me, nobody explained anything', { handle: 'helper_zed' }, { purged: false }, {
    inReplyToId: staff.mention.nativeId, inReplyToText: staff.mention.text, conversationId: 'conv-staff',
  }));
  return posts;
}

/**
 * Stores the posts as a poller would (each when it was posted, a minute later), the brand's replies,
 * and the staff's actions in time order.
 */
export async function loadFixtureWeek(fx: Awaited<ReturnType<typeof pipelineFixture>>, posts: readonly FixturePost[]): Promise<void> {
  const events: Array<{ at: number; run: () => Promise<void> }> = [];
  const decide = decideFor(fx.deps);
  for (const p of posts) {
    const m = p.mention;
    events.push({ at: m.createdAt + 60_000, run: async () => void await fx.store.ingest({ source: 'x', mentions: [m], usage: { stream: 'mentions', reads: 1, requests: 1 }, now: m.createdAt + 60_000 }, decide, fx.deps.policies.resume) });
    if (p.replyAfter !== undefined) {
      const replyAt = m.createdAt + p.replyAfter * 60_000;
      events.push({ at: replyAt + 30_000, run: async () => void await fx.store.ingest({ source: 'x', mentions: [], ownPosts: [{ platform: 'x', nativeId: `own-${p.key}`, createdAt: replyAt, inReplyToId: m.nativeId }], now: replyAt + 30_000 }, decide) });
    }
    for (const a of p.actions ?? []) {
      const when = m.createdAt + a.minutesAfter * 60_000;
      events.push({
        at: when,
        run: async () => {
          const id = alertIdOf(fx.store.db, m.nativeId);
          const result = await fx.store.applyAction(id, a.action, a.actor, when, { detail: { discordUserId: '700000000000000001' }, ...(a.reason !== undefined && { reason: a.reason }) });
          if (!result.ok) throw new Error(`fixture: ${a.action} on ${p.key} failed: ${result.reason}`);
        },
      });
    }
  }
  events.push({ at: at(2026, 10, 26, 12), run: async () => void await fx.store.ingest({ source: 'x', mentions: [], ownPosts: [{ platform: 'x', nativeId: 'own-post-1', createdAt: at(2026, 10, 26, 12) }], now: at(2026, 10, 26, 12) }, decide) });
  for (const e of events.sort((a, b) => a.at - b.at)) await e.run();
}

export function alertIdOf(db: Database.Database, nativeId: string): number {
  const id = db.prepare('SELECT a.id FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE m.native_id = ?').pluck().get(nativeId) as number | undefined;
  if (id === undefined) throw new Error(`no alert for ${nativeId}`);
  return id;
}

/** Every text value in every column of every table, with where it is. */
export function allTextValues(db: Database.Database): Array<{ table: string; column: string; value: string }> {
  const out: Array<{ table: string; column: string; value: string }> = [];
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  for (const table of tables) {
    const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
    for (const column of columns) {
      for (const value of db.prepare(`SELECT "${column}" FROM "${table}" WHERE typeof("${column}") = 'text'`).pluck().all() as string[]) out.push({ table, column, value });
    }
  }
  return out;
}

/** Every row of every table, for comparing what a purge changed. */
export function snapshotRows(db: Database.Database): Map<string, string> {
  const rows = new Map<string, string>();
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  for (const table of tables) {
    for (const row of db.prepare(`SELECT rowid AS _rowid, * FROM "${table}"`).all() as Array<Record<string, unknown>>) {
      rows.set(`${table}#${String(row._rowid)}`, JSON.stringify(row));
    }
  }
  return rows;
}
