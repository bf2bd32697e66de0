import { CONTRACTIONS, NUMBER_WORDS, isNumberToken, isNumeral, isSeparator } from './normalize.js';

/** The id of a token the vocabulary does not hold: no phrase starts with it, no lexicon scores it. */
export const UNKNOWN = 0;
/** The id of a numeral the vocabulary does not hold ("42", "+1"): it still fills a `<n>` slot. */
export const UNKNOWN_NUMBER = 1;

/** A text's tokens (as `tokenize` gives them) and their ids in a {@link Vocabulary}. */
export interface TokenizedText {
  tokens: string[];
  ids: number[];
}

/**
 * Every word the classifier's indexes and scorers know, each with a small integer id. A text is
 * tokenized and looked up here once; the phrase indexes and the sentiment scorer then read arrays
 * by id instead of each hashing the same strings into maps of their own. Built with the classifier,
 * read-only after that.
 *
 * The words sit in an open-addressing table hashed from their characters, hashed as the tokenizer
 * reads them: a known word is the vocabulary's own string, and only unknown words are cut out of
 * the text as new strings.
 */
export class Vocabulary {
  /** Per id: the word, as tokens carry it (the canonical spelling). */
  private readonly words: string[] = ['', ''];
  /** Per id: whether the word fills a `<n>` slot ("3", "twenty", "several"). */
  private readonly numeric: boolean[] = [false, true];
  /**
   * Per slot, side by side (one cache line): the spelling's hash, the id found by it (0 for an
   * empty slot, with {@link ALIAS} set when the spelling is not the word itself, "cant"), and the
   * spelling's {@link shortKey}.
   */
  private table = new Int32Array(SLOT * 1024);
  /** Per slot: the spelling, to tell words with the same hash apart. */
  private spellings: string[] = new Array<string>(1024).fill('');
  private filled = 0;

  constructor() {
    // Number words are numbers whether or not a phrase names them, so a token outside the
    // vocabulary is a number only if it is a numeral.
    for (const word of NUMBER_WORDS) this.add(word);
    // "cant" is found as "can't": tokens outside the vocabulary then need no canonical form.
    for (const [spelling, word] of CONTRACTIONS) this.insert(spelling, this.add(word) | ALIAS);
  }

  /** The id of `word`, added if it is new. */
  add(word: string): number {
    const known = this.entryOf(word);
    if (known !== UNKNOWN) return known & ~ALIAS;
    const id = this.words.length;
    const own = ownCopy(word);
    this.words.push(own);
    this.numeric.push(isNumberToken(own));
    this.insert(own, id);
    return id;
  }

  /** One more than the largest id. */
  get size(): number {
    return this.words.length;
  }

  isNumber(id: number): boolean {
    return this.numeric[id] === true;
  }

  /**
   * Lower-case word tokens, split as the `sentiment` package splits them (so its lexicon applies
   * as it was meant to), quotes around a word dropped, contractions canonical ("cant" → "can't"),
   * with their ids. One pass over the text.
   */
  tokenize(text: string): TokenizedText {
    const lower = text.toLowerCase();
    const tokens: string[] = [];
    const ids: number[] = [];
    for (let i = 0; i < lower.length; ) {
      let code = lower.charCodeAt(i);
      if (isSeparator(code)) {
        i++;
        continue;
      }
      // A token: hashed as it is read.
      let from = i;
      let hash = FNV_OFFSET;
      do {
        hash = Math.imul(hash ^ code, FNV_PRIME);
        if (++i === lower.length) break;
        code = lower.charCodeAt(i);
      } while (!isSeparator(code));
      let to = i;
      if (lower.charCodeAt(from) === 39 || lower.charCodeAt(to - 1) === 39) {
        while (from < to && lower.charCodeAt(from) === 39) from++;
        while (to > from && lower.charCodeAt(to - 1) === 39) to--;
        if (to === from) continue;
        hash = hashOf(lower, from, to);
      }
      const slot = this.slotOf(lower, from, to, hash);
      const entry = this.table[SLOT * slot + 1] as number;
      if (entry === UNKNOWN) {
        const token = lower.slice(from, to);
        tokens.push(token);
        ids.push(isNumeral(token) ? UNKNOWN_NUMBER : UNKNOWN);
      } else if ((entry & ALIAS) === 0) {
        tokens.push(this.spellings[slot] as string);
        ids.push(entry);
      } else {
        tokens.push(this.words[entry & ~ALIAS] as string);
        ids.push(entry & ~ALIAS);
      }
    }
    return { tokens, ids };
  }

