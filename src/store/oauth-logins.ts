import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { TriageError } from '../util/errors.js';
import type { SqlRunner } from './store-port.js';

/** What a platform's token endpoint gave: the secrets, sealed together in one column. */
export interface OAuthTokens {
  accessToken: string;
  /** Absent without `offline.access`: the login then ends when the access token does. */
  refreshToken?: string | undefined;
  /** Epoch ms when the access token lapses. */
  expiresAt: number;
  scope: string[];
}

/** The public part of a login, readable without the key. */
export interface OAuthIdentity {
  userId: string;
  username: string;
  expiresAt: number;
  updatedAt: number;
  /** Set when the platform refused the refresh token: sending waits for a new consent. */
  revokedAt: number | null;
  revokedReason: string | null;
}

export interface OAuthLogin extends OAuthIdentity {
  tokens: OAuthTokens;
  /** The stored ciphertext: a later read that differs means another process saved newer tokens. */
  sealed: string;
}

/** Seals and opens secrets with AES-256-GCM; `context` (platform and account) is authenticated too. */
export interface TokenSeal {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

const VERSION = 'v1';

/**
 * The key is derived from TRIAGE_SECRET_KEY with HKDF-SHA256 (the setting is at least 32 random
 * characters, so no password stretching is needed) under its own label, so the same setting signing
 * card links never yields this key.
 */
export function tokenSeal(secretKey: string): TokenSeal {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'triage', 'oauth-logins v1', 32));
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, context) {
      const [version, data] = sealed.split('.');
      const raw = Buffer.from(data ?? '', 'base64url');
      if (version !== VERSION || raw.length < 29) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

interface Row {
  user_id: string;
  username: string;
  sealed: string;
  expires_at: number | string;
  updated_at: number | string;
  revoked_at: number | string | null;
  revoked_reason: string | null;
}

const COLUMNS = 'user_id, username, sealed, expires_at, updated_at, revoked_at, revoked_reason';

function identityOf(row: Row): OAuthIdentity {
  return {
    userId: row.user_id,
    username: row.username,
    expiresAt: Number(row.expires_at),
    updatedAt: Number(row.updated_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revokedReason: row.revoked_reason,
  };
}

/**
 * The `oauth_logins` table: one user-context login per platform account (X replies), the tokens
 * sealed with {@link tokenSeal}. The same portable SQL on both adapters. Every refresh saves the new
 * access and refresh token at once (X rotates refresh tokens: the old one is dead from then on).
 */
export class OAuthLogins {
  constructor(private readonly sql: SqlRunner, private readonly now: () => number = Date.now) {}

  /** Who the login is and whether it still works; no key needed. */
  async identity(platform: string, account: string): Promise<OAuthIdentity | undefined> {
    const [row] = await this.sql.all<Row>(`SELECT ${COLUMNS} FROM oauth_logins WHERE platform = ? AND account = ?`, [platform, account]);
    return row && identityOf(row);
  }

  /**
   * The login with its tokens opened. A seal that does not open (another TRIAGE_SECRET_KEY) is a
   * config error, retryable: replies waiting on it stay queued until the key is put back.
   */
  async load(platform: string, account: string, seal: TokenSeal): Promise<OAuthLogin | undefined> {
    const [row] = await this.sql.all<Row>(`SELECT ${COLUMNS} FROM oauth_logins WHERE platform = ? AND account = ?`, [platform, account]);
    if (!row) return undefined;
    let tokens: OAuthTokens;
    try {
      tokens = JSON.parse(seal.open(row.sealed, `${platform}/${account}`)) as OAuthTokens;
    } catch {
      throw new TriageError('config', `TRIAGE_SECRET_KEY: the stored ${platform} login of account "${account}" cannot be opened with this key (was the key changed?). Set the key it was saved with, or run \`triage auth ${platform}\` again.`, { retryable: true });
    }
    return { ...identityOf(row), tokens, sealed: row.sealed };
  }

  /** Stores a login (a new consent, or a refresh's tokens): sealed, and no longer revoked. */
  async save(platform: string, account: string, login: { userId: string; username: string; tokens: OAuthTokens }, seal: TokenSeal): Promise<void> {
    const sealed = seal.seal(JSON.stringify(login.tokens), `${platform}/${account}`);
    await this.sql.run(
      `INSERT INTO oauth_logins (platform, account, user_id, username, sealed, expires_at, updated_at, revoked_at, revoked_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)
       ON CONFLICT (platform, account) DO UPDATE SET user_id = excluded.user_id, username = excluded.username, sealed = excluded.sealed,
         expires_at = excluded.expires_at, updated_at = excluded.updated_at, revoked_at = NULL, revoked_reason = NULL`,
      [platform, account, login.userId, login.username, sealed, login.tokens.expiresAt, this.now()],
    );
  }

  /**
   * Marks the login revoked, unless its tokens changed since `sealed` was read (another process
   * refreshed, or someone ran the consent again): true when it was marked.
   */
  async markRevoked(platform: string, account: string, sealed: string, reason: string): Promise<boolean> {
    const rows = await this.sql.all<{ account: string }>(
      `UPDATE oauth_logins SET revoked_at = ?, revoked_reason = ? WHERE platform = ? AND account = ? AND sealed = ? AND revoked_at IS NULL RETURNING account`,
      [this.now(), reason, platform, account, sealed],
    );
    return rows.length > 0;
  }
}
