/**
 * Each platform's rules for a public reply, in one place: how long it may be (and how the platform
 * counts), whether it tags the author, and whether it speaks as the business with a sign-off.
 * Suggested replies are adapted to them and the reply guard checks them.
 */

/** The post a reply answers, as far as the rules care. */
export interface ReplyTarget {
  /** `mentions.platform`: x, bluesky, mastodon, facebook, google (anything else is held to X's rules). */
  platform: string;
  /** Mastodon: the instance's own limit (`configuration.statuses.max_characters`), once read. */
  maxCharacters?: number | undefined;
  /** Who signs a review response, e.g. "The Riverbend Health team". */
  signOff?: string | undefined;
}

export interface PlatformReplyRules {
  /** As people read it: "X", "Facebook". */
  name: string;
  max: number;
  /** How the platform counts towards `max`. */
  count: 'weighted' | 'graphemes' | 'mastodon' | 'characters';
  /** Replies start with the author's @handle (X, Bluesky, Mastodon); on Facebook and Google they are threaded under the post and tag nobody. */
  tagsAuthor: boolean;
  /** A review response speaks as the business and ends with the team's name. */
  signs: boolean;
  /** Placeholder values that differ there: Google reviews have no direct messages. */
  placeholders?: Readonly<Record<string, string>>;
}

/** X's limit, counted as X counts (most CJK and emoji weigh 2, a link 23), the @handle included. */
export const X_MAX_WEIGHTED_LENGTH = 280;
/** Mastodon's default when the instance does not say. */
const MASTODON_DEFAULT = 500;

const RULES: Record<string, PlatformReplyRules> = {
  x: { name: 'X', max: X_MAX_WEIGHTED_LENGTH, count: 'weighted', tagsAuthor: true, signs: false },
  bluesky: { name: 'Bluesky', max: 300, count: 'graphemes', tagsAuthor: true, signs: false },
  mastodon: { name: 'Mastodon', max: MASTODON_DEFAULT, count: 'mastodon', tagsAuthor: true, signs: false },
  // A comment reply may be up to 8,000 characters; a review reply on Google up to 4,096.
  facebook: { name: 'Facebook', max: 8000, count: 'characters', tagsAuthor: false, signs: false },
  google: { name: 'Google', max: 4096, count: 'characters', tagsAuthor: false, signs: true, placeholders: { dm: 'contact us' } },
};

export function replyRulesFor(target: ReplyTarget): PlatformReplyRules {
  const rules = RULES[target.platform] ?? (RULES.x as PlatformReplyRules);
  return target.platform === 'mastodon' && target.maxCharacters !== undefined ? { ...rules, max: target.maxCharacters } : rules;
}

const URL = /https?:\/\/\S+/g;
const LEADING_HANDLES = /^(?:\s*@[\w.-]+(?:@[\w.-]+)?)+[\s,:]*/;

/** X's weighted length: most CJK and emoji weigh 2, a link 23. */
export function weightedLength(text: string): number {
  let length = 0;
  const withoutUrls = text.replace(URL, () => {
    length += 23;
    return '';
  });
  for (const char of withoutUrls) {
    const cp = char.codePointAt(0) as number;
    const light = cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247);
    length += light ? 1 : 2;
  }
  return length;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The reply's length as its platform counts it. */
export function replyLength(text: string, rules: Pick<PlatformReplyRules, 'count'>): number {
  switch (rules.count) {
    case 'weighted':
      return weightedLength(text);
    case 'graphemes':
      return [...graphemes.segment(text)].length;
    case 'mastodon':
      // Every link counts 23; a remote mention counts only its @user part.
      return [...text.replace(URL, 'x'.repeat(23)).replace(/(@[\w.-]+)@[\w.-]+/g, '$1')].length;
    case 'characters':
      return [...text].length;
  }
}

/** The template placeholders with the platform's own values over them. */
export function platformPlaceholders(placeholders: Readonly<Record<string, string>>, target: ReplyTarget): Readonly<Record<string, string>> {
  const own = replyRulesFor(target).placeholders;
  return own ? { ...placeholders, ...own } : placeholders;
}

/**
 * A filled-in template as the platform expects it: no leading @handle where replies are threaded
 * (Facebook, Google), and the team's sign-off on a review response where it is missing.
 */
export function adaptReply(text: string, target: ReplyTarget): string {
  const rules = replyRulesFor(target);
  let reply = text;
  if (!rules.tagsAuthor && LEADING_HANDLES.test(reply)) {
    reply = reply.replace(LEADING_HANDLES, '');
    reply = reply.charAt(0).toUpperCase() + reply.slice(1);
  }
  if (rules.signs && target.signOff && !reply.includes(target.signOff)) reply = `${reply.trimEnd()} — ${target.signOff}`;
  return reply;
}

/** What breaks the platform's rules, one line each (empty: none). */
export function platformReplyProblems(reply: string, target: ReplyTarget): string[] {
  const rules = replyRulesFor(target);
  const problems: string[] = [];
  const length = replyLength(reply, rules);
  const unit = rules.count === 'graphemes' ? 'characters (graphemes)' : 'characters';
  if (length > rules.max) problems.push(`too long for ${rules.name}: ${length} of ${rules.max} ${unit}`);
  if (!rules.tagsAuthor && /^\s*@\w/.test(reply)) problems.push(`starts with an @handle: ${rules.name} replies are threaded under the post and tag nobody`);
  if (rules.signs && target.signOff && !reply.includes(target.signOff)) problems.push(`a ${rules.name} review response speaks as the business: sign it "${target.signOff}"`);
  return problems;
}
