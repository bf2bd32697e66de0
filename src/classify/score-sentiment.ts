import { createRequire } from 'node:module';
import { canonicalToken, isSeparator } from './normalize.js';
import { Vocabulary } from './vocabulary.js';

const require = createRequire(import.meta.url);
/** The `sentiment` package's lexicons: AFINN-165 words and Emoji Sentiment Ranking emoji. */
const AFINN: Record<string, number> = require('sentiment/languages/en/labels.json');
const EMOJI: Record<string, number> = require('sentiment/build/emoji.json');

/**
 * Lower-case word tokens, split as the `sentiment` package splits them (so its lexicon applies as
 * it was meant to), in one pass, with contractions made canonical ("cant" → "can't") and quotes
 * around a word dropped. The classifier reads them with their ids, {@link Vocabulary.tokenize}.
 */
export function tokenize(text: string): string[] {
  return WORDLESS.tokenize(text).tokens;
}

/** A vocabulary of contractions and number words only: every other token is cut from the text as it stands. */
const WORDLESS = new Vocabulary();

/**
 * The sentence number of each token {@link tokenize} gives for the same text: a new sentence starts
 * after `.`, `!`, `?`, `;` or a line break (not a decimal point). That is the scope tense and
 * negation have. A second scan, for the few posts whose crisis rules need it.
 */
export function sentenceNumbers(text: string, questions?: Set<number>): number[] {
  return unitNumbers(text, isSentenceEnd, questions);
}

/** As {@link sentenceNumbers}, with a comma also ending a clause (not one between digits: "1,000"). */
export function clauseNumbers(text: string): number[] {
  return unitNumbers(text, isClauseEnd);
}

function unitNumbers(text: string, isEnd: (code: number) => boolean, questions?: Set<number>): number[] {
  const out: number[] = [];
  let start = -1;
  let unit = 0;
  let ended = false;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
    if (i < text.length && !isSeparator(code)) {
      if (start < 0) start = i;
      continue;
    }
    if (isEnd(code) && !((code === 46 || code === 44) && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1)))) {
      if (code === 63) questions?.add(unit);
      if (start < 0) unit++;
      else ended = true;
    }
    if (start < 0) continue;
    let from = start;
    let to = i;
    while (from < to && text.charCodeAt(from) === 39) from++;
    while (to > from && text.charCodeAt(to - 1) === 39) to--;
    if (to > from) out.push(unit);
    start = -1;
    if (ended) {
      // The separator that ended this token also ends the unit.
      unit++;
      ended = false;
    }
  }
  return out;
}

function isSentenceEnd(code: number): boolean {
  return code === 46 || code === 33 || code === 63 || code === 59 || code === 10;
}

function isClauseEnd(code: number): boolean {
  return code === 44 || isSentenceEnd(code);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

const NEGATORS = new Set([
  'not', 'no', 'never', 'none', 'nothing', 'without', 'hardly', 'barely', 'neither', 'nor', "can't",
  "don't", "doesn't", "didn't", "won't", "isn't", "aren't", "wasn't", "weren't", "haven't", "hasn't",
  "couldn't", "wouldn't", "shouldn't", "ain't",
]);
const INTENSIFIERS = new Set([
  'very', 'so', 'really', 'extremely', 'super', 'absolutely', 'totally', 'incredibly', 'truly', 'completely',
  'utterly', 'beyond', 'highly', 'seriously', 'insanely', 'terribly',
]);
// Words that may stand between a negator and the word it negates: "not very good", "never been so happy".
const SKIPPABLE = new Set(['very', 'so', 'really', 'that', 'too', 'a', 'the', 'be', 'been', 'at', 'all', 'even', 'quite', 'as']);

export interface SentimentScore {
  score: number;
  /** Sum of the positive contributions, after negation. */
  positive: number;
  positiveWords: string[];
  negativeWords: string[];
}

/** Scores a text's tokens; `ids` are their ids in the scorer's vocabulary, when the caller has them. */
export type SentimentScorer = (tokens: readonly string[], ids?: readonly number[]) => SentimentScore;

/** What the words in `[start, end)` add to the score, after negation and intensifiers. */
export type SentimentContribution = (tokens: readonly string[], start: number, end: number) => number;

/**
 * AFINN-style scoring with the `sentiment` package's lexicons and our domain words on top, and
 * negation that reaches over a few words ("not very good") instead of only the previous one.
 */
export function createSentimentScorer(domainWords: Readonly<Record<string, number>>, vocabulary = new Vocabulary()): SentimentScorer {
  const { labels, roles } = sentimentLabels(domainWords, vocabulary);
  return (tokens, ids = vocabulary.read(tokens)) => {
    let score = 0;
    let positive = 0;
    const positiveWords: string[] = [];
    const negativeWords: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const base = labels[ids[i] as number];
      if (base === undefined || base === 0) continue;
      const value = scoreInContext(ids, roles, i, base);
      score += value;
      if (value > 0) {
        positive += value;
        positiveWords.push(tokens[i] as string);
      } else if (value < 0) {
        negativeWords.push(tokens[i] as string);
      }
    }
    return new Score(score, positive, positiveWords, negativeWords);
  };
}

