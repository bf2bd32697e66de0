import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { BlueskyConfig, Config, FacebookConfig, GoogleConfig, MastodonConfig, XConfig } from './config.js';
import { APPROVAL_POLICIES, type ApprovalPolicy } from './triage/reply-approval.js';
import { readJsonFile } from './util/data-file.js';

/** Where one account's cards go; unset kinds go where the chat's own settings send them. */
export interface AccountRouting {
  alertChannelId?: string;
  /** Critical alerts (default: the account's alert channel, else the chat's urgent channel). */
  urgentChannelId?: string;
  /** With several chats: the account's channels in one chat (`routing.discord`, `routing.slack`), before the ones above. */
  chats?: Partial<Record<'discord' | 'slack', { alertChannelId?: string; urgentChannelId?: string }>>;
  /** Teams: the account's own Workflows webhook URLs (`routing.teams`), each a delivery of its own; unset: TEAMS_WORKFLOW_URL. */
  teamsWorkflowUrls?: string[];
}

interface AccountBase {
  /** Stable, chosen by whoever writes the file: stored on every mention, keys the cursors. */
  id: string;
  /** As people read it on cards and in the digest: "Riverbend Foundation on Facebook". */
  name: string;
  /** For reply templates: `{brand}`, `{contact}`. */
  brand?: string;
  contact?: string;
  routing: AccountRouting;
  /** Its own SLA policy file (absolute), when it has one; otherwise SLA_POLICY_PATH's applies. */
  slaPolicyPath?: string;
  /** Who must approve a reply sent from the card before it goes (default `none`; crises always need a second person). */
  approval?: ApprovalPolicy;
  /** True for accounts from the accounts file; false for the one-account settings in the environment. */
  fromFile: boolean;
  /**
   * What to say instead of a one-account setting's name in a message about this account: its own
   * variable for a secret (FACEBOOK_PAGE_TOKEN → FOUNDATION_FB_TOKEN), its field for the rest.
   */
  variables: Record<string, string>;
}

export type SourceAccount = AccountBase & (
  | { platform: 'x'; config: XConfig }
  | { platform: 'bluesky'; config: BlueskyConfig }
  | { platform: 'mastodon'; config: MastodonConfig }
  | { platform: 'facebook'; config: FacebookConfig }
  | { platform: 'google'; config: GoogleConfig }
);

export type Platform = SourceAccount['platform'];

