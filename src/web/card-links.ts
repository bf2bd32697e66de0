import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a card's button asks the console for. `open` and `reply` only show the alert. */
export const LINK_ACTIONS = ['open', 'claim', 'resolve', 'reply'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** How long a card's link works: a fortnight covers any card still worth acting on from chat. */
export const LINK_TTL_MS = 14 * 24 * 3600_000;

export interface CardLinks {
  /** The console's public origin and path prefix, no trailing slash (PUBLIC_BASE_URL). */
  baseUrl: string;
  /** TRIAGE_SECRET_KEY. */
  key: string;
  ttlMs?: number;
}

function signature(key: string, alertId: number, action: LinkAction, expiresAt: number): string {
  return createHmac('sha256', key).update(`triage-link.v1.${alertId}.${action}.${expiresAt}`).digest('base64url');
}

/**
 * The console link for an alert's button: `/console/link?a=12&do=claim&exp=…&sig=…`. The HMAC
 * binds the alert, the action and the expiry, so ids cannot be walked and a link cannot be
 * stretched; the console still requires sign-in behind it.
 */
export function signedAlertLink(links: CardLinks, alertId: number, action: LinkAction, now: number): string {
  const expiresAt = Math.floor((now + (links.ttlMs ?? LINK_TTL_MS)) / 1000);
  const query = new URLSearchParams({ a: String(alertId), do: action, exp: String(expiresAt), sig: signature(links.key, alertId, action, expiresAt) });
  return `${links.baseUrl}/console/link?${query.toString()}`;
}

export type LinkCheck = { ok: true; alertId: number; action: LinkAction } | { ok: false; reason: 'malformed' | 'tampered' | 'expired' };

/** Checks a card link's query (tampered before expired: a forged expiry says nothing true). */
export function verifyAlertLink(key: string, query: Readonly<Record<string, unknown>>, now: number): LinkCheck {
  const { a, do: action, exp, sig } = query;
  if (typeof a !== 'string' || !/^\d{1,15}$/.test(a) || typeof exp !== 'string' || !/^\d{1,12}$/.test(exp) || typeof sig !== 'string' || !LINK_ACTIONS.includes(action as LinkAction)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(signature(key, Number(a), action as LinkAction, Number(exp)));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'tampered' };
  if (Number(exp) * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, alertId: Number(a), action: action as LinkAction };
}
