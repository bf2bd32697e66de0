import { canonicalToken } from './normalize.js';
import { Vocabulary } from './vocabulary.js';

import { PHRASE_KINDS, kindIndex, type PhraseKind } from './cue-kinds.js';

export { PHRASE_KINDS, type PhraseKind };

export interface PhraseEntry {
  kind: PhraseKind;
  /** Position of `kind` in {@link PHRASE_KINDS}. */
  kindIndex: number;
  /** As written in the lexicon; used in reasons. */
  text: string;
  tokens: readonly string[];
  /** The tokens' ids in the index's {@link Vocabulary}; negative for a wildcard or a number slot. */
  ids: readonly number[];
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

/** Phrase-token ids for the wildcard and the number slot; word ids are never negative. */
const ANY_ID = -1;
const NUMBER_ID = -2;

/**
 * Matches many multi-word phrases in one pass over a token list: phrases are indexed by their
 * first token, so the cost is one array read per token plus the few candidates that share it.
 * Tokens are compared by their ids in the {@link Vocabulary}, which indexes sharing one vocabulary
 * look up once per text.
 */
export class PhraseIndex {
  /**
   * First token's id → the one-word phrases, and the longer ones by their second token (a wildcard
   * or a number second token under its own key), so common first words ("my", "no") cost one more
   * look-up instead of a scan of every phrase that starts with them.
   */
  private readonly byFirst: Array<Bucket | undefined> = [];
  /** The phrases that start with a number ("<n> hours"). */
  private numbered: Bucket | undefined;

  private packed = false;
  /**
   * Per first-token id, built by {@link pack}: its bucket's `seconds`, and 1 when the bucket has
   * one-word or loose phrases. Read from one typed array, most tokens that start a phrase start none
   * here, and their bucket is never touched.
   */
  private lead = new Int32Array(0);

  constructor(readonly vocabulary = new Vocabulary()) {}

  /**
   * Copies every bucket and phrase afresh, one after another (the first match does, once the
   * phrases are in): built phrase by phrase, each lay among the garbage of tokenizing it and the
   * lexicon's parsed JSON, and a post's look-ups missed the cache.
   */
  private pack(): void {
    this.packed = true;
    const copyEntry = (e: PhraseEntry): PhraseEntry => ({ kind: e.kind, kindIndex: e.kindIndex, text: e.text, tokens: [...e.tokens], ids: [...e.ids], weight: e.weight });
    const copy = (b: Bucket): Bucket => ({
      single: b.single.map(copyEntry),
      bySecond: new Map([...b.bySecond].map(([k, list]) => [k, list.map(copyEntry)])),
      seconds: b.seconds,
      loose: b.loose.map(copyEntry),
    });
    for (let i = 0; i < this.byFirst.length; i++) {
      const bucket = this.byFirst[i];
      if (bucket) this.byFirst[i] = copy(bucket);
    }
    if (this.numbered) this.numbered = copy(this.numbered);
    this.lead = new Int32Array(2 * this.byFirst.length);
    this.byFirst.forEach((bucket, id) => {
      if (!bucket) return;
      this.lead[2 * id] = bucket.seconds;
      this.lead[2 * id + 1] = bucket.single.length > 0 || bucket.loose.length > 0 ? 1 : 0;
    });
  }

  add(kind: PhraseKind, phrase: string, weight = 1): void {
    this.packed = false;
    const tokens = tokenizePhrase(phrase);
    const first = tokens[0];
    // A phrase may start with a number ("<n> hours") but not with a wildcard.
    if (first === undefined || first === ANY) return;
    const ids = tokens.map((t) => (t === ANY ? ANY_ID : t === NUMBER ? NUMBER_ID : this.vocabulary.add(t)));
    const entry: PhraseEntry = { kind, kindIndex: kindIndex(kind), text: phrase, tokens, ids, weight };
    const firstId = ids[0] as number;
    let bucket = firstId === NUMBER_ID ? this.numbered : this.byFirst[firstId];
    if (!bucket) {
      bucket = { single: [], bySecond: new Map(), seconds: 0, loose: [] };
      if (firstId === NUMBER_ID) this.numbered = bucket;
      else {
        // Filled up to here, so reads stay on a packed array.
        while (this.byFirst.length < firstId) this.byFirst.push(undefined);
        this.byFirst[firstId] = bucket;
      }
    }
    const second = ids[1];
    let list: PhraseEntry[];
    if (second === undefined) list = bucket.single;
    else if (second < 0) list = bucket.loose;
    else {
      list = bucket.bySecond.get(second) ?? bucket.bySecond.set(second, []).get(second)!;
      bucket.seconds |= secondBit(second);
    }
    list.push(entry);
    // Longest first, so the first match of a kind at a position is the most specific one.
    list.sort((a, b) => b.tokens.length - a.tokens.length);
  }

