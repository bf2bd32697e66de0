import * as oidc from 'openid-client';
import type { ConsoleConfig } from '../../config.js';

/** Who is signed in, as the session cookie carries it (signed with TRIAGE_SECRET_KEY). */
export interface ConsoleUser {
  /** The IdP's subject: the person's stable id. */
  sub: string;
  /** How the audit log names them: the name claim, else the username or e-mail. */
  name: string;
  /** In one of OIDC_ACTOR_GROUPS: may act; otherwise reads only. */
  actor: boolean;
  /** In one of OIDC_APPROVER_GROUPS (else the actor groups): may approve or reject someone else's reply. Absent in sessions from before it existed. */
  approver?: boolean;
  /** Epoch seconds after which the session is over. */
  exp: number;
}

/** The sign-in under way, kept in a short-lived signed cookie between the redirect and the callback. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  /** Where to go once signed in: a console path only. */
  returnTo: string;
  exp: number;
}

export const SESSION_HOURS = 8;

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '[::1]';

/** A console path to come back to; anything else (another site, `//evil`) becomes the queue. */
export function safeReturn(value: unknown): string {
  return typeof value === 'string' && /^\/console\/[^\\]*$/.test(value) && !value.startsWith('//') ? value : '/console/queue';
}

/** The groups or roles a token's claims give (Entra ID: `groups` ids and app `roles`). */
export function claimedGroups(claims: Readonly<Record<string, unknown>>): string[] {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
  return [...list(claims.groups), ...list(claims.roles)];
}

export function userFromClaims(claims: Readonly<Record<string, unknown>>, actorGroups: readonly string[], now: number, approverGroups: readonly string[] = actorGroups): ConsoleUser {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 120) : undefined);
  const sub = String(claims.sub);
  const groups = new Set(claimedGroups(claims));
  return {
    sub,
    name: text(claims.name) ?? text(claims.preferred_username) ?? text(claims.email) ?? sub,
    actor: actorGroups.some((g) => groups.has(g)),
    approver: approverGroups.some((g) => groups.has(g)),
    exp: Math.floor(now / 1000) + SESSION_HOURS * 3600,
  };
}

/**
 * The relying party: OpenID Connect authorization code flow with PKCE, state and nonce, through
 * openid-client. The issuer is discovered on first use (and again after a failure), so the bot
 * starts while the IdP is briefly unreachable. Plain http is allowed only for a loopback issuer
 * (the test IdP).
 */
export class SignIn {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(private readonly config: ConsoleConfig, private readonly publicBaseUrl: string) {}

  get redirectUri(): string {
    return `${this.publicBaseUrl}/console/callback`;
  }

  private configuration(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      const issuer = new URL(this.config.issuer);
      const insecure = issuer.protocol === 'http:' && isLoopback(issuer.hostname);
      this.discovered = oidc.discovery(issuer, this.config.clientId, this.config.clientSecret, undefined, insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
      this.discovered.catch(() => {
        this.discovered = undefined;
      });
    }
    return this.discovered;
  }

  /** Discovers the issuer (for `triage doctor`): its authorization endpoint. */
  async check(): Promise<string> {
    return String((await this.configuration()).serverMetadata().authorization_endpoint);
  }

  /** Where to send the browser, and what to remember until it comes back. */
  async start(returnTo: string, now: number): Promise<{ url: string; pending: PendingSignIn }> {
    const configuration = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier, returnTo: safeReturn(returnTo), exp: Math.floor(now / 1000) + 600 };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Checks the IdP's answer (state, nonce, PKCE, the ID token) and returns who signed in. */
  async finish(query: string, pending: PendingSignIn, now: number): Promise<ConsoleUser> {
    const configuration = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(configuration, new URL(`${this.redirectUri}${query}`), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the identity provider sent no ID token');
    return userFromClaims(claims as Record<string, unknown>, this.config.actorGroups, now, this.config.approverGroups ?? this.config.actorGroups);
  }
}

/** Secure cookies unless the console is reached on loopback over plain http (development, tests). */
export function secureCookies(publicBaseUrl: string): boolean {
  const url = new URL(publicBaseUrl);
  return !(url.protocol === 'http:' && isLoopback(url.hostname));
}
