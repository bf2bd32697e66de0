import { z } from 'zod';
import { FUNCTION_WORDS } from './crisis-model.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * A second opinion on the labels the rules most often miss on posts worded as nobody foresaw: health
 * details, praise, complaints and critical posts. One logistic regression per label over words and
 * word pairs, trained on the labelled development posts of several
 * independent writers (`npm run train:crisis`). It only ever adds a label the rules did not give,
 * and a critical post it finds is only a *possible* crisis or incident for a person to check. Its
 * reason names the probability and the words that weighed most.
 */
export const MODEL_LABELS = ['phi', 'praise', 'complaint', 'critical'] as const;
export type ModelLabel = (typeof MODEL_LABELS)[number];

export interface CategoryModel {
  version: 1;
  /** Per label, the probability above which the model adds it. Chosen by leaving one writer's set out at a time. */
  thresholds: Record<ModelLabel, number>;
  /** Per label, the intercept. */
  bias: Record<ModelLabel, number>;
  /**
   * A complaint the rules gave on words alone (no crisis, incident or threat behind it) is taken
   * back below this probability: negative words about one's own life ("a1c back, 9.2, ugh") and
   * idioms are not complaints about us. 0 (or absent) takes none back. Chosen like the thresholds.
   */
  complaintFloor?: number | undefined;
  /** The features ("word" or "word word"), sorted. */
  features: string[];
  /** One weight per label (in {@link MODEL_LABELS} order) per feature, in one flat array: a few
   * arrays rather than one per feature, which kept four times the memory alive for as long as the
   * lexicon lives. */
  weights: number[];
}

const perLabel = z.object(Object.fromEntries(MODEL_LABELS.map((l) => [l, z.number()])) as Record<ModelLabel, z.ZodNumber>);

/** Checked with one loop each: a zod schema per entry of many thousand costs start-up time. */
const features = z.custom<string[]>((value) => Array.isArray(value) && value.every((f) => typeof f === 'string' && f.length > 0), 'expected an array of features');
const weights = z.custom<number[]>((value) => Array.isArray(value) && value.every((w) => typeof w === 'number' && Number.isFinite(w)), 'expected an array of numbers');

export const categoryModelSchema = z
  .object({ version: z.literal(1), thresholds: perLabel, bias: perLabel, complaintFloor: z.number().min(0).max(1).optional(), features, weights })
  .refine((m) => m.weights.length === m.features.length * MODEL_LABELS.length, { message: `expected ${MODEL_LABELS.length} weights per feature`, path: ['weights'] });

/**
 * What the model makes of one post. A reader keeps one and fills it per post (classify is
 * synchronous), so reading allocates nothing; the words behind a label are gathered only when asked.
 */
export interface CategoryReading {
  /** Whether the label's probability passes its threshold. */
  passes(label: ModelLabel): boolean;
  /** Whether a complaint the rules gave on words alone is unlike the writers' complaints (under the floor). */
  doubtsComplaint(): boolean;
  probability(label: ModelLabel): number;
  /** The (up to three) features that pulled hardest towards the label. */
  words(label: ModelLabel): string[];
}

/** Reads a post by its tokens' ids in the classifier's {@link Vocabulary}. */
export type CategoryReader = (ids: readonly number[]) => CategoryReading;

/** Handles (and a link's scheme) name a brand or a page, not what the post says. */
const counts = (token: string | undefined) => token !== undefined && !token.startsWith('@') && !token.startsWith('http');

/**
 * The features of a post's tokens (as the classifier tokenises them): each content word, and each
 * pair of neighbours unless both are function words. Counted, not deduplicated.
 */
export function tokenFeatures(tokens: readonly string[]): string[] {
  const features: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i] as string;
    if (!counts(word)) continue;
    const content = !FUNCTION_WORDS.has(word);
    if (content) features.push(word);
    const next = tokens[i + 1];
    if (counts(next) && (content || !FUNCTION_WORDS.has(next as string))) features.push(`${word} ${next}`);
  }
  return features;
}

/**
 * Built once: every word of a feature gets its id in the classifier's vocabulary (the same ids the
 * tokenizer gives a post), and weights sit in the file's one flat array, a row of {@link MODEL_LABELS} per
 * feature. Reading a post is an array read per token and, where its word opens a pair, one small
 * map read by the next token's id: no string is hashed or built. Only what training kept is in it,
 * so function words and handles need no check here.
 */