/** Names people read: the card says "Facebook", not "facebook". */
export const PLATFORM_NAMES: Record<Platform, string> = { x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon', facebook: 'Facebook', google: 'Google' };

/**
 * The source name an account polls under, which keys its cursors and metrics. The one-account
 * settings keep the platform's name, so the cursors stored before accounts existed stay valid.
 */
export function sourceNameOf(account: Pick<SourceAccount, 'platform' | 'id' | 'fromFile'>): string {
  return account.fromFile ? `${account.platform}:${account.id}` : account.platform;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const envName = z.string().regex(ENV_NAME, 'must be the NAME of an environment variable (capitals, digits and _), never the secret itself');
const channelId = z.string().regex(/^(\d{15,21}|[CG][A-Z0-9]{6,20})$/, 'must be a Discord channel id (15–21 digits) or a Slack one (C… or G…)');
const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const digits = z.string().regex(/^\d{1,30}$/, 'must be the bare number (no "accounts/" or "locations/" prefix)');

const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1–40 lower-case letters, digits or -, e.g. "riverbend-foundation-fb"'),
  name: z.string().trim().min(1).max(80),
  brand: z.string().trim().min(1).max(80).optional(),
  contact: z.string().trim().min(1).max(120).optional(),
  routing: z.strictObject({
    alerts: channelId.optional(),
    urgent: channelId.optional(),
    discord: z.strictObject({ alerts: channelId.optional(), urgent: channelId.optional() }).optional(),
    slack: z.strictObject({ alerts: channelId.optional(), urgent: channelId.optional() }).optional(),
    /** One Workflows webhook URL or several; each is checked by {@link workflowUrlProblem}, which never repeats the URL (it carries a signature). */
    teams: z.union([z.string(), z.array(z.string()).min(1, 'lists no URL: give one or more Workflows webhook URLs, or leave "teams" out').max(20)]).optional(),
  }).optional(),
  /** A policy file of its own, like data/sla-policy.json with its own "version" (relative to the accounts file). */
  slaPolicy: z.string().min(1).optional(),
  /** Replies sent from the card: `none` (default), `flagged` (sensitive alerts) or `all` wait for a second person. */
  approval: z.enum(APPROVAL_POLICIES).optional(),
};

const accountSchema = z.discriminatedUnion('platform', [
  z.strictObject({ ...base, platform: z.literal('x'), handle: z.string().regex(/^@?\w{1,15}$/, 'must be an X handle (1–15 letters, digits or _)').optional(), userId: z.string().regex(/^\d{1,20}$/).optional(), searchQuery: z.string().min(1).optional(), apiBaseUrl: httpUrl.optional(), bearerTokenEnv: envName })
    .refine((a) => a.handle !== undefined || a.userId !== undefined, { message: 'an X account needs "handle" or "userId"' }),
  z.strictObject({ ...base, platform: z.literal('bluesky'), handle: z.string().min(3).max(253), service: httpUrl.optional(), searchQuery: z.string().min(1).optional(), appPasswordEnv: envName }),
  z.strictObject({ ...base, platform: z.literal('mastodon'), url: httpUrl, accessTokenEnv: envName }),
  z.strictObject({ ...base, platform: z.literal('facebook'), pageId: z.string().regex(/^\d{1,25}$/, 'must be the page\'s numeric id'), graphUrl: httpUrl.optional(), pageTokenEnv: envName }),
  z.strictObject({ ...base, platform: z.literal('google'), accountId: digits, locationIds: z.array(digits).min(1), clientIdEnv: envName, clientSecretEnv: envName, refreshTokenEnv: envName, apiBaseUrl: httpUrl.optional(), tokenUrl: httpUrl.optional() }),
]);

/** The file's outline; each account is checked on its own, so that every problem in every account is listed at once. */
const accountsFileSchema = z.strictObject({ $comment: z.string().optional(), accounts: z.array(z.unknown()).min(1, 'lists no account: add one, or delete the file to use the one-account settings') });

type FileAccount = z.infer<typeof accountSchema>;

/** The platform settings the environment gives, which accounts from the file take as defaults (base URLs, backfill). */
export interface AccountDefaults {
  xApiBaseUrl: string;
  xPollCron: string;
  xBackfillHours: number;
  backfillHours: number;
  blueskyService: string;
  blueskySearchIntervalMinutes: number;
  graphUrl: string;
  googleApiBaseUrl: string;
  googleTokenUrl: string;
}

/**
 * Every account to poll: those in the accounts file (when `path` exists, or `explicit` says it
 * must), then the one-account settings of the environment as the shorthand they always were.
 * Problems are pushed one line each, naming the file, the account and the field or variable.
 */
export function readAccounts(config: Config, path: string, explicit: boolean, env: (name: string) => string | undefined, defaults: AccountDefaults, problems: string[]): SourceAccount[] {
  const fromEnv = accountsFromEnvironment(config);
  if (!explicit && !existsSync(path)) return fromEnv;
  const file = readJsonFile(path, accountsFileSchema, 'ACCOUNTS_PATH');
  if (!file.ok) {
    problems.push(...file.problems);
    return fromEnv;
  }
  const accounts: SourceAccount[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of file.value.accounts.entries()) {
    const parsed = accountSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${path}: ${['accounts', i, ...issue.path].join('.')}: ${issue.message}`);
      continue;
    }
    const entry = parsed.data;
    if (seen.has(entry.id)) problems.push(`${path}: accounts.${i}.id: "${entry.id}" is used by two accounts: each needs its own id`);
    seen.add(entry.id);
    const secret = (field: string, name: string): string => {
      const value = env(name);
      if (value === undefined) problems.push(`${path}: account "${entry.id}": ${name} (its ${field}) is not set. Set ${name} in the environment to the account's secret.`);
      else if (/[\s\u0000-\u001f\u007f]/.test(value)) problems.push(`${name} (account "${entry.id}"): contains a space, line break or control character. Paste the secret again, on one line.`);
      return value ?? '';
    };
    const teams = entry.routing?.teams;
    for (const [j, url] of (Array.isArray(teams) ? teams : teams === undefined ? [] : [teams]).entries()) {
      const problem = workflowUrlProblem(url);
      if (problem) problems.push(`${path}: account "${entry.id}": routing.teams${Array.isArray(teams) ? `[${j}]` : ''}: ${problem}`);
    }
    const account = resolveAccount(entry, secret, defaults);
    if (entry.slaPolicy !== undefined) account.slaPolicyPath = resolve(dirname(path), entry.slaPolicy);
    if (fromEnv.some((e) => e.id === account.id)) {
      problems.push(`${path}: account "${account.id}": that id is taken by the one-account ${PLATFORM_NAMES[account.platform]} settings in the environment. Choose another id.`);
    }
    accounts.push(account);
  }
  return [...accounts, ...fromEnv];
}

