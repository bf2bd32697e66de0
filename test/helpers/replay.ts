import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeDiscord } from '../fakes/fake-discord.js';

/** A fake Discord's settings for the built CLI: alert and urgent channels, lead role, storms only past 1,000. */
export function fakeDiscordEnv(fake: FakeDiscord): Record<string, string> {
  return {
    DISCORD_TOKEN: fake.token,
    DISCORD_APP_ID: fake.appId,
    DISCORD_GUILD_ID: fake.guildId,
    DISCORD_ALERT_CHANNEL_ID: fake.channelIds[0]!,
    DISCORD_URGENT_CHANNEL_ID: fake.channelIds[1]!,
    DISCORD_LEAD_ROLE_ID: fake.roles.lead,
    DISCORD_API_BASE_URL: fake.apiBase,
    DISCORD_STORM_THRESHOLD: '1000',
  };
}

/** Writes `count` replayable X complaints (every fifth a possible emergency), a second apart up to now; returns the file. */
export function writeComplaintReplay(dir: string, count: number): string {
  const complaints = [
    'been on hold with billing for 50 minutes and nobody answers',
    'the patient portal is down again and I cannot see my results',
    'charged twice for the same visit, nobody calls back',
    'waited three hours in urgent care and left without being seen',
    'my dad has crushing chest pain, ER or 911?',
  ];
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => ({
    platform: 'x',
    id: String(1_990_000_000_000_000_000n + BigInt(i)),
    author: { id: String(500 + i), handle: `patient_${i}` },
    text: `@RiverbendHealth ${complaints[i % complaints.length]} (#${i})`,
    created_at: new Date(now - (count - i) * 1000).toISOString(),
  }));
  const path = join(dir, 'mentions.jsonl');
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return path;
}
