import { ANCHOR_BITS, PHRASE_KINDS, kindIndex, type PhraseKind } from './cue-kinds.js';
import type { PhraseMatch } from './phrase-index.js';
import { clauseNumbers, sentenceNumbers } from './score-sentiment.js';

/** A kind, or its index from {@link kindIndex} (resolved once, for the per-post hot path). */
export type KindRef = PhraseKind | number;

const at = (kind: KindRef) => (typeof kind === 'number' ? kind : kindIndex(kind));

/** A stretch of tokens that a rule relies on: a matched phrase, or a reading such as "bp 224/131". */
export interface Evidence {
  start: number;
  /** Exclusive. */
  end: number;
}

/**
 * The phrases matched in one text, grouped by kind (arrays indexed by kind, no per-call maps), with
 * the positions, sentences and quoting the rules need. Matches can be voided (an idiom covers them,
 * a negation governs them); voided matches are invisible to {@link all} and {@link any}.
 */
export class Found {
  private readonly byKind: Array<PhraseMatch[] | undefined> = new Array(PHRASE_KINDS.length);
  /** Kinds with matches (the first {@link filledCount}), so {@link reset} clears only those. */
  private readonly filled: number[] = [];
  // A count rather than `filled.length = 0`: setting an array's length is a runtime call, per post.
  private filledCount = 0;
  private voided: Set<PhraseMatch> | undefined;
  private sentenceList: number[] | undefined;
  private questionList: Set<number> | undefined;
  private clauseList: number[] | undefined;
  private source = '';
  /** The {@link ANCHOR} bits of the kinds matched so far. */
  anchors = 0;
  tokens: readonly string[] = [];

  constructor(matches: readonly PhraseMatch[] = [], tokens: readonly string[] = [], text = '') {
    this.reset(matches, tokens, text);
  }

  /**
   * Starts over for another text. One Found is reused per classifier: a fresh array per kind for
   * every post was most of the classifier's garbage.
   */
  reset(matches: readonly PhraseMatch[], tokens: readonly string[], text: string): this {
    for (let i = 0; i < this.filledCount; i++) this.byKind[this.filled[i] as number] = undefined;
    this.filledCount = 0;
    this.voided = undefined;
    this.sentenceList = undefined;
    this.questionList = undefined;
    this.clauseList = undefined;
    this.anchors = 0;
    this.tokens = tokens;
    this.source = text;
    this.add(matches);
    return this;
  }

  /** Adds the matches of a second pass. */
  add(matches: readonly PhraseMatch[]): void {
    for (const match of matches) {
      const k = match.entry.kindIndex;
      this.anchors |= ANCHOR_BITS[k] as number;
      const list = this.byKind[k];
      if (list) list.push(match);
      else {
        this.byKind[k] = [match];
        this.filled[this.filledCount++] = k;
      }
    }
  }

  /** Sentence number per token, read from the normalized text on first use: most posts never need it. */
  get sentences(): readonly number[] {
    return (this.sentenceList ??= sentenceNumbers(this.source.toLowerCase()));
  }

  /** The sentences that end in "?", read with {@link sentences} on first use. */
  get questionSentences(): ReadonlySet<number> {
    if (this.questionList === undefined) {
      this.questionList = new Set();
      this.sentenceList = sentenceNumbers(this.source.toLowerCase(), this.questionList);
    }
    return this.questionList;
  }

  /** Whether the post opens as a headline ("news: ...", "local news: ..."): news about us, no story of one's own. */
  get headline(): boolean {
    return HEADLINE.test(this.source);
  }

  /**
   * Clause number per token: a comma ends a clause as a sentence end does, and so does "and", "but"
   * or "so" before a subject ("his heart rate is 35 and he feels faint"). Read on first use.
   */
  get clauses(): readonly number[] {
    if (this.clauseList === undefined) {
      const byPunctuation = clauseNumbers(this.source.toLowerCase());
      const tokens = this.tokens;
      let opened = 0;
      for (let i = 0; i < byPunctuation.length; i++) {
        if (CONJUNCTIONS.has(tokens[i] as string) && CLAUSE_SUBJECTS.has(tokens[i + 1] as string)) opened++;
        byPunctuation[i] = (byPunctuation[i] as number) + opened;
      }
      this.clauseList = byPunctuation;
    }
    return this.clauseList;
  }

  clauseOf(index: number): number {
    return this.clauses[index] ?? -1;
  }

  /** The tokens of the clause `index` stands in. */
  clauseSpan(index: number): Evidence {
    const clause = this.clauseOf(index);
    let start = index;
    while (start > 0 && this.clauseOf(start - 1) === clause) start--;
    let end = index + 1;
    while (end < this.tokens.length && this.clauseOf(end) === clause) end++;
    return { start, end };
  }

