import { inAccountTerms, PLATFORM_NAMES, type Platform, type SourceAccount } from '../accounts.js';
import type { BlueskyConfig, FacebookConfig, GoogleConfig, MastodonConfig, XConfig } from '../config.js';
import { createGraphClient, translateGraphError } from '../sources/facebook/graph-client.js';
import { createXClient, resolveXUserId, translateXError } from '../sources/x/x-client.js';
import { TriageError } from '../util/errors.js';
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
export async function checkBluesky(config: BlueskyConfig): Promise<DoctorLine> {
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
export async function checkMastodon(config: MastodonConfig): Promise<DoctorLine> {
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

/** What the doctor says of a platform with no account at all. */
export const NOT_CONFIGURED: ReadonlyArray<[Platform, string]> = [
  ['x', 'X: not configured (set X_BEARER_TOKEN and X_HANDLE to poll mentions)'],
  ['facebook', 'Facebook: not configured (set FACEBOOK_PAGE_ID and FACEBOOK_PAGE_TOKEN to read page comments)'],
  ['google', 'Google: not configured (set the GOOGLE_* settings to read Business Profile reviews)'],
  ['bluesky', 'Bluesky: not configured (set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD to poll mentions)'],
  ['mastodon', 'Mastodon: not configured (set MASTODON_URL and MASTODON_ACCESS_TOKEN to poll mentions)'],
];

/**
 * One cheap authenticated call per account (per location for Google). Lines of an account from
 * data/accounts.json name it, and name its own variables where the message names the shorthand's.
 */
export async function checkAccount(account: SourceAccount): Promise<DoctorLine[]> {
  let lines: DoctorLine[];
  switch (account.platform) {
    case 'x': lines = [await checkX(account.config)]; break;
    case 'facebook': lines = [await checkFacebook(account.config)]; break;
    case 'google': lines = await checkGoogle(account.config); break;
    case 'bluesky': lines = [await checkBluesky(account.config)]; break;
    case 'mastodon': lines = [await checkMastodon(account.config)]; break;
  }
  if (!account.fromFile) return lines;
  const platform = PLATFORM_NAMES[account.platform];
  return lines.map(({ ok, line }) => ({ ok, line: inAccountTerms(`${platform} account "${account.id}"${line.slice(platform.length)}`, account) }));
}

async function checkX(config: XConfig): Promise<DoctorLine> {
  try {
    const client = createXClient(config, { timeoutMs: 10_000 });
    const account = await resolveXUserId(client, { handle: config.handle ?? '', ...(config.userId !== undefined && { userId: config.userId }) });
    // One cheap read proves the token may read this account's mentions (the access level allows it).
    await client.v2.get(`users/${account.id}/mentions`, { max_results: '5' });
    return { ok: true, line: `X: ${config.apiBaseUrl} accepts the token; watching ${account.username ? `@${account.username}` : 'the account'} (id ${account.id})` };
  } catch (error) {
    const e = error instanceof TriageError ? error : translateXError(error, 'the mentions timeline');
    return { ok: false, line: `X: ${e.message}` };
  }
}

async function checkFacebook(config: FacebookConfig): Promise<DoctorLine> {
  try {
    // One cheap call proves the token is a live token that can read this page.
    const { body } = await createGraphClient(config, { timeoutMs: 10_000 }).get<{ id?: string; name?: string }>(config.pageId, { fields: 'id,name' }, AbortSignal.timeout(15_000));
    return { ok: true, line: `Facebook: ${config.graphUrl} accepts the page token; watching ${body.name ?? 'the page'} (id ${body.id ?? config.pageId})` };
  } catch (error) {
    return { ok: false, line: `Facebook: ${translateGraphError(error, 'the page').message}` };
  }
}

async function checkGoogle(config: GoogleConfig): Promise<DoctorLine[]> {
  const { createGoogleReviewsClient, translateGoogleError } = await import('../sources/google/google-client.js');
  const client = createGoogleReviewsClient(config, { timeoutMs: 10_000 });
  const lines: DoctorLine[] = [];
  // One cheap read per location: the refresh token, the client, API access and the ids at once.
  for (const location of config.locationIds) {
    try {
      const page = await client.listReviews(location, { pageSize: 1 }, AbortSignal.timeout(15_000));
      const average = page.averageRating === undefined ? '' : `, average ${page.averageRating}`;
      lines.push({ ok: true, line: `Google: reviews of location ${location} readable (${page.totalReviewCount ?? 0} reviews${average})` });
    } catch (error) {
      lines.push({ ok: false, line: `Google: ${translateGoogleError(error, `the reviews of location ${location}`, { answeredBefore: client.answeredBefore }).message}` });
    }
  }
  return lines;
}
