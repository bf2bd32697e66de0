import { canonicalToken, normalizeText } from '../classify/normalize.js';
import { healthDetailTerms, type HealthWords, type Lexicon } from '../classify/lexicon.js';
import { platformReplyProblems, type ReplyTarget } from './platform-replies.js';
import { createSpanishReplyGuard } from './reply-guard-es.js';
import { replySentences, sentenceProblems } from './reply-rules.js';

export { weightedLength, X_MAX_WEIGHTED_LENGTH } from './platform-replies.js';

export interface GuardVerdict {
  ok: boolean;
  problems: string[];
}

export interface ReplyGuard {
  /** Checks a public reply to `mentionText` before anyone posts it, by `target`'s platform rules (X's without one). */
  check(reply: string, mentionText: string, target?: ReplyTarget): GuardVerdict;
}

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

const RELATIVE = String.raw`(?:mom|mother|mum|dad|father|son|daughter|wife|husband|partner|baby|babies|twins|child|children|kids?|little one|grandma|grandmother|grandpa|grandfather|grandparent|parents?|brother|sister|family member|loved one|newborn|toddler|boyfriend|girlfriend|fianc[eé]e?)`;

/**
 * Replies that tell the public we cared for someone, in the ways people write them: a care verb on
 * "you" or a relative ("it was an honor to care for your twins"), a relative's visit or room ("your
 * son's visit", "your mother's room"), being seen or thanked for coming ("you were seen in our ER",
 * "thanks for visiting our orthopedic clinic").
 */
const CARED_FOR = new RegExp(
  [
    String.raw`\b(?:car(?:e|ed|ing) for|treat(?:ed|ing)?|look(?:ed|ing) after|t(?:ake|ook|aking) (?:good |great )?care of|admit(?:ted|ting)?|discharg(?:e|ed|ing)|operat(?:e|ed|ing) on|deliver(?:ed|ing)?|examin(?:e|ed|ing))\s+(?:you|your|him|her|them)\b`,
    String.raw`\byour ${RELATIVE}'?s? (?:visit|stay|room|bed|wait|appointments?|appt|procedures?|surgery|care|treatment|results?|records?|chart|nurses?|doctors?|providers?|care team|recovery|diagnosis|condition|medications?|meds|prescriptions?|order|admission|discharge|birth|delivery)\b`,
    String.raw`\byou were (?:seen|admitted|treated|discharged|here|in our|at our|with us)\b`,
    String.raw`\b(?:thanks?|thank you) for (?:visiting|choosing|trusting) (?:us|our)\b.{0,40}\b(?:clinic|hospital|er|unit|team|care|center|centre|delivery|surgery)\b`,
    String.raw`\b(?:you|your ${RELATIVE}) (?:found|got|received|had) .{0,40}\b(?:with us|from us|here)\b`,
    String.raw`\byour (?:check-?in|notes|counselou?r|therapist|psychiatrist|psychologist|oncologist|cardiologist|midwife|dietitian|educator|physical therapist|case manager|social worker|specialist)\b`,
  ].join('|'),
  'i',
);

/**
 * Where in our hospital care happens. A sentence that puts one of these next to "your <relative>"
 * or a care verb on "you" ties that person to it; "our ER is open 24/7" does not.
 */
const CARE_PLACE = String.raw`(?:er|ed|emergency (?:room|department)|urgent care|icu|nicu|picu|l&d|labor and delivery|maternity|oncology|cardiology|ortho(?:pedics?)?|pt|physical therapy|behavioral health|psych(?:iatry)?|radiology|imaging|surgery|surgical|pediatrics|peds|\d+(?:st|nd|rd|th) floor|unit|ward|floor)`;
const TIED_TO_PLACE = new RegExp(
  String.raw`\b(?:our|the|in|at) ${CARE_PLACE}\b[^.!?]{0,60}\byour ${RELATIVE}\b|\byour ${RELATIVE}\b[^.!?]{0,60}\b(?:our|the|in|at) ${CARE_PLACE}\b|\b(?:our|the) ${CARE_PLACE} (?:team|nurses?|staff|doctors?)\b[^.!?]{0,40}\b(?:with|for|about) you\b`,
  'i',
);

