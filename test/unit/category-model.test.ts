import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { categoryModelSchema, createCategoryReader, tokenFeatures, type CategoryModel, type LabelledRow } from '../../src/classify/category-model.js';
import { chooseThresholds, trainCategoryModel, type ScoredRow } from '../../src/classify/train-category-model.js';
import { tokenize } from '../../src/classify/score-sentiment.js';
import { Vocabulary } from '../../src/classify/vocabulary.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { readCrisisFlag } from '../../src/domain/classification.js';
import { classifier } from '../helpers/setup.js';

const shipped = (): CategoryModel => JSON.parse(readFileSync(join(PROJECT_ROOT, 'data', 'category-model.json'), 'utf8')) as CategoryModel;
const low = { phi: 0.5, praise: 0.5, complaint: 0.5, critical: 0.5 };

/** A few posts per label, written three ways each, so every word is seen often enough to weigh. */
function tinySet(): LabelledRow[] {
  const rows = (texts: string[], label: Partial<LabelledRow>) => texts.flatMap((text) => [text, `${text}!`, `so ${text}`].map((t) => ({ text: t, set: 'a', ...label })));
  return [
    ...rows(['my biopsy came back today', 'my biopsy is friday', 'waiting on my biopsy'], { categories: ['phi'] }),
    ...rows(['the night nurses were wonderful', 'wonderful night nurses', 'nurses were wonderful to us'], { categories: ['praise'] }),
    ...rows(['parking garage is full again', 'the garage gate is broken', 'garage parking costs too much'], { categories: ['complaint'] }),
    ...rows(['the rope is ready tonight', 'rope in the trunk tonight', 'tonight the rope'], { categories: ['crisis'], urgency: 'critical' }),
    ...rows(['what are visiting hours', 'is the cafe open', 'where do i park'], { categories: ['question'] }),
  ];
}

describe('the category model', () => {
  it('reads content words and neighbour pairs, never a pair of function words or a handle', () => {
    expect(tokenFeatures(tokenize('@NorthgateHealth my biopsy is in the lab'))).toEqual(['my', 'my biopsy', 'biopsy', 'biopsy is', 'the lab', 'lab']);
    expect(tokenFeatures(tokenize('is in the'))).toEqual([]);
  });

  it('adds the label its words resemble, with the probability and the words that weighed most', () => {
    const vocabulary = new Vocabulary();
    const reader = createCategoryReader(trainCategoryModel(tinySet(), low), vocabulary);
    const read = (text: string) => reader(vocabulary.tokenize(text).ids);
    const phi = read('my biopsy results');
    expect(phi.passes('phi')).toBe(true);
    expect(phi.passes('praise')).toBe(false);
    expect(phi.probability('phi')).toBeGreaterThan(0.5);
    expect(phi.words('phi')).toContain('biopsy');
    expect(phi.words('phi')).toEqual([...new Set(phi.words('phi'))]);
    const critical = read('rope ready tonight');
    expect(critical.passes('critical')).toBe(true);
    expect(read('the weather is nice').passes('critical')).toBe(false);
  });

  it('is the same model every time it is trained on the same posts', () => {
    const a = trainCategoryModel(tinySet(), low);
    const b = trainCategoryModel(tinySet(), low);
    expect(a).toEqual(b);
  });

  it('chooses per label a threshold by leaving one writer out: categories by F1, critical by the hard negatives it raises', () => {
    const rows: ScoredRow[] = ['a', 'b', 'c'].flatMap((set) =>
      tinySet().map((row) => ({ ...row, set, rules: { categories: [], urgency: 'normal' as const, sentiment: 'neutral' as const, reasons: [] } })),
    );
    const { thresholds, complaintFloor, trials } = chooseThresholds(rows);
    expect(Object.keys(thresholds).sort()).toEqual(['complaint', 'critical', 'phi', 'praise']);
    expect(trials.filter((t) => t.label === 'phi').every((t) => t.recall > 0.9)).toBe(true);
    // The rules gave no complaint to take back: no floor.
    expect(complaintFloor).toBe(0);
  });

  it('takes back complaints the rules gave on negative words alone where the writers saw none, never one with a named failure', () => {
    const negative = { categories: ['complaint' as const], urgency: 'normal' as const, sentiment: 'negative' as const };
    const rows: ScoredRow[] = ['a', 'b', 'c'].flatMap((set) => [
      ...tinySet().map((row) => ({ ...row, set, rules: { ...negative, categories: row.categories?.includes('complaint') ? negative.categories : [], reasons: [] } })),
      // Sad about one's own results: the rules call it a complaint, the writers do not.
      ...['my biopsy results are bad ugh', 'biopsy came back awful', 'so sad about my biopsy'].map((text) => ({ text, set, categories: ['phi'], rules: { ...negative, reasons: [] } })),
    ]);
    expect(chooseThresholds(rows).complaintFloor).toBeGreaterThan(0);
    const named = rows.map((row) => ({ ...row, rules: { ...row.rules, reasons: ['service-failure cues: "2 hours"'] } }));
    expect(chooseThresholds(named).complaintFloor).toBe(0);
  });
});