  /** The first token of the clause `index` stands in, past an opening "and", "but" or "so". */
  clauseOpening(index: number): string {
    const { start } = this.clauseSpan(index);
    const token = this.tokens[start] as string;
    return CONJUNCTIONS.has(token) ? ((this.tokens[start + 1] as string | undefined) ?? '') : token;
  }

  any(kind: KindRef): boolean {
    const list = this.byKind[at(kind)];
    if (list === undefined) return false;
    if (this.voided === undefined) return true;
    for (const match of list) if (!this.voided.has(match)) return true;
    return false;
  }

  all(kind: KindRef): readonly PhraseMatch[] {
    const list = this.byKind[at(kind)];
    if (list === undefined) return NONE;
    const voided = this.voided;
    return voided === undefined ? list : list.filter((m) => !voided.has(m));
  }

  first(kind: KindRef): PhraseMatch | undefined {
    return this.all(kind)[0];
  }

  /** The matches of `kind` as they stood before any were voided. */
  raw(kind: KindRef): readonly PhraseMatch[] {
    return this.byKind[at(kind)] ?? NONE;
  }

  void(match: PhraseMatch): void {
    (this.voided ??= new Set()).add(match);
  }

  weight(kind: KindRef): number {
    let total = 0;
    for (const match of this.all(kind)) total += match.entry.weight;
    return total;
  }

  /**
   * Service-failure evidence. Cues under weight 1 ("again", "still") only count beside a real cue or
   * negative words: on their own they are everyday language.
   */
  complaintWeight(negativeWords: boolean): number {
    let strong = 0;
    let amplifiers = 0;
    for (const match of this.all(COMPLAINT)) {
      if (match.entry.weight >= 1) strong += match.entry.weight;
      else amplifiers += match.entry.weight;
    }
    return strong > 0 || negativeWords ? strong + amplifiers : 0;
  }

  sentenceOf(index: number): number {
    return this.sentences[index] ?? -1;
  }

  /** A match of `kind` in the same sentence as `near`, within `window` tokens of it (either side). */
  near(kind: PhraseKind, near: Evidence, window: number): PhraseMatch | undefined {
    const sentence = this.sentenceOf(near.start);
    for (const match of this.all(kind)) {
      if (this.sentenceOf(match.start) !== sentence) continue;
      const end = match.start + match.entry.tokens.length;
      if (end + window >= near.start && match.start <= near.end + window) return match;
    }
    return undefined;
  }

  /** A match of `kind` that shares a token with `span`, or touches it. */
  touching(kind: PhraseKind, span: Evidence): PhraseMatch | undefined {
    for (const match of this.raw(kind)) {
      const end = match.start + match.entry.tokens.length;
      if (end >= span.start && match.start <= span.end) return match;
    }
    return undefined;
  }

  /** The words as they stood in the text, quoted, for reasons: `"on hold", "3 hours"`. */
  quoted(kind: KindRef): string {
    let out = '';
    let count = 0;
    for (const match of this.all(kind)) {
      if (match.entry.weight === 0) continue;
      const quoted = `"${this.text(match)}"`;
      if (out.includes(quoted)) continue;
      out += count === 0 ? quoted : `, ${quoted}`;
      if (++count === 5) break;
    }
    return out;
  }

  /** The tokens a match or a span covers, joined by spaces. */
  text(span: PhraseMatch | Evidence): string {
    const { start, end } = 'entry' in span ? spanOf(span) : span;
    const tokens = this.tokens;
    if (end - start === 1) return tokens[start] as string;
    if (start < 0 || end > tokens.length || end <= start) return tokens.slice(start, end).join(' ');
    // Joined by hand: no array per quote, and most spans are two or three words.
    let words = tokens[start] as string;
    for (let i = start + 1; i < end; i++) words += ` ${tokens[i] as string}`;
    return words;
  }
}

export function spanOf(match: PhraseMatch): Evidence {
  return { start: match.start, end: match.start + match.entry.tokens.length };
}

const NONE: readonly PhraseMatch[] = [];
const CONJUNCTIONS = new Set(['and', 'but', 'so']);
const HEADLINE = /^\W*(?:(?:local|breaking)\s+)?news\s*:/i;
/** Words that open a clause as its subject. */
export const CLAUSE_SUBJECTS: ReadonlySet<string> = new Set([
  'i', "i'm", "i've", 'he', "he's", 'she', "she's", 'they', "they're", 'we', "we're", 'my', 'his', 'our',
]);
const COMPLAINT = kindIndex('complaint');
