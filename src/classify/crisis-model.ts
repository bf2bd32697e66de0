import { z } from 'zod';
import { CRISIS_KINDS, type CrisisKind } from '../domain/classification.js';

/**
 * A second look for the crises and incidents the rules miss: a naive Bayes model over words and word
 * pairs, trained on the project's labelled development posts (several independent writers, see
 * `npm run train:crisis`). It only runs on posts that already carry a crisis or incident cue the
 * rules could not complete, and it can only raise a *possible* crisis or a possible incident, which a
 * person confirms or clears on the card. Its reason names the words that weighed most.
 */
export interface CrisisModel {
  version: 1;
  /** Log-odds above which a post is raised. Chosen by leaving one writer's posts out at a time. */
  threshold: number;
  /** Critical against not: log prior odds and per-feature log-likelihood ratios. */
  prior: number;
  weights: Record<string, number>;
  /** Which kind a raised post resembles most: per kind (and `incident`), log prior and weights. */
  kinds: Record<string, { prior: number; weights: Record<string, number> }>;
}

/**
 * Feature → weight, checked with one loop: a zod record of several thousand entries took ~30 ms at
 * every start of a classifying command.
 */
const weightMap = z.custom<Record<string, number>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((w) => typeof w === 'number' && Number.isFinite(w)),
  'expected an object of feature to number',
);

export const crisisModelSchema = z.object({
  version: z.literal(1),
  threshold: z.number(),
  prior: z.number(),
  weights: weightMap,
  kinds: z.record(z.string(), z.object({ prior: z.number(), weights: weightMap })),
});

/** Words that say nothing alone or together ("of the", "is this"); beside a content word they count. */
export const FUNCTION_WORDS = new Set(
  ('a an the of to in on at by for from with and or but so if is are was were be been am it its this that these those there here ' +
    'as up out off over into about than then just also too very can could would should will do does did has have had not no ' +
    'you your he she his her him they them their we our us what who which when where why how one all any some more most').split(' '),
);

