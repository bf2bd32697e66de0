import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PROJECT_ROOT } from '../../src/config.js';
import { cardAlertId } from '../../src/chat/discord/render-alert-card.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { postgresMissing, startPgCluster } from '../helpers/postgres.js';
import { fakeDiscordEnv, writeComplaintReplay } from '../helpers/replay.js';

/** A built `triage start` (the test helpers read data files relative to the sources, so not from dist). */
interface Bot {
  child: ChildProcess;
  exited: Promise<unknown>;
  instance: string;
}

async function startBot(args: string[], env: Record<string, string>, cwd: string): Promise<Bot> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'src', 'bin.js'), 'start', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: process.env.TEN_KILLS_LOG_LEVEL ?? 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = once(child, 'close');
  let partial = '';
  let tail = '';
  const instance = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-2000);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      // Each line tagged with the process it came from: the bots' logs interleave in one file.
      if (process.env.TEN_KILLS_LOGS && lines.length > 0) appendFileSync(process.env.TEN_KILLS_LOGS, lines.map((line) => `${child.pid} ${line}\n`).join(''));
      for (const line of lines) {
        if (!line.includes('triage running')) continue;
        resolve(String((JSON.parse(line) as { instance: string }).instance));
      }
    });
    void exited.then(() => reject(new Error(`triage start exited before it ran: ${tail}`)));
  });
  return { child, exited, instance };
}

/** The poll job's lease with a poll every second: its period and half a minute (see the scheduler). */
const POLL_LEASE_MS = 31_000;

/**
 * The "10 SIGKILLs": two `triage start --replay` on one PostgreSQL database against one fake
 * Discord that ignores nonces (as Discord does a few minutes on), 2,000 replayed complaints (every
 * fifth a possible emergency, old enough for SLA reminders). The instance holding the poll job's
 * lease is SIGKILLed ten times, each time once more cards have arrived, and started again. Counted
 * at the end: cards and SLA notifications per nonce (0 duplicates), alerts without a card (0), and,
 * per kill, how long until another instance held each job the dead one held (within one lease).
 * `TEN_KILLS_LOGS=FILE` appends the bots' logs to FILE and lists any duplicate (with
 * `TEN_KILLS_LOG_LEVEL=debug`, the lookups' misses too).
 */