const ADVICE_TO_SEE_ONES_OWN = /\b(?:call|ask|contact|see|check with|talk (?:to|with)|speak (?:to|with)|reach out to|message) your (?:own )?(?:doctor|provider|pcp|physician|gp|care team)(?:'s office)?\b/gi;
const MASS_MENTION = /@(?:everyone|here)\b/i;
/** Five words copied from the post are a quote; fewer are often the same public information. */
const QUOTE_WORDS = 5;
const GENERAL_HEALTH_WORDS = new Set(['pain', 'sick', 'symptoms', 'results', 'condition', 'illness', 'injury', 'injured', 'labs']);
const PLACEHOLDER_LEFT = /\{\w+\}/;

function tokens(text: string): string[] {
  return normalizeText(text)
    .toLowerCase()
    .replace(/[.,/#!?$%^&*;:{}=_`"~()[\]]/g, ' ')
    .split(/\s+/)
    .filter((t) => t.length > 0)
    .map(canonicalToken);
}

/** Terms by their first word, each list in the terms' own order: a text is scanned once, not once per term. */
type TermIndex = ReadonlyMap<string, readonly (readonly string[])[]>;

function indexTerms(terms: readonly (readonly string[])[]): TermIndex {
  const index = new Map<string, (readonly string[])[]>();
  for (const term of terms) {
    const first = term[0] as string;
    const list = index.get(first);
    if (list) list.push(term);
    else index.set(first, [term]);
  }
  return index;
}

function startsAt(haystack: readonly string[], at: number, needle: readonly string[]): boolean {
  if (at + needle.length > haystack.length) return false;
  for (let k = 0; k < needle.length; k++) if (haystack[at + k] !== needle[k]) return false;
  return true;
}

/** The terms of `index` that occur anywhere in `words` (a term occurs where its first word does). */
function termsIn(words: readonly string[], index: TermIndex): Set<readonly string[]> {
  const found = new Set<readonly string[]>();
  for (let i = 0; i < words.length; i++) {
    for (const term of index.get(words[i] as string) ?? []) if (startsAt(words, i, term)) found.add(term);
  }
  return found;
}

/**
 * Builds the guard; the health vocabulary (terms, medicines, care settings) comes from the
 * classifier's lexicon, Spanish too when it has one.
 */
export function createReplyGuard(lexicon: HealthWords & Partial<Pick<Lexicon, 'spanish'>>): ReplyGuard {
  const healthTerms = healthDetailTerms(lexicon).map((term) => tokens(term)).filter((t) => t.length > 0);
  const medicineNames = (lexicon.medicines?.medicines ?? []).map((term) => tokens(term)).filter((t) => t.length > 0);
  // Words too general to give anyone away when spoken to them ("the pain you're feeling").
  const spokenTerms = healthTerms.filter((term) => !GENERAL_HEALTH_WORDS.has(term.join(' ')));
  const places = (lexicon.healthVocabulary?.careSettings ?? []).map((term) => tokens(term)).filter((t) => t.length > 0);
  const healthIndex = indexTerms(healthTerms);
  const spokenIndex = indexTerms(spokenTerms);
  const medicineIndex = indexTerms(medicineNames);
  const firstOf = (terms: readonly string[][]) => {
    const index = indexTerms(terms);
    return (text: string) => {
      const present = termsIn(tokens(text), index);
      return present.size === 0 ? undefined : terms.find((term) => present.has(term))?.join(' ');
    };
  };
  const firstHealthTerm = firstOf(spokenTerms);
  const firstPlace = firstOf(places);
  const spanish = lexicon.spanish ? createSpanishReplyGuard(lexicon.spanish) : undefined;
  // The post's words, once per post: its suggested replies are checked one after another against it.
  let lastMention: { text: string; tokens: string[]; health: Set<readonly string[]> } | undefined;
  const mentionWords = (text: string) => {
    if (lastMention?.text !== text) {
      const words = tokens(text);
      lastMention = { text, tokens: words, health: termsIn(words, healthIndex) };
    }
    return lastMention;
  };

  return {
    check(reply, mentionText, target = { platform: 'x' }) {
      const problems: string[] = platformReplyProblems(reply, target);
      // "please call your doctor" is advice anyone may get, not a sign we know their doctor.
      const advice = reply.replace(ADVICE_TO_SEE_ONES_OWN, ' ');
      const confirms = CONFIRMS_PATIENT.exec(advice) ?? CARED_FOR.exec(advice) ?? TIED_TO_PLACE.exec(advice);
      if (confirms) problems.push(`confirms the author is a patient: "${confirms[0].trim()}"`);
      const replyTokens = tokens(reply);
      const { tokens: mentionTokens, health: inMention } = mentionWords(mentionText);
      // Public information ("the Outpatient Surgery Center is at 2200 Harmon Rd") may use the post's words.
      const spoken = tokens(replySentences(reply).filter((s) => !s.informational).map((s) => s.text).join(' . '));
      const inSpoken = inMention.size === 0 ? inMention : termsIn(spoken, healthIndex);
      const echoed = inMention.size === 0 ? [] : healthTerms.filter((term) => inMention.has(term) && inSpoken.has(term));
      if (echoed.length > 0) problems.push(`repeats health details from the mention: ${echoed.map((t) => `"${t.join(' ')}"`).join(', ')}`);
      const inReply = termsIn(replyTokens, medicineIndex);
      const named = inReply.size === 0 ? [] : medicineNames.filter((name) => inReply.has(name) && !echoed.includes(name));
      if (named.length > 0) problems.push(`names a medicine: ${named.map((t) => `"${t.join(' ')}"`).join(', ')}`);
      const owned = ownedHealthTerm(spoken, spokenIndex);
      if (owned && !echoed.some((t) => t.join(' ') === owned)) problems.push(`ties a health detail to the author: "your ... ${owned}"`);
      const told = echoed.length > 0 || named.length > 0 || owned !== undefined;
      problems.push(...sentenceProblems(reply, told ? () => undefined : firstHealthTerm, firstPlace));
      const quoted = longestSharedRun(spoken, mentionTokens);
      if (quoted.length >= QUOTE_WORDS) problems.push(`quotes the mention: "${quoted.join(' ')}"`);
      if (MASS_MENTION.test(reply)) problems.push('contains @everyone or @here');
      const left = PLACEHOLDER_LEFT.exec(reply);
      if (left) problems.push(`placeholder not filled in: ${left[0]}`);
      if (spanish) problems.push(...spanish.problems(reply, mentionText));
      return { ok: problems.length === 0, problems };
    },
  };
}

const SECOND_PERSON = new Set(['your', "you're", 'youre', "your's", 'yours']);

/**
 * A health term owned by the reader, up to three words after "your": "your wife's miscarriage", "your
 * diabetes", "your knee surgery". Returns the term, or undefined.
 */
function ownedHealthTerm(reply: readonly string[], terms: TermIndex): string | undefined {
  for (let i = 0; i < reply.length; i++) {
    if (!SECOND_PERSON.has(reply[i] as string)) continue;
    for (let at = i + 1; at <= i + 4 && at < reply.length; at++) {
      const term = terms.get(reply[at] as string)?.find((t) => t.every((word, k) => reply[at + k] === word));
      if (term) return term.join(' ');
    }
  }
  return undefined;
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
