import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import { readAccounts, type SourceAccount } from './accounts.js';
import { ConfigError } from './util/errors.js';

/** The project folder (where `package.json` and `data/` are), whether running from `src/` or `dist/src/`. */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

export interface XConfig {
  bearerToken: string;
  userId?: string;
  handle?: string;
  searchQuery?: string;
  pollCron: string;
  apiBaseUrl: string;
  backfillHours: number;
  monthlyReadBudget?: number;
}

/** The X app's OAuth 2.0 client, for replies in user context (`triage auth x`); set only when X_CLIENT_ID is. */
export interface XOAuthConfig {
  clientId: string;
  /** Confidential clients only (web apps); public clients (native apps) have none. */
  clientSecret?: string;
  /** X_CALLBACK_PORT: the local callback's port on 127.0.0.1, as registered in the developer portal; a free one when unset. */
  callbackPort?: number;
  /** X_AUTHORIZE_URL: where consent is asked (default https://x.com/i/oauth2/authorize). */
  authorizeUrl: string;
  /** X_API_BASE_URL: the token endpoint and the writes go there. */
  apiBaseUrl: string;
}

export interface FacebookConfig {
  /** The page's numeric id. */
  pageId: string;
  /** A Page access token with pages_read_engagement and pages_read_user_content. */
  pageToken: string;
  /** Versioned Graph API base, e.g. https://graph.facebook.com/v26.0 (no trailing slash). */
  graphUrl: string;
  /** How far back the first poll reaches (BACKFILL_HOURS). */
  backfillHours: number;
}

export interface GoogleConfig {
  /** Bare numbers, without the `accounts/` and `locations/` prefixes. */
  accountId: string;
  locationIds: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** e.g. https://mybusiness.googleapis.com; the adapter appends /v4/... */
  apiBaseUrl: string;
  /** Handed to the OAuth2Client as `endpoints.oauth2TokenUrl`. */
  tokenUrl: string;
  backfillHours: number;
}

export interface BlueskyConfig {
  /** The account's handle (riverbend.bsky.social) or DID, as BLUESKY_HANDLE gives it. */
  handle: string;
  appPassword: string;
  /** BLUESKY_SERVICE: where to log in; the agent then follows the account's own PDS. */
  service: string;
  searchQuery?: string;
  /** Keyword search runs at most this often (it is not meant for bulk use). */
  searchIntervalMinutes: number;
  backfillHours: number;
}

export interface MastodonConfig {
  /** MASTODON_URL: the instance's address, e.g. https://mastodon.social. */
  url: string;
  accessToken: string;
  backfillHours: number;
}

export interface DiscordConfig {
  token: string;
  appId?: string;
  guildId?: string;
  alertChannelId?: string;
  /** Critical alerts go here (default: the alert channel), with the lead role pinged. */
  urgentChannelId?: string;
  /** Pinged on critical alerts and escalations. */
  leadRoleId?: string;
  /** Where the weekly digest goes (default: the alert channel). */
  digestChannelId?: string;
  /** Members with any of these roles may act on alerts; empty = every member who can see the channel. */
  actorRoleIds: string[];
  /** Members with any of these roles may approve or reject a reply written by someone else; absent or empty = any actor. */
  approverRoleIds?: string[];
  /** More non-critical alerts than this in one dispatch are coalesced into grouped cards. */
  stormThreshold: number;
  apiBaseUrl: string;
}

export interface SlackConfig {
  /** Bot token (`xoxb-`): every Web API call. */
  botToken: string;
  /** App-level token (`xapp-`, scope `connections:write`): opens the Socket Mode link. */
  appToken: string;
  alertChannelId: string;
  /** Critical alerts go here (default: the alert channel), with the lead group pinged. */
  urgentChannelId?: string;
  /** Where the weekly digest goes (default: the alert channel). */
  digestChannelId?: string;
  /** Pinged (`<!subteam^S…>`) on critical alerts, breaches and escalations; nothing else is ever pinged but an assignee's own reminder. */
  leadUserGroupId?: string;
  /** Members of any of these user groups may act on alerts; empty = everyone who sees the channel. */
  actorUserGroupIds: string[];
  /** More non-critical alerts than this in one dispatch are coalesced into grouped cards. */
  stormThreshold: number;
  /** Web API base, with its trailing slash (`https://slack.com/api/`), handed to Bolt as `slackApiUrl`. */
  apiUrl: string;
}