/** Lower-case words (apostrophes kept) and each pair of neighbours, unless made of function words only. */
export function modelFeatures(text: string): Set<string> {
  const words = text.toLowerCase().replace(/[\u2018\u2019]/g, "'").match(/[a-z0-9']+/g) ?? [];
  const features = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const content = !FUNCTION_WORDS.has(word);
    if (content) features.add(word);
    const next = words[i + 1];
    if (next !== undefined && (content || !FUNCTION_WORDS.has(next))) features.add(`${word} ${next}`);
  }
  return features;
}

export interface ModelReading {
  /** A crisis kind, or `incident` for a critical incident (privacy, discharge, medicine, staff). */
  kind: CrisisKind | 'incident';
  score: number;
  /** The features that weighed most towards critical, for the reason. */
  words: string[];
}

export type CrisisBackstop = (text: string) => ModelReading | undefined;

/** A feature this much likelier in critical posts (e^2, about 7 times) is strong evidence. */
const STRONG = 2;

/** `kindFor` may be shared with another reader of the same model (its maps are the larger part). */
export function createCrisisBackstop(model: CrisisModel, kindFor: KindReader = createKindReader(model)): CrisisBackstop {
  const weights = new Map(Object.entries(model.weights));
  return (text) => {
    const features = modelFeatures(text);
    let score = model.prior;
    const pulls: Array<[string, number]> = [];
    for (const feature of features) {
      const weight = weights.get(feature);
      if (weight === undefined) continue;
      score += weight;
      if (weight > 0) pulls.push([feature, weight]);
    }
    // The sum alone grows with length: one word or pair must also lean hard towards critical.
    if (score <= model.threshold || !pulls.some(([, weight]) => weight >= STRONG)) return undefined;
    const words = pulls.sort((a, b) => b[1] - a[1]).slice(0, 3).map(([w]) => w);
    return { kind: kindFor(features), score, words };
  };
}

export type KindReader = (features: ReadonlySet<string>) => CrisisKind | 'incident';

/** Which kind of critical post the features resemble most: a crisis kind, or `incident`. */
export function createKindReader(model: CrisisModel): KindReader {
  const kinds = Object.entries(model.kinds).map(([kind, k]) => ({ kind, prior: k.prior, weights: new Map(Object.entries(k.weights)) }));
  return (features) => {
    let best = kinds[0];
    let bestScore = -Infinity;
    for (const k of kinds) {
      let s = k.prior;
      for (const feature of features) s += k.weights.get(feature) ?? 0;
      if (s > bestScore) [best, bestScore] = [k, s];
    }
    return (best?.kind ?? 'incident') as CrisisKind | 'incident';
  };
}

/** A labelled development post, as in `test/fixtures/crisis-dev*.jsonl`. */
export interface TrainingRow {
  text: string;
  urgency?: string;
  kind?: string;
  categories?: string[];
  /** Which writer's set it came from: the threshold is chosen leaving one set out at a time. */
  set: string;
}

const MIN_COUNT = 3;
/** Features that barely lean either way are left out: a smaller file, the same decisions. */
const MIN_WEIGHT = 0.5;

function logOdds(rows: readonly TrainingRow[], isPositive: (row: TrainingRow) => boolean): { prior: number; weights: Record<string, number> } {
  const pos = new Map<string, number>();
  const neg = new Map<string, number>();
  let nPos = 0;
  let nNeg = 0;
  for (const row of rows) {
    const positive = isPositive(row);
    if (positive) nPos++;
    else nNeg++;
    const counts = positive ? pos : neg;
    for (const feature of modelFeatures(row.text)) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  }
  const weights: Record<string, number> = {};
  for (const feature of new Set([...pos.keys(), ...neg.keys()])) {
    const p = pos.get(feature) ?? 0;
    const n = neg.get(feature) ?? 0;
    if (p + n < MIN_COUNT) continue;
    const weight = Math.log((p + 1) / (nPos + 2)) - Math.log((n + 1) / (nNeg + 2));
    if (Math.abs(weight) >= MIN_WEIGHT) weights[feature] = Math.round(weight * 1000) / 1000;
  }
  return { prior: Math.log(Math.max(nPos, 1) / Math.max(nNeg, 1)), weights };
}

const critical = (row: TrainingRow) => row.urgency === 'critical';
/** A crisis row's kind (confident or possible); every other critical row is an incident. */
const kindOf = (row: TrainingRow): string => ((CRISIS_KINDS as readonly string[]).includes(row.kind ?? '') ? (row.kind as string) : 'incident');

/** The model on `rows`, with `threshold` as given (see {@link chooseThreshold}). */
export function trainCrisisModel(rows: readonly TrainingRow[], threshold: number): CrisisModel {
  const { prior, weights } = logOdds(rows, critical);
  const criticalRows = rows.filter(critical);
  const kinds: CrisisModel['kinds'] = {};
  for (const kind of [...CRISIS_KINDS, 'incident']) {
    const mine = criticalRows.filter((row) => kindOf(row) === kind);
    if (mine.length === 0) continue;
    const { weights: w } = logOdds(criticalRows, (row) => kindOf(row) === kind);
    kinds[kind] = { prior: Math.log(mine.length / criticalRows.length), weights: w };
  }
  return { version: 1, threshold, prior, weights, kinds };
}

export interface ThresholdTrial {
  threshold: number;
  recall: number;
  hardRaised: number;
}

/**
 * Leave one writer's set out, train on the rest, score the set left out: per candidate threshold the
 * share of its critical posts raised and of its hard negatives raised. The chosen threshold is the
 * lowest whose hard negatives raised stay at or under `maxHardRaised`.
 */
export function chooseThreshold(rows: readonly TrainingRow[], candidates: readonly number[], maxHardRaised: number, isHard: (row: TrainingRow) => boolean): { threshold: number; trials: ThresholdTrial[] } {
  const sets = [...new Set(rows.map((row) => row.set))];
  const tally = candidates.map(() => ({ critical: 0, raised: 0, hard: 0, hardRaised: 0 }));
  for (const held of sets) {
    const model = trainCrisisModel(rows.filter((row) => row.set !== held), Number.POSITIVE_INFINITY);
    const weights = new Map(Object.entries(model.weights));
    for (const row of rows) {
      if (row.set !== held) continue;
      let score = model.prior;
      for (const feature of modelFeatures(row.text)) score += weights.get(feature) ?? 0;
      candidates.forEach((threshold, i) => {
        const t = tally[i]!;
        if (critical(row)) {
          t.critical++;
          if (score > threshold) t.raised++;
        }
        if (isHard(row)) {
          t.hard++;
          if (score > threshold) t.hardRaised++;
        }
      });
    }
  }
  const trials = candidates.map((threshold, i) => {
    const t = tally[i]!;
    return { threshold, recall: t.raised / Math.max(t.critical, 1), hardRaised: t.hardRaised / Math.max(t.hard, 1) };
  });
  const chosen = trials.find((t) => t.hardRaised <= maxHardRaised) ?? trials[trials.length - 1]!;
  return { threshold: chosen.threshold, trials };
}
