import { CONTRACTIONS, NUMBER_WORDS, forEachToken, hashOf, isNumberToken, isNumeral } from './normalize.js';

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
 * The words sit in an open-addressing table hashed from their characters, so a token is looked up
 * where it stands in the text: a known word is the vocabulary's own string, and only unknown words
 * are cut out of the text as new strings.
 */
export class Vocabulary {
  /** Per id: the word, as tokens carry it (the canonical spelling). */
  private readonly words: string[] = ['', ''];
  /** Per id: whether the word fills a `<n>` slot ("3", "twenty", "several"). */
  private readonly numeric: boolean[] = [false, true];
  /** Per slot: the id there (0 for an empty slot), the spelling it is found by, and its hash. */
  private slots = new Int32Array(1024);
  private spellings: string[] = new Array<string>(1024).fill('');
  private hashes = new Int32Array(1024);
  private filled = 0;

  constructor() {
    // Number words are numbers whether or not a phrase names them, so a token outside the
    // vocabulary is a number only if it is a numeral.
    for (const word of NUMBER_WORDS) this.add(word);
    // "cant" is found as "can't": tokens outside the vocabulary then need no canonical form.
    for (const [spelling, word] of CONTRACTIONS) this.insert(spelling, this.add(word));
  }

  /** The id of `word`, added if it is new. */
  add(word: string): number {
    const known = this.find(word, 0, word.length, hashOf(word, 0, word.length));
    if (known !== UNKNOWN) return known;
    const id = this.words.length;
    this.words.push(word);
    this.numeric.push(isNumberToken(word));
    this.insert(word, id);
    return id;
  }

  /** One more than the largest id. */
  get size(): number {
    return this.words.length;
  }

  isNumber(id: number): boolean {
    return this.numeric[id] === true;
  }

  /** The same tokens as `tokenize(text)`, with their ids. */
  tokenize(text: string): TokenizedText {
    const lower = text.toLowerCase();
    const tokens: string[] = [];
    const ids: number[] = [];
    forEachToken(lower, (from, to, hash) => {
      const id = this.find(lower, from, to, hash);
      if (id !== UNKNOWN) {
        tokens.push(this.words[id] as string);
        ids.push(id);
      } else {
        const token = lower.slice(from, to);
        tokens.push(token);
        ids.push(isNumeral(token) ? UNKNOWN_NUMBER : UNKNOWN);
      }
    });
    return { tokens, ids };
  }

  /** The id of each token, {@link UNKNOWN} or {@link UNKNOWN_NUMBER} for the words it does not hold. */
  read(tokens: readonly string[]): number[] {
    const ids: number[] = [];
    for (const token of tokens) {
      const id = this.find(token, 0, token.length, hashOf(token, 0, token.length));
      ids.push(id !== UNKNOWN ? id : isNumeral(token) ? UNKNOWN_NUMBER : UNKNOWN);
    }
    return ids;
  }

  /** The id of the word spelt by `text[from, to)`, whose {@link hashOf} is `hash`, or {@link UNKNOWN}. */
  private find(text: string, from: number, to: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot] as number;
      if (id === UNKNOWN) return UNKNOWN;
      if (this.hashes[slot] === hash && spells(this.spellings[slot] as string, text, from, to)) return id;
    }
  }

  private insert(spelling: string, id: number): void {
    // At most half full, so a miss ends at an empty slot soon.
    if (2 * (this.filled + 1) > this.slots.length) this.grow();
    const hash = hashOf(spelling, 0, spelling.length);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== UNKNOWN) slot = (slot + 1) & mask;
    this.slots[slot] = id;
    this.spellings[slot] = spelling;
    this.hashes[slot] = hash;
    this.filled++;
  }

  private grow(): void {
    const { slots, spellings } = this;
    this.slots = new Int32Array(slots.length * 2);
    this.spellings = new Array<string>(slots.length * 2).fill('');
    this.hashes = new Int32Array(slots.length * 2);
    this.filled = 0;
    for (let slot = 0; slot < slots.length; slot++) {
      if (slots[slot] !== UNKNOWN) this.insert(spellings[slot] as string, slots[slot] as number);
    }
  }
}

function spells(word: string, text: string, from: number, to: number): boolean {
  if (word.length !== to - from) return false;
  for (let i = 0; i < word.length; i++) if (word.charCodeAt(i) !== text.charCodeAt(from + i)) return false;
  return true;
}