export function createCategoryReader(model: CategoryModel, vocabulary: Vocabulary): CategoryReader {
  const labels = MODEL_LABELS.length;
  // The file's own array, read in place: a copy would double what the lexicon keeps alive.
  const weights: readonly number[] = model.weights;
  // Each feature's word ids: [first, second], second -1 for a single word.
  const ids = new Int32Array(model.features.length * 2);
  model.features.forEach((feature, row) => {
    const space = feature.indexOf(' ');
    ids[2 * row] = vocabulary.add(space < 0 ? feature : feature.slice(0, space));
    ids[2 * row + 1] = space < 0 ? -1 : vocabulary.add(feature.slice(space + 1));
  });
  // Per vocabulary id: the row of the word's own weights (or -1), and the {@link secondBit}s of the
  // words that follow it in a pair (0: it opens none).
  const known = vocabulary.size;
  if (known > 0xffff) throw new Error(`the vocabulary has ${known} words: pairs are keyed by 16-bit ids`);
  const wordRow = new Int32Array(known).fill(-1);
  const seconds = new Uint32Array(known);
  const pairs = new PairTable(model.features.reduce((n, f) => (f.includes(' ') ? n + 1 : n), 0));
  for (let row = 0; row < model.features.length; row++) {
    const first = ids[2 * row] as number;
    const second = ids[2 * row + 1] as number;
    if (second < 0) wordRow[first] = row;
    else {
      seconds[first]! |= secondBit(second);
      pairs.set(first, second, row);
    }
  }
  const bias = MODEL_LABELS.map((l) => model.bias[l]);
  const thresholds = MODEL_LABELS.map((l) => logit(model.thresholds[l]));
  const at = (label: ModelLabel) => MODEL_LABELS.indexOf(label);
  const floor = model.complaintFloor ? logit(model.complaintFloor) : -Infinity;
  const complaint = at('complaint');
  const feature = (row: number) => model.features[row] as string;

  // The last post read: its sums and the rows of the features it had.
  const z = new Float64Array(labels);
  let hitCount = 0;
  const hits: number[] = [];
  const reading: CategoryReading = {
    passes: (label) => (z[at(label)] as number) > (thresholds[at(label)] as number),
    doubtsComplaint: () => (z[complaint] as number) < floor,
    probability: (label) => 1 / (1 + Math.exp(-(z[at(label)] as number))),
    words(label) {
      const i = at(label);
      const pulls: Array<[number, number]> = [];
      for (let k = 0; k < hitCount; k++) {
        const row = hits[k] as number;
        const weight = weights[row * labels + i] as number;
        if (weight > 0 && !pulls.some(([, seen]) => seen === row)) pulls.push([weight, row]);
      }
      return pulls.sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, row]) => feature(row));
    },
  };
  const hit = (row: number) => {
    hits[hitCount++] = row;
    const from = row * labels;
    for (let i = 0; i < labels; i++) z[i]! += weights[from + i] as number;
  };
  return (ids) => {
    hitCount = 0;
    for (let i = 0; i < labels; i++) z[i] = bias[i] as number;
    // Ids at or past `known` are words added to the vocabulary after this reader: none of ours.
    let previous = -1;
    for (let t = 0; t < ids.length; t++) {
      const id = ids[t] as number;
      if (id >= known) {
        previous = -1;
        continue;
      }
      const row = wordRow[id] as number;
      if (row >= 0) hit(row);
      // Most neighbours of a word that opens pairs open none with it: one bit test says so before a probe.
      if (previous >= 0 && ((seconds[previous] as number) & secondBit(id)) !== 0) {
        const pair = pairs.get(previous, id);
        if (pair >= 0) hit(pair);
      }
      previous = seconds[id] !== 0 ? id : -1;
    }
    return reading;
  };
}

/**
 * Word pairs by their two ids, in one open-addressing table of 32-bit keys (first id in the high
 * half): a pair is found without a map per word or a number too large for a small integer. Each
 * slot holds its key and its row side by side, so a probe that finds the pair reads one cache line.
 */
class PairTable {
  /** Per slot: the key (0 for an empty slot), then the row. */
  private readonly slots: Int32Array;
  private readonly shift: number;
  private readonly mask: number;

  constructor(pairs: number) {
    // At most half full, so a miss ends at an empty slot soon.
    const bits = Math.max(4, Math.ceil(Math.log2(pairs * 2)));
    this.slots = new Int32Array(2 << bits);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
  }

  set(first: number, second: number, row: number): void {
    const key = keyOf(first, second) | 0;
    let slot = this.slotOf(key);
    while (this.slots[2 * slot] !== 0 && this.slots[2 * slot] !== key) slot = (slot + 1) & this.mask;
    this.slots[2 * slot] = key;
    this.slots[2 * slot + 1] = row;
  }

  /** The pair's row, or -1. */
  get(first: number, second: number): number {
    const key = keyOf(first, second) | 0;
    for (let slot = this.slotOf(key); ; slot = (slot + 1) & this.mask) {
      const found = this.slots[2 * slot] as number;
      if (found === key) return this.slots[2 * slot + 1] as number;
      if (found === 0) return -1;
    }
  }

  private slotOf(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }
}

function secondBit(id: number): number {
  return 1 << (id & 31);
}

/** Ids stay under 2^16 (a vocabulary of tens of thousands of words); the first id is never 0. */
function keyOf(first: number, second: number): number {
  return ((first << 16) | second) >>> 0;
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** A labelled development post: its categories, urgency, and which writer's set it came from. */
export interface LabelledRow {
  text: string;
  categories?: string[];
  urgency?: string;
  hard?: boolean;
  set: string;
}

export const hasLabel = (row: LabelledRow, label: ModelLabel): boolean => (label === 'critical' ? row.urgency === 'critical' : (row.categories ?? []).includes(label));