export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Group or role claim values that may act; everyone else who signs in only reads. */
  actorGroups: string[];
  /** OIDC_APPROVER_GROUPS: who may approve or reject a reply written by someone else (unset: the actor groups). */
  approverGroups?: string[];
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  databasePath: string;
  /** `postgres://...`: the PostgreSQL store, for several instances on one database; DATABASE_PATH is then ignored. */
  databaseUrl?: string;
  /** Set when DATABASE_URL is and DATABASE_PATH was given too: said once at start-up. */
  storeNotice?: string;
  logLevel: LogLevel;
  /** Set only when X_BEARER_TOKEN is. */
  x?: XConfig;
  /** Set only when X_CLIENT_ID is: replies on X in user context. */
  xOAuth?: XOAuthConfig;
  /** Set only when BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are. */
  bluesky?: BlueskyConfig;
  /** Set only when MASTODON_URL and MASTODON_ACCESS_TOKEN are. */
  mastodon?: MastodonConfig;
  /** Set only when DISCORD_TOKEN is. */
  discord?: DiscordConfig;
  /** Set only when FACEBOOK_PAGE_TOKEN (and FACEBOOK_PAGE_ID) is. */
  facebook?: FacebookConfig;
  /** Set only when the GOOGLE_* credentials are. */
  google?: GoogleConfig;
  /** Set only when SLACK_BOT_TOKEN is. */
  slack?: SlackConfig;
  /**
   * Every account to poll: those in ACCOUNTS_PATH (data/accounts.json) and the one-account settings
   * above (x, bluesky, ...), which stay a shorthand for one account per platform.
   */
  accounts: SourceAccount[];
  paths: {
    accounts: string;
    lexicon: string;
    slaPolicy: string;
    templates: string;
    themes: string;
    sampleMentions: string;
  };
  /** When the weekly digest is posted (in the SLA policy's time zone). */
  digestCron: string;
  influentialFollowers: number;
  /** The operations listener (/healthz, /metrics); set only when HTTP_PORT is. */
  http?: { host: string; port: number };
  /** Set only when TEAMS_WORKFLOW_URL is. */
  teams?: { workflowUrl: string };
  /** The signed-in web console on the HTTP listener; set only when OIDC_ISSUER is. */
  console?: ConsoleConfig;
  /** PUBLIC_BASE_URL: where people reach the console (behind the reverse proxy), no trailing slash. */
  publicBaseUrl?: string;
  /** TRIAGE_SECRET_KEY: signs card links and the console's session cookie. */
  secretKey?: string;
  /** Days a post's text and author are kept once nothing is open about it (the retention job). */
  retentionDays: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads every setting from `env` once and checks it. All problems are collected and thrown together
 * as one {@link ConfigError}, each naming the variable and how to fix it.
 */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const path = (name: string, fallback: string): string => {
    const value = get(name);
    return value === undefined ? resolve(PROJECT_ROOT, fallback) : isAbsolute(value) ? value : resolve(cwd, value);
  };
  /** Decimal digits only (no 0x10, 1e9 or 1.0), within [1, max]. */
  const positiveInt = (name: string, fallback: number | undefined, max: number): number | undefined => {
    const value = get(name);
    if (value === undefined) return fallback;
    const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      problems.push(`${name}=${value}: must be a whole number from 1 to ${max.toLocaleString('en-US')}, in decimal digits. Fix or unset ${name}.`);
      return fallback;
    }
    return n;
  };
  /** A credential pasted with a line break or a space in it is refused here, not by an HTTP header later. */
  const secret = (name: string): string | undefined => {
    const value = get(name);
    if (value !== undefined && /[\s\u0000-\u001f\u007f]/.test(value)) {
      problems.push(`${name}: contains a space, line break or control character. Paste the token again, on one line, without quotes inside it.`);
    }
    return value;
  };
  const url = (name: string, fallback: string): string => {
    const value = get(name) ?? fallback;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      problems.push(`${name}=${value}: not an http(s) URL. Use e.g. ${fallback}, or unset ${name} for the default.`);
    }
    return value.replace(/\/+$/, '');
  };
  const snowflake = (name: string): string | undefined => {
    const value = get(name);
    if (value !== undefined && !/^\d{15,21}$/.test(value)) {
      problems.push(`${name}=${value}: not a Discord id (15–21 digits). In Discord, enable Developer Mode and use "Copy ID".`);
    }
    return value;
  };

  const databasePath = path('DATABASE_PATH', 'data/triage.db');
  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined) checkDatabaseUrl(databaseUrl, problems);
  else checkWritableDatabase(databasePath, problems);

  const logLevelRaw = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevelRaw as LogLevel)) {
    problems.push(`LOG_LEVEL=${logLevelRaw}: must be one of ${LOG_LEVELS.join(', ')}.`);
  }

  const config: Config = {
    databasePath,
    accounts: [],
    ...(databaseUrl !== undefined && { databaseUrl }),
    ...(databaseUrl !== undefined && get('DATABASE_PATH') !== undefined && { storeNotice: 'DATABASE_URL is set: the PostgreSQL store is used and DATABASE_PATH is ignored.' }),
    logLevel: LOG_LEVELS.includes(logLevelRaw as LogLevel) ? (logLevelRaw as LogLevel) : 'info',
    paths: {
      accounts: path('ACCOUNTS_PATH', 'data/accounts.json'),
      lexicon: path('LEXICON_PATH', 'data/lexicon.json'),
      slaPolicy: path('SLA_POLICY_PATH', 'data/sla-policy.json'),
      templates: path('TEMPLATES_PATH', 'data/reply-templates.json'),
      themes: path('THEMES_PATH', 'data/themes.json'),
      sampleMentions: path('SAMPLE_MENTIONS_PATH', 'data/sample-mentions.jsonl'),
    },
    influentialFollowers: positiveInt('INFLUENTIAL_FOLLOWERS', 10_000, 1_000_000_000) ?? 10_000,
    retentionDays: positiveInt('RETENTION_DAYS', 365, 36_500) ?? 365,
    digestCron: get('DIGEST_CRON') ?? '0 8 * * 1',
  };
  if (!cron.validate(config.digestCron)) {
    problems.push(`DIGEST_CRON=${config.digestCron}: not a valid cron expression. The default "0 8 * * 1" is Monday 08:00.`);
  }

  const httpPort = get('HTTP_PORT');
  if (httpPort !== undefined) {
    const port = Number(httpPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      problems.push(`HTTP_PORT=${httpPort}: must be a port number (1–65535; 0 picks a free one). Unset it to run without /healthz and /metrics.`);
    }
    config.http = { host: get('HTTP_HOST') ?? '127.0.0.1', port };
  }

  const bearerToken = secret('X_BEARER_TOKEN');
  const xApiBaseUrl = url('X_API_BASE_URL', 'https://api.x.com');
  const pollCron = get('X_POLL_CRON') ?? '* * * * *';
  if (!cron.validate(pollCron)) {
    problems.push(`X_POLL_CRON=${pollCron}: not a valid cron expression. Use five fields, e.g. "* * * * *" for every minute.`);
  }
  const handle = get('X_HANDLE')?.replace(/^@/, '');
  if (handle !== undefined && !/^\w{1,15}$/.test(handle)) {
    problems.push(`X_HANDLE=${handle}: not an X handle (1–15 letters, digits or _).`);
  }
  const userId = get('X_USER_ID');
  if (userId !== undefined && !/^\d{1,20}$/.test(userId)) {
    problems.push(`X_USER_ID=${userId}: must be the numeric id of the account (digits only).`);
  }
  const backfillHours = positiveInt('X_BACKFILL_HOURS', 24, 720) ?? 24;
  const monthlyReadBudget = positiveInt('X_MONTHLY_READ_BUDGET', undefined, 1_000_000_000);
  if (bearerToken !== undefined) {
    if (userId === undefined && handle === undefined) {
      problems.push('X_BEARER_TOKEN is set but neither X_USER_ID nor X_HANDLE is: set X_HANDLE to the account whose mentions to watch.');
    }
    config.x = {
      bearerToken,
      pollCron,
      apiBaseUrl: xApiBaseUrl,
      backfillHours,
      ...(userId !== undefined && { userId }),
      ...(handle !== undefined && { handle }),
      ...(get('X_SEARCH_QUERY') !== undefined && { searchQuery: get('X_SEARCH_QUERY') as string }),
      ...(monthlyReadBudget !== undefined && { monthlyReadBudget }),
    };
  }

  readXOAuthConfig(config, { get, secret, url, problems, backfillHours }, xApiBaseUrl);

  // Every source but X (which keeps X_BACKFILL_HOURS) reads its first poll this far back.
  const sourceBackfillHours = positiveInt('BACKFILL_HOURS', 24, 720) ?? 24;
  readFacebookConfig(config, { get, secret, url, problems, backfillHours: sourceBackfillHours });
  readGoogleConfig(config, { get, secret, url, problems, backfillHours: sourceBackfillHours });

  // Bluesky and Mastodon: one account each from the environment.
  const blueskyHandle = get('BLUESKY_HANDLE')?.replace(/^@/, '');
  const blueskyPassword = secret('BLUESKY_APP_PASSWORD');
  const blueskyService = url('BLUESKY_SERVICE', 'https://bsky.social');
  const blueskySearchInterval = positiveInt('BLUESKY_SEARCH_INTERVAL_MINUTES', 15, 1440) ?? 15;
  if (blueskyHandle !== undefined && !/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/.test(blueskyHandle) && !/^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(blueskyHandle)) {
    problems.push(`BLUESKY_HANDLE=${blueskyHandle}: not a Bluesky handle. Use the full handle, e.g. riverbend.bsky.social or riverbend.org (or the account's did:plc:...).`);
  }
  if ((blueskyHandle === undefined) !== (blueskyPassword === undefined)) {
    problems.push(blueskyHandle === undefined
      ? 'BLUESKY_APP_PASSWORD is set but BLUESKY_HANDLE is not: set BLUESKY_HANDLE to the account to watch (e.g. riverbend.bsky.social).'
      : 'BLUESKY_HANDLE is set but BLUESKY_APP_PASSWORD is not: create an app password (Settings → Privacy and security → App passwords) and set it.');
  }
  if (blueskyHandle !== undefined && blueskyPassword !== undefined) {
    config.bluesky = {
      handle: blueskyHandle,
      appPassword: blueskyPassword,
      service: blueskyService,
      searchIntervalMinutes: blueskySearchInterval,
      backfillHours: sourceBackfillHours,
      ...(get('BLUESKY_SEARCH_QUERY') !== undefined && { searchQuery: get('BLUESKY_SEARCH_QUERY') as string }),
    };
  }

  const mastodonUrl = get('MASTODON_URL');
  const mastodonToken = secret('MASTODON_ACCESS_TOKEN');
  if (mastodonUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(mastodonUrl);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      problems.push(`MASTODON_URL=${mastodonUrl}: not an http(s) URL. Use the instance's address, e.g. https://mastodon.social.`);
    } else if (parsed.pathname.replace(/\/+$/, '') !== '' || parsed.search !== '') {
      problems.push(`MASTODON_URL=${mastodonUrl}: use the instance's address alone, without a path (e.g. ${parsed.origin}), not a profile or API link.`);
    }
  }
  if ((mastodonUrl === undefined) !== (mastodonToken === undefined)) {
    problems.push(mastodonUrl === undefined
      ? 'MASTODON_ACCESS_TOKEN is set but MASTODON_URL is not: set MASTODON_URL to the instance, e.g. https://mastodon.social.'
      : 'MASTODON_URL is set but MASTODON_ACCESS_TOKEN is not: create an application with read scopes (Preferences → Development) and set its access token.');
  }
  if (mastodonUrl !== undefined && mastodonToken !== undefined) {
    config.mastodon = { url: mastodonUrl.replace(/\/+$/, ''), accessToken: mastodonToken, backfillHours: sourceBackfillHours };
  }

  const discordToken = secret('DISCORD_TOKEN');
  const discordApiBaseUrl = url('DISCORD_API_BASE_URL', 'https://discord.com/api');
  const appId = snowflake('DISCORD_APP_ID');
  const guildId = snowflake('DISCORD_GUILD_ID');
  const alertChannelId = snowflake('DISCORD_ALERT_CHANNEL_ID');
  const urgentChannelId = snowflake('DISCORD_URGENT_CHANNEL_ID');
  const leadRoleId = snowflake('DISCORD_LEAD_ROLE_ID');
  const digestChannelId = snowflake('DISCORD_DIGEST_CHANNEL_ID');
  const roleIds = (name: string, unsetMeans: string) => {
    const ids = (get(name) ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    // An empty list would mean anyone may: say so rather than guess.
    if (get(name) !== undefined && ids.length === 0) problems.push(`${name} lists no role id. List role ids separated by commas, or unset it to let ${unsetMeans}.`);
    for (const id of ids) {
      if (!/^\d{15,21}$/.test(id)) problems.push(`${name}: "${id}" is not a role id (15–21 digits); list role ids separated by commas.`);
    }
    return ids;
  };
  const actorRoleIds = roleIds('DISCORD_ACTOR_ROLE_IDS', 'everyone who sees the channel act');
  const approverRoleIds = roleIds('DISCORD_APPROVER_ROLE_IDS', 'every member who may act approve replies written by someone else');
  const stormThreshold = positiveInt('DISCORD_STORM_THRESHOLD', 20, 1_000) ?? 20;
  if (discordToken !== undefined) {
    if (alertChannelId === undefined) {
      problems.push('DISCORD_TOKEN is set but DISCORD_ALERT_CHANNEL_ID is not: set it to the id of the channel that receives alert cards.');
    }
    config.discord = {
      token: discordToken,
      apiBaseUrl: discordApiBaseUrl,
      actorRoleIds,
      ...(approverRoleIds.length > 0 && { approverRoleIds }),
      stormThreshold,
      ...(urgentChannelId !== undefined && { urgentChannelId }),
      ...(leadRoleId !== undefined && { leadRoleId }),
      ...(digestChannelId !== undefined && { digestChannelId }),
      ...(appId !== undefined && { appId }),
      ...(guildId !== undefined && { guildId }),
      ...(alertChannelId !== undefined && { alertChannelId }),
    };
  }

  config.accounts = readAccounts(config, config.paths.accounts, get('ACCOUNTS_PATH') !== undefined, get, {
    xApiBaseUrl,
    xPollCron: pollCron,
    xBackfillHours: backfillHours,
    backfillHours: sourceBackfillHours,
    blueskyService,
    blueskySearchIntervalMinutes: blueskySearchInterval,
    graphUrl: url('FACEBOOK_GRAPH_URL', 'https://graph.facebook.com/v26.0'),
    googleApiBaseUrl: url('GOOGLE_API_BASE_URL', 'https://mybusiness.googleapis.com'),
    googleTokenUrl: url('GOOGLE_TOKEN_URL', 'https://oauth2.googleapis.com/token'),
  }, problems);

  const slack = readSlackConfig(get, { secret, url, positiveInt }, problems);
  if (slack) config.slack = slack;

  readTeamsAndConsole(config, { get, secret, url, problems });
  // Discord, Slack and Teams may be set together: each alert is carded once in each (deliveries per chat).

  // A base URL both the one-account settings and the accounts file read is reported once.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return config;
}

