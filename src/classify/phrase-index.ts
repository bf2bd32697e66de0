import { canonicalToken, isNumberToken } from './normalize.js';

import { PHRASE_KINDS, kindIndex, type PhraseKind } from './cue-kinds.js';

export { PHRASE_KINDS, type PhraseKind };

export interface PhraseEntry {
  kind: PhraseKind;
  /** Position of `kind` in {@link PHRASE_KINDS}. */
  kindIndex: number;
  /** As written in the lexicon; used in reasons. */
  text: string;
  tokens: readonly string[];
  weight: number;
}

export interface PhraseMatch {
  entry: PhraseEntry;
  /** Token index where the phrase starts. */
  start: number;
}

const ANY = '*';
const NUMBER = '<n>';

function tokenizePhrase(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[.,/#!?$%^&*;:{}=_`"~()]/g, (c) => (c === '*' ? c : ' '))
    .replace(/(?<=\p{L})-(?=\p{L})/gu, ' ')
    .split(/\s+/)
    .filter((t) => t.length > 0)
    .map(canonicalToken);
}

/**
 * Matches many multi-word phrases in one pass over a token list: phrases are indexed by their
 * first token, so the cost is one map look-up per token plus the few candidates that share it.
 */
export class PhraseIndex {
  /**
   * First token → the one-word phrases, and the longer ones by their second token (a wildcard or a
   * number second token under its own key), so common first words ("my", "no") cost one more map
   * look-up instead of a scan of every phrase that starts with them.
   */
  private readonly byFirst = new Map<string, Bucket>();

  add(kind: PhraseKind, phrase: string, weight = 1): void {
    const tokens = tokenizePhrase(phrase);
    const first = tokens[0];
    // A phrase may start with a number ("<n> hours") but not with a wildcard.
    if (first === undefined || first === ANY) return;
    const entry: PhraseEntry = { kind, kindIndex: kindIndex(kind), text: phrase, tokens, weight };
    let bucket = this.byFirst.get(first);
    if (!bucket) this.byFirst.set(first, (bucket = { single: [], bySecond: new Map(), loose: [] }));
    const second = tokens[1];
    const list = second === undefined ? bucket.single : second === ANY || second === NUMBER ? bucket.loose : (bucket.bySecond.get(second) ?? bucket.bySecond.set(second, []).get(second)!);
    list.push(entry);
    // Longest first, so the first match of a kind at a position is the most specific one.
    list.sort((a, b) => b.tokens.length - a.tokens.length);
  }

  /** Every phrase found; per start position and kind only the longest. */
  match(tokens: readonly string[]): PhraseMatch[] {
    const found: PhraseMatch[] = [];
    const numbered = this.byFirst.get(NUMBER);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      const bucket = this.byFirst.get(token);
      if (bucket) collectBucket(bucket, tokens, i, found);
      if (numbered && isNumberToken(token)) collectBucket(numbered, tokens, i, found);
    }
    return found;
  }
}

interface Bucket {
  single: PhraseEntry[];
  bySecond: Map<string, PhraseEntry[]>;
  /** Phrases whose second token is a wildcard or a number. */
  loose: PhraseEntry[];
}

function collectBucket(bucket: Bucket, tokens: readonly string[], start: number, out: PhraseMatch[]): void {
  // Longer phrases first across the three lists, so "longest per kind" holds.
  const next = tokens[start + 1];
  const specific = next === undefined ? undefined : bucket.bySecond.get(next);
  const from = out.length;
  if (specific) collect(specific, tokens, start, out, from);
  if (bucket.loose.length > 0) collect(bucket.loose, tokens, start, out, from);
  collect(bucket.single, tokens, start, out, from);
}

/** Adds the candidates that match at `start`, skipping a kind already matched there (from `out[from]` on). */
function collect(candidates: readonly PhraseEntry[], tokens: readonly string[], start: number, out: PhraseMatch[], from: number): void {
  outer: for (const entry of candidates) {
    for (let i = from; i < out.length; i++) if ((out[i] as PhraseMatch).entry.kindIndex === entry.kindIndex) continue outer;
    if (matchesAt(entry.tokens, tokens, start)) out.push({ entry, start });
  }
}

function matchesAt(phrase: readonly string[], tokens: readonly string[], start: number): boolean {
  if (start + phrase.length > tokens.length) return false;
  for (let k = 1; k < phrase.length; k++) {
    const want = phrase[k] as string;
    const have = tokens[start + k] as string;
    if (want === have || want === ANY) continue;
    if (want === NUMBER && isNumberToken(have)) continue;
    return false;
  }
  return true;
}

