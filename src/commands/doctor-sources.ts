import type { BlueskyConfig, MastodonConfig } from '../config.js';
import { createBlueskyAgent, ensureBlueskySession, translateBlueskyError } from '../sources/bluesky/bluesky-client.js';
import { createMastodonClient, translateMastodonError } from '../sources/mastodon/mastodon-client.js';
import { MASTODON_DEFAULT_MAX_CHARACTERS } from '../sources/mastodon/mastodon-source.js';
import { memorySessionStore } from '../sources/session-store.js';

export interface DoctorLine {
  ok: boolean;
  line: string;
}

/**
 * Logs in with the app password (one of the ~100 sessions a day: it tests the password itself, and
 * leaves the running bot's stored session alone, whose refresh token a resume would rotate) and
 * reads one notification.
 */
export async function checkBluesky(config: BlueskyConfig | undefined): Promise<DoctorLine> {
  if (!config) return { ok: true, line: 'Bluesky: not configured (set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD to poll mentions)' };
  const sessions = memorySessionStore();
  const agent = createBlueskyAgent(config, sessions, { timeoutMs: 10_000 });
  try {
    await ensureBlueskySession(agent, config, sessions);
    await agent.app.bsky.notification.listNotifications({ limit: 1 });
    return { ok: true, line: `Bluesky: ${config.service} accepts BLUESKY_APP_PASSWORD; watching @${agent.session?.handle} (${agent.session?.did})` };
  } catch (error) {
    return { ok: false, line: `Bluesky: ${translateBlueskyError(error, 'the notifications').message}` };
  }
}

/** Verifies the token, that it may read notifications, and the instance's character limit. */
export async function checkMastodon(config: MastodonConfig | undefined): Promise<DoctorLine> {
  if (!config) return { ok: true, line: 'Mastodon: not configured (set MASTODON_URL and MASTODON_ACCESS_TOKEN to poll mentions)' };
  const client = createMastodonClient(config, { timeoutMs: 10_000 });
  let what = 'the account (verify_credentials)';
  try {
    const account = await client.v1.accounts.verifyCredentials();
    what = 'the mention notifications';
    await Promise.resolve(client.v1.notifications.list({ types: ['mention'], limit: 1 }));
    const instance = await client.v2.instance.fetch().catch(() => undefined);
    const limit = instance?.configuration?.statuses?.maxCharacters ?? MASTODON_DEFAULT_MAX_CHARACTERS;
    return { ok: true, line: `Mastodon: ${config.url} accepts MASTODON_ACCESS_TOKEN; watching @${account.acct} (id ${account.id}); statuses up to ${limit} characters` };
  } catch (error) {
    return { ok: false, line: `Mastodon: ${translateMastodonError(error, what).message}` };
  }
}