/**
 * A class, not an object literal: scores are often fractional ("very rude" is -4.5), and with a
 * literal V8's optimising compiler kept assuming small integers for them, deoptimising the scorer
 * hundreds of times a run (a third of the classifier's throughput).
 */
class Score implements SentimentScore {
  constructor(
    readonly score: number,
    readonly positive: number,
    readonly positiveWords: string[],
    readonly negativeWords: string[],
  ) {}
}

/** The same scoring over part of a text, to take out what an idiom's words added ("to die for"). */
export function createSentimentContribution(domainWords: Readonly<Record<string, number>>, vocabulary = new Vocabulary()): SentimentContribution {
  const { labels, roles } = sentimentLabels(domainWords, vocabulary);
  return (tokens, start, end) => {
    // Rare (idioms, crises set aside): the tokens are looked up again rather than passed along.
    const ids = vocabulary.read(tokens);
    let total = 0;
    for (let i = Math.max(0, start); i < end && i < ids.length; i++) {
      const base = labels[ids[i] as number];
      if (base !== undefined && base !== 0) total += scoreInContext(ids, roles, i, base);
    }
    return total;
  };
}

/** Bits of {@link sentimentLabels}' `roles`: what a word does to the scored word after it. */
const NEGATES = 1;
const INTENSIFIES = 2;
const SKIPPED = 4;

/**
 * Per vocabulary id, the word's score and its role for the words after it. Arrays sized to the
 * vocabulary as it stands, so ids added later (words no scorer knows) read as `undefined`.
 */
function sentimentLabels(domainWords: Readonly<Record<string, number>>, vocabulary: Vocabulary): { labels: Float64Array; roles: Uint8Array } {
  const byWord = new Map<string, number>();
  for (const [word, value] of Object.entries(AFINN)) byWord.set(canonicalToken(word), value);
  for (const [word, value] of Object.entries(EMOJI)) byWord.set(word, value);
  for (const [word, value] of Object.entries(domainWords)) byWord.set(canonicalToken(word.toLowerCase()), value);
  const roleOf = new Map<string, number>();
  for (const [words, role] of [[NEGATORS, NEGATES], [INTENSIFIERS, INTENSIFIES], [SKIPPABLE, SKIPPED]] as const) {
    for (const word of words) roleOf.set(word, (roleOf.get(word) ?? 0) | role);
  }
  for (const word of [...byWord.keys(), ...roleOf.keys()]) vocabulary.add(word);
  const labels = new Float64Array(vocabulary.size);
  const roles = new Uint8Array(vocabulary.size);
  for (const [word, value] of byWord) labels[vocabulary.add(word)] = value;
  for (const [word, role] of roleOf) roles[vocabulary.add(word)] = role;
  return { labels, roles };
}

/** Negation ("not good", "never been so happy") and intensifiers ("very rude") around a scored word. */
function scoreInContext(ids: readonly number[], roles: Uint8Array, cursor: number, tokenScore: number): number {
  let score = tokenScore;
  let intensified = false;
  for (let back = cursor - 1; back >= 0 && back >= cursor - 3; back--) {
    const role = roles[ids[back] as number] ?? 0;
    // "not bad" is mildly good; "not good" is as bad as "good" is good.
    if ((role & NEGATES) !== 0) return score < 0 ? -score * 0.5 : -score;
    const intensifier = (role & INTENSIFIES) !== 0;
    if (intensifier) intensified = true;
    if (!intensifier && (role & SKIPPED) === 0) break;
  }
  return intensified ? score * 1.5 : score;
}