describe('the model file', () => {
  it('is checked: a weight that is not a number, or a row of the wrong length, is refused', () => {
    const model = shipped();
    expect(categoryModelSchema.safeParse(model).success).toBe(true);
    expect(categoryModelSchema.safeParse({ ...model, weights: [...model.weights.slice(1), 'heavy'] }).success).toBe(false);
    expect(categoryModelSchema.safeParse({ ...model, weights: model.weights.slice(1) }).success).toBe(false);
    expect(categoryModelSchema.safeParse({ ...model, features: [...model.features.slice(1), 7] }).success).toBe(false);
  });

  it('is what npm run train:crisis makes from the development sets (retrain after editing one)', () => {
    const model = shipped();
    const fixtures = join(PROJECT_ROOT, 'test', 'fixtures');
    const dev = ['labelled-mentions.jsonl', ...readdirSync(fixtures).filter((f) => /^crisis-dev\d*\.jsonl$/.test(f)).sort()];
    const rows: LabelledRow[] = dev.flatMap((file) =>
      readFileSync(join(fixtures, file), 'utf8').trim().split('\n').map((line) => ({ ...(JSON.parse(line) as LabelledRow), set: file })),
    );
    const retrained = trainCategoryModel(rows, model.thresholds, model.complaintFloor);
    expect(retrained.features.length).toBe(model.features.length);
    expect(retrained).toEqual(model);
  });
});

describe('the model inside the classifier', () => {
  it('finds a health detail told without the lexicon’s owner cues, and says why', () => {
    const result = classifier().classify('first ultrasound at the clinic today, little bean has a heartbeat');
    expect(result.categories).toContain('phi');
    expect(result.reasons).toContainEqual(expect.stringMatching(/^discloses health information: resembles posts that do \(0\.\d\d: "[^"]+"(, "[^"]+")*\)$/));
  });

  it('takes back a complaint on negative words about one’s own health, never a named failure or a post with no health word', () => {
    const own = classifier().classify('just got my a1c back, 9.2, ugh. need to get serious about this');
    expect(own.categories).not.toContain('complaint');
    expect(own.sentiment).toBe('negative');
    expect(own.reasons).toContainEqual(expect.stringMatching(/^not a complaint: unlike complaints \(0\.\d\d\)$/));
    for (const text of ['on hold for 2 hours again about my a1c results, ugh', 'both lounges are disgusting']) {
      expect(classifier().classify(text).categories, text).toContain('complaint');
    }
  });

  it('adds no health detail to a post without a health word, however first-person it is', () => {
    const result = classifier().classify('I waited 3 hrs for my bags and my flight was only 2 hrs, my whole trip ruined');
    expect(result.categories).not.toContain('phi');
  });

  it('raises at most a possible crisis or incident, never a confident one', () => {
    const result = classifier().classify("toddler threw up 3 times after falling off the bunk bed and he's really sleepy");
    expect(result.urgency).toBe('critical');
    expect(readCrisisFlag(result)?.tier).not.toBe('crisis');
    expect(result.reasons.join(' | ')).toMatch(/possible (crisis \([^)]+\)|critical incident): resembles (crisis|critical) posts \(0\.\d\d: /);
  });
});