  /**
   * Every phrase found; per start position and kind only the longest. `ids` are the tokens' ids in
   * this index's vocabulary, when the caller has them already.
   */
  match(tokens: readonly string[], ids: readonly number[] = this.vocabulary.read(tokens)): PhraseMatch[] {
    if (!this.packed) this.pack();
    const found: PhraseMatch[] = [];
    const { byFirst, numbered, vocabulary, lead } = this;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id < byFirst.length) {
        const next = ids[i + 1];
        if (lead[2 * id + 1] !== 0 || (next !== undefined && ((lead[2 * id] as number) & secondBit(next)) !== 0)) collectBucket(byFirst[id] as Bucket, ids, i, vocabulary, found);
      }
      if (numbered && vocabulary.isNumber(id)) collectBucket(numbered, ids, i, vocabulary, found);
    }
    return found;
  }
}

interface Bucket {
  single: PhraseEntry[];
  bySecond: Map<number, PhraseEntry[]>;
  /**
   * The {@link secondBit}s of the keys of `bySecond`: most words after a common first word ("i",
   * "on") start no phrase with it, and one bit test says so before a map look-up.
   */
  seconds: number;
  /** Phrases whose second token is a wildcard or a number. */
  loose: PhraseEntry[];
}

function collectBucket(bucket: Bucket, ids: readonly number[], start: number, vocabulary: Vocabulary, out: PhraseMatch[]): void {
  // Longer phrases first across the three lists, so "longest per kind" holds.
  const from = out.length;
  const next = ids[start + 1];
  if (next !== undefined && (bucket.seconds & secondBit(next)) !== 0) {
    const specific = bucket.bySecond.get(next);
    if (specific) collect(specific, ids, start, vocabulary, out, from);
  }
  if (bucket.loose.length > 0) collect(bucket.loose, ids, start, vocabulary, out, from);
  // One-word phrases match wherever their bucket is reached.
  const single = bucket.single;
  for (let c = 0; c < single.length; c++) {
    const entry = single[c] as PhraseEntry;
    if (!kindFound(out, from, entry.kindIndex)) out.push({ entry, start });
  }
}

function secondBit(id: number): number {
  return 1 << (id & 31);
}

/** Adds the candidates that match at `start`, skipping a kind already matched there (from `out[from]` on). */
function collect(candidates: readonly PhraseEntry[], ids: readonly number[], start: number, vocabulary: Vocabulary, out: PhraseMatch[], from: number): void {
  for (let c = 0; c < candidates.length; c++) {
    const entry = candidates[c] as PhraseEntry;
    if (!kindFound(out, from, entry.kindIndex) && matchesAt(entry.ids, ids, start, vocabulary)) out.push({ entry, start });
  }
}

function kindFound(out: readonly PhraseMatch[], from: number, kind: number): boolean {
  for (let i = from; i < out.length; i++) if ((out[i] as PhraseMatch).entry.kindIndex === kind) return true;
  return false;
}

function matchesAt(phrase: readonly number[], ids: readonly number[], start: number, vocabulary: Vocabulary): boolean {
  if (start + phrase.length > ids.length) return false;
  for (let k = 1; k < phrase.length; k++) {
    const want = phrase[k] as number;
    const have = ids[start + k] as number;
    if (want === have || want === ANY_ID) continue;
    if (want === NUMBER_ID && vocabulary.isNumber(have)) continue;
    return false;
  }
  return true;
}