/**
 * Teams (a Workflows webhook) and the web console. A Teams card's buttons are links into the
 * console, so Teams needs PUBLIC_BASE_URL and TRIAGE_SECRET_KEY; the console needs them and the
 * OIDC client, and the HTTP listener to serve it.
 */
function readTeamsAndConsole(config: Config, { get, secret, url, problems }: Omit<SettingReaders, 'backfillHours'>): void {
  const key = secret('TRIAGE_SECRET_KEY');
  if (key !== undefined) {
    if (key.length < 32) problems.push('TRIAGE_SECRET_KEY: too short (under 32 characters). Make one with: openssl rand -base64 32');
    config.secretKey = key;
  }
  if (get('PUBLIC_BASE_URL') !== undefined) {
    config.publicBaseUrl = url('PUBLIC_BASE_URL', 'https://triage.example.org');
    const parsed = URL.canParse(config.publicBaseUrl) ? new URL(config.publicBaseUrl) : undefined;
    // The console's pages and redirects are at /console/… from the root: a proxy path prefix would break them.
    if (parsed && (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '')) {
      problems.push(`PUBLIC_BASE_URL=${config.publicBaseUrl}: use the address alone, without a path (e.g. ${parsed.origin}); the console is served at /console/ under it.`);
    }
    if (key === undefined) problems.push('PUBLIC_BASE_URL is set but TRIAGE_SECRET_KEY is not: it signs the cards\' "Open in console" links. Make one with: openssl rand -base64 32');
  }
  const workflowUrl = get('TEAMS_WORKFLOW_URL');
  const ownTeams = config.accounts.find((a) => a.routing.teamsWorkflowUrls !== undefined);
  if (ownTeams && workflowUrl === undefined) {
    problems.push(`${config.paths.accounts}: account "${ownTeams.id}": routing.teams is set but TEAMS_WORKFLOW_URL is not: set TEAMS_WORKFLOW_URL to the Workflows URL for the accounts without their own (one of these will do), or remove routing.teams.`);
  }
  if (workflowUrl !== undefined) {
    config.teams = { workflowUrl: url('TEAMS_WORKFLOW_URL', 'https://prod-00.westeurope.logic.azure.com/workflows/…') };
    if (config.publicBaseUrl === undefined) problems.push('TEAMS_WORKFLOW_URL is set but PUBLIC_BASE_URL is not: Teams cards link to the web console; set PUBLIC_BASE_URL to its address (e.g. https://triage.example.org).');
    if (key === undefined && config.publicBaseUrl === undefined) problems.push('TEAMS_WORKFLOW_URL is set but TRIAGE_SECRET_KEY is not: it signs the cards\' links. Make one with: openssl rand -base64 32');
  }
  const names = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
  const values = { OIDC_ISSUER: get('OIDC_ISSUER'), OIDC_CLIENT_ID: get('OIDC_CLIENT_ID'), OIDC_CLIENT_SECRET: secret('OIDC_CLIENT_SECRET') };
  if (names.every((n) => values[n] === undefined)) {
    for (const name of ['OIDC_ACTOR_GROUPS', 'OIDC_APPROVER_GROUPS']) if (get(name) !== undefined) problems.push(`${name} is set but OIDC_ISSUER is not: set the OIDC_* settings to turn the web console on, or unset it.`);
    return;
  }
  const missing = names.filter((n) => values[n] === undefined);
  if (missing.length > 0) problems.push(`The web console needs all of ${names.join(', ')}; missing: ${missing.join(', ')} (README "Web console").`);
  const issuer = url('OIDC_ISSUER', 'https://login.microsoftonline.com/<tenant-id>/v2.0');
  if (config.publicBaseUrl === undefined) problems.push('OIDC_ISSUER is set but PUBLIC_BASE_URL is not: set it to the console\'s address, which the identity provider redirects back to.');
  if (key === undefined && config.publicBaseUrl === undefined) problems.push('OIDC_ISSUER is set but TRIAGE_SECRET_KEY is not: it signs the console\'s session cookie. Make one with: openssl rand -base64 32');
  if (config.http === undefined) problems.push('OIDC_ISSUER is set but HTTP_PORT is not: the console is served on the HTTP listener; set HTTP_PORT (e.g. 8080).');
  const groups = get('OIDC_ACTOR_GROUPS');
  const actorGroups = (groups ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (groups !== undefined && actorGroups.length === 0) problems.push('OIDC_ACTOR_GROUPS lists no group. List group ids or role names separated by commas, or unset it (then nobody may act; everyone reads).');
  const approvers = get('OIDC_APPROVER_GROUPS');
  const approverGroups = (approvers ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (approvers !== undefined && approverGroups.length === 0) problems.push('OIDC_APPROVER_GROUPS lists no group. List group ids or role names separated by commas, or unset it (then the actor groups approve replies).');
  config.console = { issuer, clientId: values.OIDC_CLIENT_ID ?? '', clientSecret: values.OIDC_CLIENT_SECRET ?? '', actorGroups, ...(approverGroups.length > 0 && { approverGroups }) };
}

interface SettingReaders {
  get: (name: string) => string | undefined;
  secret: (name: string) => string | undefined;
  url: (name: string, fallback: string) => string;
  problems: string[];
  backfillHours: number;
}

/** X_CLIENT_ID (and X_CLIENT_SECRET for a confidential client): the app `triage auth x` asks consent for. */
function readXOAuthConfig(config: Config, { get, secret, url, problems }: SettingReaders, apiBaseUrl: string): void {
  const clientId = secret('X_CLIENT_ID');
  const clientSecret = secret('X_CLIENT_SECRET');
  const port = get('X_CALLBACK_PORT');
  const callbackPort = port === undefined ? undefined : /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 ? Number(port) : undefined;
  if (port !== undefined && callbackPort === undefined) problems.push(`X_CALLBACK_PORT=${port}: must be a port number (1–65535), the one in the callback URL registered in the X developer portal.`);
  if (clientId === undefined) {
    if (clientSecret !== undefined) problems.push('X_CLIENT_SECRET is set but X_CLIENT_ID is not: copy the OAuth 2.0 Client ID from the X developer portal (App → Keys and tokens).');
    return;
  }
  config.xOAuth = {
    clientId,
    authorizeUrl: url('X_AUTHORIZE_URL', 'https://x.com/i/oauth2/authorize'),
    apiBaseUrl,
    ...(clientSecret !== undefined && { clientSecret }),
    ...(callbackPort !== undefined && { callbackPort }),
  };
}

function readFacebookConfig(config: Config, { get, secret, url, problems, backfillHours }: SettingReaders): void {
  const pageId = get('FACEBOOK_PAGE_ID');
  const pageToken = secret('FACEBOOK_PAGE_TOKEN');
  const graphUrl = url('FACEBOOK_GRAPH_URL', 'https://graph.facebook.com/v26.0');
  if (pageId !== undefined && !/^\d{1,25}$/.test(pageId)) {
    problems.push(`FACEBOOK_PAGE_ID=${pageId}: must be the page's numeric id (Page → About → Page transparency, or Meta Business Suite → Settings).`);
  }
  if (pageId === undefined && pageToken === undefined) return;
  if (pageToken === undefined) problems.push('FACEBOOK_PAGE_ID is set but FACEBOOK_PAGE_TOKEN is not: set it to a Page access token (README "Connect a Facebook Page").');
  if (pageId === undefined) problems.push('FACEBOOK_PAGE_TOKEN is set but FACEBOOK_PAGE_ID is not: set it to the numeric id of the page to watch.');
  if (!/\/v\d+\.\d+$/.test(graphUrl)) {
    problems.push(`FACEBOOK_GRAPH_URL=${graphUrl}: must end with the Graph API version, e.g. https://graph.facebook.com/v26.0.`);
  }
  config.facebook = { pageId: pageId ?? '', pageToken: pageToken ?? '', graphUrl, backfillHours };
}

function readGoogleConfig(config: Config, { get, secret, url, problems, backfillHours }: SettingReaders): void {
  const names = ['GOOGLE_ACCOUNT_ID', 'GOOGLE_LOCATION_IDS', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'GOOGLE_REFRESH_TOKEN'] as const;
  const apiBaseUrl = url('GOOGLE_API_BASE_URL', 'https://mybusiness.googleapis.com');
  const tokenUrl = url('GOOGLE_TOKEN_URL', 'https://oauth2.googleapis.com/token');
  const accountId = get('GOOGLE_ACCOUNT_ID');
  const locationsRaw = get('GOOGLE_LOCATION_IDS');
  const clientId = get('GOOGLE_CLIENT_ID');
  const clientSecret = secret('GOOGLE_CLIENT_SECRET');
  const refreshToken = secret('GOOGLE_REFRESH_TOKEN');
  const values = { GOOGLE_ACCOUNT_ID: accountId, GOOGLE_LOCATION_IDS: locationsRaw, GOOGLE_CLIENT_ID: clientId, GOOGLE_CLIENT_SECRET: clientSecret, GOOGLE_REFRESH_TOKEN: refreshToken };
  if (names.every((name) => values[name] === undefined)) return;
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    problems.push(`Google reviews need all of ${names.join(', ')}; missing: ${missing.join(', ')} (README "Connect Google reviews").`);
  }
  if (accountId !== undefined && !/^\d{1,30}$/.test(accountId)) {
    const bare = accountId.replace(/^accounts\//, '');
    problems.push(`GOOGLE_ACCOUNT_ID=${accountId}: must be the bare account number${/^\d+$/.test(bare) ? `, ${bare}` : ''} (without "accounts/").`);
  }
  const locationIds = (locationsRaw ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  if (locationsRaw !== undefined && locationIds.length === 0) problems.push('GOOGLE_LOCATION_IDS lists no location: list the bare location numbers, separated by commas.');
  for (const id of locationIds) {
    if (!/^\d{1,30}$/.test(id)) problems.push(`GOOGLE_LOCATION_IDS: "${id}" is not a bare location number (write 1234567890, not accounts/.../locations/1234567890).`);
  }
  if (new Set(locationIds).size !== locationIds.length) problems.push('GOOGLE_LOCATION_IDS lists a location twice.');
  config.google = {
    accountId: accountId ?? '',
    locationIds,
    clientId: clientId ?? '',
    clientSecret: clientSecret ?? '',
    refreshToken: refreshToken ?? '',
    apiBaseUrl,
    tokenUrl,
    backfillHours,
  };
}

type Readers = {
  secret(name: string): string | undefined;
  url(name: string, fallback: string): string;
  positiveInt(name: string, fallback: number | undefined, max: number): number | undefined;
};

/**
 * Slack takes about one message per second per channel (short bursts allowed): twenty cards, a
 * dispatch's worth before a storm is coalesced, take about twenty seconds of one channel's budget,
 * well within a poll minute.
 */
export const SLACK_STORM_THRESHOLD = 20;

/** Slack ids: channels `C…` (public) or `G…` (private), user groups `S…`; upper-case letters and digits. */
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{6,20}$/;
const SLACK_GROUP_ID = /^S[A-Z0-9]{6,20}$/;

/** The Slack settings, checked; undefined when SLACK_BOT_TOKEN is not set. */
function readSlackConfig(get: (name: string) => string | undefined, read: Readers, problems: string[]): SlackConfig | undefined {
  const botToken = read.secret('SLACK_BOT_TOKEN');
  const appToken = read.secret('SLACK_APP_TOKEN');
  if (botToken !== undefined && !botToken.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN: not a bot token (it starts with xoxb-). Copy the "Bot User OAuth Token" from your Slack app\'s OAuth & Permissions page.');
  }
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN: not an app-level token (it starts with xapp-). Create one under Basic Information → App-Level Tokens with the connections:write scope.');
  }
  const channel = (name: string): string | undefined => {
    const value = get(name);
    if (value !== undefined && !SLACK_CHANNEL_ID.test(value)) {
      problems.push(`${name}=${value}: not a Slack channel id (C… or G…, e.g. C0123456789). In Slack, open the channel's details; the id is at the bottom of the About tab.`);
    }
    return value;
  };
  const alertChannelId = channel('SLACK_ALERT_CHANNEL_ID');
  const urgentChannelId = channel('SLACK_URGENT_CHANNEL_ID');
  const digestChannelId = channel('SLACK_DIGEST_CHANNEL_ID');
  const group = (name: string, id: string): boolean => {
    if (SLACK_GROUP_ID.test(id)) return true;
    problems.push(`${name}: "${id}" is not a Slack user group id (S…, e.g. S0123456789). Find it in the group's link (…/usergroups/S…) or with usergroups.list.`);
    return false;
  };
  const leadUserGroupId = get('SLACK_LEAD_USER_GROUP_ID');
  if (leadUserGroupId !== undefined) group('SLACK_LEAD_USER_GROUP_ID', leadUserGroupId);
  const actors = get('SLACK_ACTOR_USER_GROUP_IDS');
  const actorUserGroupIds = (actors ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  if (actors !== undefined && actorUserGroupIds.length === 0) {
    problems.push('SLACK_ACTOR_USER_GROUP_IDS lists no user group id. List user group ids (S…) separated by commas, or unset it to let everyone who sees the channel act.');
  }
  for (const id of actorUserGroupIds) group('SLACK_ACTOR_USER_GROUP_IDS', id);
  const stormThreshold = read.positiveInt('SLACK_STORM_THRESHOLD', SLACK_STORM_THRESHOLD, 1_000) ?? SLACK_STORM_THRESHOLD;
  // WebClient appends method names to this base, so it keeps (or gets) its trailing slash.
  const apiUrl = `${read.url('SLACK_API_URL', 'https://slack.com/api/')}/`;

  if (botToken === undefined) {
    const stray = ['SLACK_APP_TOKEN', 'SLACK_ALERT_CHANNEL_ID'].filter((name) => get(name) !== undefined);
    if (stray.length > 0) problems.push(`${stray.join(' and ')} set but SLACK_BOT_TOKEN is not: set SLACK_BOT_TOKEN (xoxb-…) to use Slack, or unset ${stray.length > 1 ? 'them' : 'it'}.`);
    return undefined;
  }
  if (appToken === undefined) {
    problems.push('SLACK_BOT_TOKEN is set but SLACK_APP_TOKEN is not: Triage talks to Slack in Socket Mode, which needs an app-level token (xapp-…, Basic Information → App-Level Tokens, scope connections:write).');
  }
  if (alertChannelId === undefined) {
    problems.push('SLACK_BOT_TOKEN is set but SLACK_ALERT_CHANNEL_ID is not: set it to the id (C…) of the channel that receives alert cards, and invite the app there (/invite @Triage).');
  }
  return {
    botToken,
    appToken: appToken ?? '',
    alertChannelId: alertChannelId ?? '',
    actorUserGroupIds,
    stormThreshold,
    apiUrl,
    ...(urgentChannelId !== undefined && { urgentChannelId }),
    ...(digestChannelId !== undefined && { digestChannelId }),
    ...(leadUserGroupId !== undefined && { leadUserGroupId }),
  };
}

function checkWritableDatabase(path: string, problems: string[]): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    problems.push(`DATABASE_PATH=${path}: folder ${dir} does not exist. Create it or point DATABASE_PATH at a writable location.`);
    return;
  }
  try {
    if (existsSync(path) && statSync(path).isDirectory()) {
      problems.push(`DATABASE_PATH=${path}: is a folder. Point DATABASE_PATH at a file, e.g. ${path}/triage.db.`);
      return;
    }
    accessSync(existsSync(path) ? path : dir, constants.W_OK);
  } catch {
    problems.push(`DATABASE_PATH=${path}: not writable. Fix the permissions or point DATABASE_PATH elsewhere.`);
  }
}

function findProjectRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
}

/** DATABASE_URL must be a postgres:// (or postgresql://) URL with a host; the password never appears in the message. */
function checkDatabaseUrl(value: string, problems: string[]): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || url.hostname === '') {
    problems.push('DATABASE_URL: not a PostgreSQL URL. Use postgres://USER:PASSWORD@HOST:5432/DATABASE, or unset it to use SQLite at DATABASE_PATH.');
  }
}
