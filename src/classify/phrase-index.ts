import { canonicalToken, isNumberToken } from './normalize.js';

/** What a matched phrase tells the classifier. */
export type PhraseKind =
  | 'sentiment'
  | 'complaint'
  | 'selfHarm'
  | 'emergency'
  | 'safety'
  | 'legal'
  | 'privacy'
  | 'safetyIncident'
  | 'viral'
  | 'media'
  | 'accessibility'
  | 'question'
  | 'review'
  | 'praise'
  | 'spam'
  | 'health'
  | 'phi'
  | 'anger';

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
  private readonly byFirst = new Map<string, PhraseEntry[]>();

  add(kind: PhraseKind, phrase: string, weight = 1): void {
    const tokens = tokenizePhrase(phrase);
    const first = tokens[0];
    // A phrase may start with a number ("<n> hours") but not with a wildcard.
    if (first === undefined || first === ANY) return;
    const key = first;
    const entry: PhraseEntry = { kind, kindIndex: KIND_INDEX.get(kind) as number, text: phrase, tokens, weight };
    const list = this.byFirst.get(key);
    if (list) {
      list.push(entry);
      // Longest first, so the first match of a kind at a position is the most specific one.
      list.sort((a, b) => b.tokens.length - a.tokens.length);
    } else {
      this.byFirst.set(key, [entry]);
    }
  }

  /** Every phrase found; per start position and kind only the longest. */
  match(tokens: readonly string[]): PhraseMatch[] {
    const found: PhraseMatch[] = [];
    const numbered = this.byFirst.get(NUMBER);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      const candidates = this.byFirst.get(token);
      if (candidates) collect(candidates, tokens, i, found);
      if (numbered && isNumberToken(token)) collect(numbered, tokens, i, found);
    }
    return found;
  }
}

function collect(candidates: readonly PhraseEntry[], tokens: readonly string[], start: number, out: PhraseMatch[]): void {
  let seenKinds = 0;
  for (const entry of candidates) {
    const bit = 1 << entry.kindIndex;
    if ((seenKinds & bit) !== 0) continue;
    if (matchesAt(entry.tokens, tokens, start)) {
      seenKinds |= bit;
      out.push({ entry, start });
    }
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

/** Every kind, in a fixed order: a kind's position is its index in per-kind arrays. */
export const PHRASE_KINDS: readonly PhraseKind[] = [
  'sentiment', 'complaint', 'selfHarm', 'emergency', 'safety', 'legal', 'privacy', 'safetyIncident', 'viral',
  'media', 'accessibility', 'question', 'review', 'praise', 'spam', 'health', 'phi', 'anger',
];
const KIND_INDEX = new Map(PHRASE_KINDS.map((kind, i) => [kind, i]));