function resolveAccount(entry: FileAccount, secret: (field: string, name: string) => string, d: AccountDefaults): SourceAccount {
  const channels = (r: { alerts?: string | undefined; urgent?: string | undefined } | undefined) => ({
    ...(r?.alerts !== undefined && { alertChannelId: r.alerts }),
    ...(r?.urgent !== undefined && { urgentChannelId: r.urgent }),
  });
  const chats = {
    ...(entry.routing?.discord !== undefined && { discord: channels(entry.routing.discord) }),
    ...(entry.routing?.slack !== undefined && { slack: channels(entry.routing.slack) }),
  };
  const teams = entry.routing?.teams;
  const teamsWorkflowUrls = teams === undefined ? undefined : [...new Set((Array.isArray(teams) ? teams : [teams]).map((u) => u.trim()))];
  const routing: AccountRouting = { ...channels(entry.routing), ...(Object.keys(chats).length > 0 && { chats }), ...(teamsWorkflowUrls && { teamsWorkflowUrls }) };
  const at = (field: string) => `"${field}" of account ${entry.id}`;
  const common = {
    id: entry.id,
    name: entry.name,
    routing,
    fromFile: true,
    variables: variablesOf(entry, at),
    ...(entry.brand !== undefined && { brand: entry.brand }),
    ...(entry.contact !== undefined && { contact: entry.contact }),
    ...(entry.approval !== undefined && { approval: entry.approval }),
  };
  switch (entry.platform) {
    case 'x': {
      const handle = entry.handle?.replace(/^@/, '');
      return { ...common, platform: 'x', config: { bearerToken: secret('bearerTokenEnv', entry.bearerTokenEnv), pollCron: d.xPollCron, apiBaseUrl: entry.apiBaseUrl ?? d.xApiBaseUrl, backfillHours: d.xBackfillHours, ...(handle !== undefined && { handle }), ...(entry.userId !== undefined && { userId: entry.userId }), ...(entry.searchQuery !== undefined && { searchQuery: entry.searchQuery }) } };
    }
    case 'bluesky':
      return { ...common, platform: 'bluesky', config: { handle: entry.handle.replace(/^@/, ''), appPassword: secret('appPasswordEnv', entry.appPasswordEnv), service: entry.service ?? d.blueskyService, searchIntervalMinutes: d.blueskySearchIntervalMinutes, backfillHours: d.backfillHours, ...(entry.searchQuery !== undefined && { searchQuery: entry.searchQuery }) } };
    case 'mastodon':
      return { ...common, platform: 'mastodon', config: { url: entry.url, accessToken: secret('accessTokenEnv', entry.accessTokenEnv), backfillHours: d.backfillHours } };
    case 'facebook':
      return { ...common, platform: 'facebook', config: { pageId: entry.pageId, pageToken: secret('pageTokenEnv', entry.pageTokenEnv), graphUrl: entry.graphUrl ?? d.graphUrl, backfillHours: d.backfillHours } };
    case 'google':
      return { ...common, platform: 'google', config: { accountId: entry.accountId, locationIds: entry.locationIds, clientId: secret('clientIdEnv', entry.clientIdEnv), clientSecret: secret('clientSecretEnv', entry.clientSecretEnv), refreshToken: secret('refreshTokenEnv', entry.refreshTokenEnv), apiBaseUrl: entry.apiBaseUrl ?? d.googleApiBaseUrl, tokenUrl: entry.tokenUrl ?? d.googleTokenUrl, backfillHours: d.backfillHours } };
  }
}

/**
 * Why `url` cannot be a Teams Workflows webhook, or undefined when it can: HTTPS (plain HTTP only to
 * this machine, for test servers). The message never repeats the URL: its `sig=` is a secret.
 */
export function workflowUrlProblem(url: string): string | undefined {
  const fix = 'copy the URL of the workflow\'s "When a Teams webhook request is received" trigger (https://…) again';
  if (!URL.canParse(url.trim())) return `is not a URL; ${fix}.`;
  const { protocol, hostname } = new URL(url.trim());
  if (protocol === 'https:') return undefined;
  if (protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]')) return undefined;
  return `must be an https:// URL (plain http only to this machine); ${fix}.`;
}

