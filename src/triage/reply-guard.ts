import { canonicalToken, normalizeText } from '../classify/normalize.js';
import type { Lexicon } from '../classify/lexicon.js';
import { createSpanishReplyGuard } from './reply-guard-es.js';

export interface GuardVerdict {
  ok: boolean;
  problems: string[];
}

export interface ReplyGuard {
  /** Checks a public reply to `mentionText` before anyone posts it. */
  check(reply: string, mentionText: string): GuardVerdict;
}

/** X's limit, counted as X counts (most CJK and emoji weigh 2, a link 23). */
export const X_MAX_WEIGHTED_LENGTH = 280;

/**
 * Phrases that tell the public the author is (or was) a patient. HHS has fined practices for
 * exactly this in replies to reviews, even when the patient said so first.
 */
const CONFIRMS_PATIENT = new RegExp(
  [
    String.raw`\byour (?:recent |last |upcoming )?(?:visit|stay|appointments?|appt|procedures?|surgery|operation|treatment|care|diagnosis|test results?|results|labs?|scans?|x-?rays?|mri|records?|chart|doctors?|nurses?|providers?|physicians?|surgeon|care team|prescriptions?|medications?|meds|bills?|billing|statements?|claims?|admission|discharge|condition|recovery|therapy|sessions?|exam|check-?up|follow-?up|referral|birth|delivery|pregnancy|health|medical|patient portal|account with us|time with us|time here|experience with us|experience at)\b`,
    String.raw`\b(?:as (?:a|our)|you(?:'re| are| were) (?:a|our)|valued|one of our|former|current) patients?\b`,
    String.raw`\bwhen you were (?:here|seen|admitted|treated|in|at)\b`,
    String.raw`\bwhile you were (?:here|with us|admitted|in|at)\b`,
    String.raw`\bduring your\b`,
    String.raw`\bwe (?:treated|saw|admitted|discharged|examined) you\b`,
    String.raw`\b(?:reviewed|looked at|checked|pulled up) your (?:file|chart|records?|account)\b`,
  ].join('|'),
  'i',
);

const MASS_MENTION = /@(?:everyone|here)\b/i;
const PLACEHOLDER_LEFT = /\{\w+\}/;
const URL = /https?:\/\/\S+/g;

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

function tokens(text: string): string[] {
  return normalizeText(text)
    .toLowerCase()
    .replace(/[.,/#!?$%^&*;:{}=_`"~()[\]]/g, ' ')
    .split(/\s+/)
    .filter((t) => t.length > 0)
    .map(canonicalToken);
}

function containsSequence(haystack: readonly string[], needle: readonly string[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

/** Builds the guard; the health vocabulary comes from the classifier's lexicon (Spanish too, when it has one). */
export function createReplyGuard(lexicon: Pick<Lexicon, 'healthTerms'> & Partial<Pick<Lexicon, 'spanish'>>): ReplyGuard {
  const healthTerms = lexicon.healthTerms.map((term) => tokens(term)).filter((t) => t.length > 0);
  const spanish = lexicon.spanish ? createSpanishReplyGuard(lexicon.spanish) : undefined;

  return {
    check(reply, mentionText) {
      const problems: string[] = [];
      const length = weightedLength(reply);
      if (length > X_MAX_WEIGHTED_LENGTH) problems.push(`too long for X: ${length} of ${X_MAX_WEIGHTED_LENGTH} characters`);
      const confirms = CONFIRMS_PATIENT.exec(reply);
      if (confirms) problems.push(`confirms the author is a patient: "${confirms[0]}"`);
      const replyTokens = tokens(reply);
      const mentionTokens = tokens(mentionText);
      const echoed = healthTerms.filter((term) => containsSequence(mentionTokens, term) && containsSequence(replyTokens, term));
      if (echoed.length > 0) problems.push(`repeats health details from the mention: ${echoed.map((t) => `"${t.join(' ')}"`).join(', ')}`);
      const quoted = longestSharedRun(replyTokens, mentionTokens);
      if (quoted.length >= 5) problems.push(`quotes the mention: "${quoted.join(' ')}"`);
      if (MASS_MENTION.test(reply)) problems.push('contains @everyone or @here');
      const left = PLACEHOLDER_LEFT.exec(reply);
      if (left) problems.push(`placeholder not filled in: ${left[0]}`);
      if (spanish) problems.push(...spanish.problems(reply, mentionText));
      return { ok: problems.length === 0, problems };
    },
  };
}

/** Longest run of words (handles excepted) that the reply copies from the mention. */
function longestSharedRun(reply: readonly string[], mention: readonly string[]): string[] {
  let best: string[] = [];
  for (let i = 0; i < reply.length; i++) {
    for (let j = 0; j < mention.length; j++) {
      let k = 0;
      while (i + k < reply.length && j + k < mention.length && reply[i + k] === mention[j + k] && !(reply[i + k] as string).startsWith('@')) k++;
      if (k > best.length) best = reply.slice(i, i + k);
    }
  }
  return best;
}