  /** The id of each token, {@link UNKNOWN} or {@link UNKNOWN_NUMBER} for the words it does not hold. */
  read(tokens: readonly string[]): number[] {
    const ids: number[] = [];
    for (const token of tokens) {
      const entry = this.entryOf(token);
      ids.push(entry !== UNKNOWN ? entry & ~ALIAS : isNumeral(token) ? UNKNOWN_NUMBER : UNKNOWN);
    }
    return ids;
  }

  /** The table entry of `word`: its id ({@link ALIAS} set for another spelling), or {@link UNKNOWN}. */
  private entryOf(word: string): number {
    return this.table[SLOT * this.slotOf(word, 0, word.length, hashOf(word, 0, word.length)) + 1] as number;
  }

  /** The slot that holds the spelling `text[from, to)`, whose {@link hashOf} is `hash`, or the empty slot where it would go. */
  private slotOf(text: string, from: number, to: number, hash: number): number {
    const { table, spellings } = this;
    const mask = spellings.length - 1;
    let slot = hash & mask;
    // Most tokens are short words: the key in the table tells them apart without reading the
    // word's string, a cache miss per token.
    const key = shortKey(text, from, to);
    while (
      table[SLOT * slot + 1] !== UNKNOWN &&
      !(table[SLOT * slot] === hash && (key !== 0 ? table[SLOT * slot + 2] === key : spells(spellings[slot] as string, text, from, to)))
    ) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  /** Puts a spelling that is not in the table yet under `entry`. */
  private insert(spelling: string, entry: number): void {
    // At most two thirds full: a miss still ends at an empty slot within a few reads of one cache
    // line, and the smaller table stays in the cache beside the indexes and the model.
    if (3 * (this.filled + 1) > 2 * this.spellings.length) this.grow();
    const hash = hashOf(spelling, 0, spelling.length);
    const slot = this.slotOf(spelling, 0, spelling.length, hash);
    this.table[SLOT * slot] = hash;
    this.table[SLOT * slot + 1] = entry;
    this.table[SLOT * slot + 2] = shortKey(spelling, 0, spelling.length);
    this.spellings[slot] = spelling;
    this.filled++;
  }

  private grow(): void {
    const { table, spellings } = this;
    this.table = new Int32Array(2 * table.length);
    this.spellings = new Array<string>(2 * spellings.length).fill('');
    this.filled = 0;
    for (let slot = 0; slot < spellings.length; slot++) {
      const entry = table[SLOT * slot + 1] as number;
      if (entry !== UNKNOWN) this.insert(spellings[slot] as string, entry);
    }
  }
}

/** Int32s per table slot: hash, entry, short key. */
const SLOT = 3;

/**
 * A spelling of one to four characters, each in 1–255, as one number (first character lowest):
 * equal keys are equal spellings. 0 for any other spelling, which is compared character by character.
 */
function shortKey(text: string, from: number, to: number): number {
  const length = to - from;
  if (length > 4 || length === 0) return 0;
  let key = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(from + i);
    if (code === 0 || code > 255) return 0;
    key |= code << (8 * i);
  }
  return key;
}

/** Set in a table entry whose spelling is another spelling of the word ("cant" for "can't"). */
const ALIAS = 1 << 30;

// As an int32, like every hash in the table.
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of `text[from, to)`: what {@link Vocabulary.tokenize} computes as it reads. */
function hashOf(text: string, from: number, to: number): number {
  let hash = FNV_OFFSET;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash;
}

/**
 * A flat string of the vocabulary's own for `word` (object keys are): the lexicon's strings lie
 * scattered through its parsed JSON, and every known token's look-up reads its spelling, so copies
 * made one after another share cache lines (tokenizing ~9% faster).
 */
function ownCopy(word: string): string {
  return Object.keys({ [word]: 0 })[0] as string;
}

function spells(word: string, text: string, from: number, to: number): boolean {
  if (word.length !== to - from) return false;
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) !== text.charCodeAt(from + i)) return false;
  return true;
}