export async function benchTenKills(kills = 10, mentions = 2000): Promise<void> {
  const missing = postgresMissing();
  if (missing !== undefined) {
    console.log(`two instances, ${kills} SIGKILLs: skipped (${missing})`);
    return;
  }
  const cluster = await startPgCluster();
  const discord = new FakeDiscord();
  discord.honourNonces = false;
  const x = new FakeXApi();
  const temp = { dir: mkdtempSync(join(tmpdir(), 'triage-bench-kills-')) };
  const bots: Bot[] = [];
  const url = cluster.createDatabase('ten_kills');
  const db = new pg.Client({ connectionString: url });
  try {
    await Promise.all([discord.start(), x.start()]);
    x.addUser({ id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 12000 });
    const replay = writeComplaintReplay(temp.dir, mentions);
    const env = {
      DATABASE_URL: url,
      ...fakeDiscordEnv(discord),
      X_BEARER_TOKEN: x.token,
      X_HANDLE: 'RiverbendHealth',
      X_API_BASE_URL: x.baseUrl,
      X_POLL_CRON: '* * * * * *',
    };
    const start = () => startBot(['--replay', replay], env, temp.dir);
    await db.connect();
    const leases = async () => new Map((await db.query<{ job: string; holder: string }>('SELECT job, holder FROM job_leases')).rows.map((r) => [r.job, r.holder]));
    // Storm cards carry several alerts and say how many: alerts on cards so far.
    const carried = (card: { embeds?: unknown }) => {
      const fields = (card.embeds as Array<{ fields?: Array<{ name: string }> }> | undefined)?.[0]?.fields ?? [];
      const match = fields.map((f) => /^\+(\d+) similar alerts on this card$/.exec(f.name)).find((m) => m !== null);
      return 1 + (match ? Number(match[1]) : 0);
    };
    const carded = () => [...discord.messages.values()].filter((m) => cardAlertId(m) !== undefined).reduce((sum, m) => sum + carried(m), 0);

    const t0 = Date.now();
    bots.push(await start(), await start());
    const takeovers: Record<string, number[]> = { poll: [], 'sla-sweep': [] };
    for (let k = 1; k <= kills; k++) {
      // Each kill once more cards are in, while the outbox still holds some.
      const target = Math.floor((k * mentions) / (kills + 2));
      while (carded() < target) await sleep(50);
      const held = await leases();
      const victimAt = Math.max(0, bots.findIndex((b) => b.instance === held.get('poll')));
      const victim = bots[victimAt]!;
      const jobs = [...held].filter(([, holder]) => holder === victim.instance).map(([job]) => job).filter((job) => job === 'poll' || job === 'sla-sweep');
      victim.child.kill('SIGKILL');
      await victim.exited;
      if (process.env.TEN_KILLS_LOGS) appendFileSync(process.env.TEN_KILLS_LOGS, `${victim.child.pid} SIGKILLED at ${Date.now()} (kill ${k}, ${carded()} alerts carded, last message ${[...discord.messages.keys()].at(-1)})\n`);
      const killedAt = Date.now();
      bots[victimAt] = await start();
      // Taken over: the lease of each job the dead instance held now names a live one.
      for (const job of jobs) {
        while ((await leases()).get(job) === victim.instance && Date.now() - killedAt < 5 * POLL_LEASE_MS) await sleep(100);
        takeovers[job]!.push(Date.now() - killedAt);
      }
    }
    // Done when every alert has its card and every SLA notification was sent (the sweep runs every minute).
    const pending = async () => (await db.query<{ cards: number; notes: number; alerts: number }>(`SELECT
      (SELECT COUNT(*) FROM alerts WHERE chat_message_id IS NULL) AS cards, (SELECT COUNT(*) FROM sla_notifications WHERE sent_at IS NULL) AS notes,
      (SELECT COUNT(*) FROM alerts) AS alerts`)).rows[0]!;
    let left = await pending();
    while ((Number(left.alerts) < mentions || Number(left.cards) > 0 || Number(left.notes) > 0) && Date.now() - t0 < 300_000) {
      await sleep(250);
      left = await pending();
    }
    const seconds = (Date.now() - t0) / 1000;
    await Promise.all(bots.map((b) => (b.child.kill('SIGTERM'), b.exited)));

    const perNonce = new Map<string, number>();
    for (const m of discord.messages.values()) if (m.nonce) perNonce.set(m.nonce, (perNonce.get(m.nonce) ?? 0) + 1);
    const twice = (prefix: string) => [...perNonce].filter(([nonce, n]) => nonce.startsWith(prefix) && n > 1).length;
    const sent = (prefix: string) => [...perNonce.keys()].filter((nonce) => nonce.startsWith(prefix)).length;
    // Read once the bots are stopped: a reminder falling due after the wait above is recorded, maybe unsent.
    const notes = (await db.query<{ n: number; unsent: number }>('SELECT COUNT(*) AS n, COUNT(*) - COUNT(sent_at) AS unsent FROM sla_notifications')).rows[0]!;
    // Recorded as sent with no message of its nonce in the channel: lost.
    const lost = (await db.query<{ id: string }>('SELECT id FROM sla_notifications WHERE sent_at IS NOT NULL')).rows.filter((r) => !perNonce.has(`triage-sla-${r.id}`)).length;
    // Every alert on exactly one card: recorded with the card it is on, and all cards together carry each once.
    const alerts = (await db.query<{ id: string; chat_message_id: string | null; coalesced_into: string | null }>('SELECT id, chat_message_id, coalesced_into FROM alerts')).rows;
    const misrecorded = alerts.filter((a) => {
      const message = a.chat_message_id === null ? undefined : discord.messages.get(a.chat_message_id);
      return !message || cardAlertId(message) !== Number(a.coalesced_into ?? a.id);
    }).length;
    console.log(`two triage start on one PostgreSQL, ${mentions.toLocaleString('en-US')} replayed mentions, the poll lease holder SIGKILLed and restarted ${kills} times (${seconds.toFixed(0)} s):`);
    console.log(`  cards: ${sent('triage-alert-')} (storm cards included) carrying ${carded()} alerts of ${alerts.length}; ${twice('triage-alert-')} posted twice, ${misrecorded} alerts not recorded with their card (targets: ${alerts.length}, 0, 0)`);
    if (process.env.TEN_KILLS_LOGS) {
      const dup = new Set([...perNonce].filter(([, n]) => n > 1).map(([nonce]) => nonce));
      console.log('  twice:', [...discord.messages.values()].filter((m) => m.nonce && dup.has(m.nonce)).map((m) => `${m.nonce}@${m.id}/${m.channel_id}`).join(' '));
      console.log('  recorded:', alerts.filter((a) => dup.has(`triage-alert-${a.id}`)).map((a) => `${a.id}:${a.chat_message_id}`).join(' '));
    }
    console.log(`  SLA notifications: ${sent('triage-sla-')} sent of ${notes.n} recorded, ${twice('triage-sla-')} sent twice, ${lost} recorded as sent and not in the channel, ${notes.unsent} unsent at the stop (targets 0, 0, 0; one fallen due at the very end may be unsent)`);
    const lease = { poll: POLL_LEASE_MS, 'sla-sweep': 90_000 } as Record<string, number>;
    for (const [job, times] of Object.entries(takeovers)) {
      const sorted = [...times].sort((a, b) => a - b);
      console.log(`  ${job} taken over ${times.length} times: median ${((sorted[sorted.length >> 1] ?? 0) / 1000).toFixed(1)} s, max ${((sorted.at(-1) ?? 0) / 1000).toFixed(1)} s after the kill (its lease ${lease[job]! / 1000} s; target within one lease)`);
    }
  } finally {
    await Promise.all(bots.filter((b) => b.child.exitCode === null && b.child.signalCode === null).map((b) => (b.child.kill('SIGKILL'), b.exited)));
    await db.end().catch(() => undefined);
    await Promise.all([discord.stop(), x.stop()]);
    cluster.stop();
    rmSync(temp.dir, { recursive: true, force: true });
  }
}
