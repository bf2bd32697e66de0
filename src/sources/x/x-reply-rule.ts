import type { OAuthLogins } from '../../store/oauth-logins.js';

/** X's rule for self-serve API access since 23 February 2026. */
export const X_REPLY_RULE = 'X accepts a reply from the API only to a post whose author @mentioned or quoted our account (X\'s rule since 23 February 2026).';

/** X pay-per-use, USD per reply posted: to a post that summoned us, and to any other post. */
export const X_REPLY_PRICE_USD = { summoned: 0.01, other: 0.015 } as const;

/** What the composer and the log say when X refused the refresh token. */
export function xRevokedNote(account: string): string {
  return `X access was revoked: run \`triage auth x${account === 'x' ? '' : ` --account ${account}`}\``;
}

/** What the composer says about a reply on X, and whether it can only offer the text to copy. */
export interface XReplyTerms {
  notice: string;
  copyOnly: boolean;
}

/** True when `text` @mentions `username` (a whole handle, any case). */
export function summonsUs(text: string, username: string): boolean {
  const handle = username.replace(/^@/, '').replace(/[^\w]/g, '');
  return handle.length > 0 && new RegExp(`(^|[^\\w@])@${handle}(?![\\w])`, 'i').test(text);
}

const usd = (amount: number) => `$${amount.toFixed(amount < 0.1 ? 3 : 2).replace(/0$/, '')}`;

/**
 * The terms of replying on X to a stored post, from the account's login (who we are on X): sent
 * from the card at about $0.01 when the post @mentions us; otherwise X refuses the write, so the
 * composer offers the text to copy (a reply X would bill at about $0.015). Without a login (so
 * without knowing who we are on X) it says so; a queued reply waits for the consent, as it does
 * behind a revoked login.
 * A quote of our post without an @mention is not told apart here and is offered to copy.
 */
export async function xReplyTerms(logins: Pick<OAuthLogins, 'identity'>, account: string, text: string): Promise<XReplyTerms> {
  const identity = await logins.identity('x', account);
  if (!identity) {
    return { copyOnly: false, notice: 'X is not connected for replies from here yet: run `triage auth x` first, or copy the text and reply on X yourself.' };
  }
  if (!summonsUs(text, identity.username)) {
    return { copyOnly: true, notice: `${X_REPLY_RULE} This post does not mention @${identity.username}: copy the text and reply on X yourself (about ${usd(X_REPLY_PRICE_USD.other)} a reply where X allows it).` };
  }
  const cost = `Sent as @${identity.username}; X charges about ${usd(X_REPLY_PRICE_USD.summoned)} for this reply (pay-per-use).`;
  if (identity.revokedAt !== null) {
    return { copyOnly: false, notice: `${cost} ${xRevokedNote(account)}; the reply waits in the queue until then.` };
  }
  return { copyOnly: false, notice: cost };
}
