import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCrisisBackstop, crisisModelSchema, modelFeatures, trainCrisisModel, type TrainingRow } from '../../src/classify/crisis-model.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { readCrisisFlag } from '../../src/domain/classification.js';
import { classifier } from '../helpers/setup.js';

const rows = (texts: string[], urgency: string, set: string, kind?: string): TrainingRow[] => texts.map((text) => ({ text, urgency, set, ...(kind && { kind }) }));

describe('the crisis model', () => {
  it('reads words and pairs, but not pairs of function words alone', () => {
    const features = modelFeatures('The rope is in the TRUNK’s back');
    expect(features).toEqual(new Set(['rope', 'the rope', 'rope is', 'trunk\'s', 'the trunk\'s', 'trunk\'s back', 'back']));
    expect(features.has('is in')).toBe(false);
    expect(features.has('the')).toBe(false);
  });

  it('raises what resembles the critical posts it learnt from, names the words, and picks the kind', () => {
    const critical = rows(['the rope is in the garage tonight', 'rope ready in the garage', 'garage rope tonight goodbye', 'rope and a chair tonight', 'bought rope today, goodbye', 'the rope is ready'], 'critical', 'a', 'self-harm');
    const incident = rows(['they emailed my chart to my boss', 'my chart went to my boss', 'emailed my chart again', 'my chart to my boss', 'boss read my chart', 'my chart, emailed'], 'critical', 'a', 'privacy');
    const everyday = rows(
      ['parking garage is full again', 'the garage gate is broken', 'love the new garage', 'chart me a course', 'my boss is nice', 'emailed the billing office', 'garage parking costs', 'great staff', 'thanks for the help', 'long wait today'].flatMap((t) => [t, `${t}!`, `so ${t}`]),
      'normal',
      'a',
    );
    const model = trainCrisisModel([...critical, ...incident, ...everyday], 1);
    const backstop = createCrisisBackstop(model);
    expect(backstop('rope in the garage tonight')).toMatchObject({ kind: 'self-harm', words: expect.arrayContaining(['rope']) });
    expect(backstop('they emailed my chart to my boss again')).toMatchObject({ kind: 'incident' });
    expect(backstop('the garage is full')).toBeUndefined();
  });
});

describe('the model file', () => {
  it('is checked: a weight that is not a number is refused', () => {
    const shipped = JSON.parse(readFileSync(join(PROJECT_ROOT, 'data', 'crisis-model.json'), 'utf8')) as { weights: Record<string, unknown> };
    expect(crisisModelSchema.safeParse(shipped).success).toBe(true);
    expect(crisisModelSchema.safeParse({ ...shipped, weights: { ...shipped.weights, rope: 'heavy' } }).success).toBe(false);
  });
});

describe('the model inside the classifier', () => {
  it('looks only where a cue is left unfinished: an everyday post with none is never read by it', () => {
    const result = classifier().classify('rope tonight goodbye garage');
    // Without a crisis or incident cue the model does not run, whatever the words.
    expect(result.reasons.join(' | ')).not.toMatch(/resembles/);
  });

  it('raises a possible crisis, never a confident one, with a reason naming the words', () => {
    const result = classifier().classify('the pills are all lined up on my nightstand and i keep counting them');
    expect(result.crisis).toEqual({ tier: 'possible', kind: 'self-harm' });
    expect(readCrisisFlag(result)).toEqual({ tier: 'possible', kind: 'self-harm' });
    expect(result.urgency).toBe('critical');
    expect(result.reasons).toContainEqual(expect.stringMatching(/^possible crisis \(self-harm\): resembles crisis posts \("[^"]+"(, "[^"]+")*\)$/));
  });

  it('is what npm run train:crisis makes from the development sets (retrain after editing one)', async () => {
    const shipped = JSON.parse(readFileSync(join(PROJECT_ROOT, 'data', 'crisis-model.json'), 'utf8')) as { threshold: number; weights: Record<string, number> };
    const fixtures = join(PROJECT_ROOT, 'test', 'fixtures');
    const dev = ['labelled-mentions.jsonl', ...readdirSync(fixtures).filter((f) => /^crisis-dev\d*\.jsonl$/.test(f))];
    const all: TrainingRow[] = dev.flatMap((file) =>
      readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', file), 'utf8').trim().split('\n').map((line) => ({ ...(JSON.parse(line) as TrainingRow), set: file })),
    );
    const retrained = trainCrisisModel(all, shipped.threshold);
    expect(Object.keys(retrained.weights).length).toBe(Object.keys(shipped.weights).length);
    expect(retrained.weights).toEqual(shipped.weights);
  });
});