function variablesOf(entry: FileAccount, at: (field: string) => string): Record<string, string> {
  switch (entry.platform) {
    case 'x': return { X_BEARER_TOKEN: entry.bearerTokenEnv, X_HANDLE: at('handle'), X_USER_ID: at('userId') };
    case 'bluesky': return { BLUESKY_APP_PASSWORD: entry.appPasswordEnv, BLUESKY_HANDLE: at('handle'), BLUESKY_SERVICE: at('service') };
    case 'mastodon': return { MASTODON_ACCESS_TOKEN: entry.accessTokenEnv, MASTODON_URL: at('url') };
    case 'facebook': return { FACEBOOK_PAGE_TOKEN: entry.pageTokenEnv, FACEBOOK_PAGE_ID: at('pageId'), FACEBOOK_GRAPH_URL: at('graphUrl') };
    case 'google': return { GOOGLE_CLIENT_ID: entry.clientIdEnv, GOOGLE_CLIENT_SECRET: entry.clientSecretEnv, GOOGLE_REFRESH_TOKEN: entry.refreshTokenEnv, GOOGLE_ACCOUNT_ID: at('accountId'), GOOGLE_LOCATION_IDS: at('locationIds') };
  }
}

/** The one-account settings (X_*, BLUESKY_*, ...) as accounts named after their platform. */
function accountsFromEnvironment(config: Config): SourceAccount[] {
  const accounts: SourceAccount[] = [];
  const common = (id: Platform, name: string) => ({ id, name, routing: {}, fromFile: false, variables: {} });
  if (config.x) accounts.push({ ...common('x', `@${config.x.handle ?? config.x.userId} on X`), platform: 'x', config: config.x });
  if (config.bluesky) accounts.push({ ...common('bluesky', `@${config.bluesky.handle} on Bluesky`), platform: 'bluesky', config: config.bluesky });
  if (config.mastodon) accounts.push({ ...common('mastodon', `${new URL(config.mastodon.url).host} on Mastodon`), platform: 'mastodon', config: config.mastodon });
  if (config.facebook) accounts.push({ ...common('facebook', `Facebook page ${config.facebook.pageId}`), platform: 'facebook', config: config.facebook });
  if (config.google) accounts.push({ ...common('google', `Google reviews of ${config.google.locationIds.length === 1 ? `location ${config.google.locationIds[0]}` : `${config.google.locationIds.length} locations`}`), platform: 'google', config: config.google });
  return accounts;
}

/** A message about an account in its own terms: the variables and fields of its entry where the message names the one-account settings. */
export function inAccountTerms(text: string, account: Pick<SourceAccount, 'variables'>): string {
  return text.replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, (name) => account.variables[name] ?? name);
}

/** What cards, routing and the digest need to know of the accounts, by the id stored on each mention. */
export interface AccountDirectory {
  /** The account's display name; the id itself when it is not (or no longer) configured. */
  nameOf(id: string): string;
  /** The account a person named, by id or by name (any case). */
  find(idOrName: string): { id: string; name: string } | undefined;
  ids(): string[];
  /** What a card shows: the name of an account from the file; nothing for the one-account settings (cards look as they always did). */
  labelOf(id: string): string | undefined;
  routingOf(id: string | null | undefined): AccountRouting;
  /** The account's `{brand}` and `{contact}` for reply templates, where the file gives them. */
  placeholdersOf(id: string): { brand?: string; contact?: string };
  /** The longest status the account's Mastodon instance takes, once its source has read it. */
  maxCharactersOf(id: string): number | undefined;
  /** Who approves replies from the card for the account (`none` when it does not say). */
  approvalOf(id: string | null | undefined): ApprovalPolicy;
  /** Wired by the composition root: where {@link maxCharactersOf} reads an account's limit. */
  readMaxCharacters(id: string, read: () => number | undefined): void;
}

export function accountDirectory(accounts: readonly SourceAccount[]): AccountDirectory {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const limits = new Map<string, () => number | undefined>();
  return {
    nameOf: (id) => byId.get(id)?.name ?? id,
    find: (idOrName) => {
      const wanted = idOrName.toLowerCase();
      const account = byId.get(idOrName) ?? accounts.find((a) => a.id === wanted || a.name.toLowerCase() === wanted);
      return account && { id: account.id, name: account.name };
    },
    ids: () => accounts.map((a) => a.id),
    labelOf: (id) => {
      const account = byId.get(id);
      return account === undefined ? (accounts.some((a) => a.fromFile) ? id : undefined) : account.fromFile ? account.name : undefined;
    },
    routingOf: (id) => (id == null ? {} : byId.get(id)?.routing ?? {}),
    placeholdersOf: (id) => {
      const account = byId.get(id);
      return { ...(account?.brand !== undefined && { brand: account.brand }), ...(account?.contact !== undefined && { contact: account.contact }) };
    },
    maxCharactersOf: (id) => limits.get(id)?.(),
    approvalOf: (id) => (id == null ? undefined : byId.get(id)?.approval) ?? 'none',
    readMaxCharacters: (id, read) => void limits.set(id, read),
  };
}
