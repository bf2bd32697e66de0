import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PHRASE_KINDS } from '../../src/classify/cue-kinds.js';
import { PhraseIndex } from '../../src/classify/phrase-index.js';
import { normalizeText } from '../../src/classify/normalize.js';
import { readVitalSigns } from '../../src/classify/read-vital-signs.js';
import { sentenceNumbers, tokenize } from '../../src/classify/score-sentiment.js';

const tokens = (text: string) => tokenize(normalizeText(text));

describe('sentence numbers', () => {
  it('number each token as tokenize splits it, a new sentence after . ! ? ; or a line break', () => {
    const text = 'i took 12 pills. tonight!! is it bad? temp 101.2; ok\nbye';
    expect(tokenize(text)).toEqual(['i', 'took', '12', 'pills', 'tonight', 'is', 'it', 'bad', 'temp', '101', '2', 'ok', 'bye']);
    const numbers = sentenceNumbers(text);
    expect(numbers.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(numbers[4]).toBeGreaterThan(0);
    // A decimal point does not end a sentence.
    expect(numbers[9]).toBe(numbers[10]);
    expect(new Set(numbers).size).toBe(6);
  });

  it('always give one number per token, never decreasing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const numbers = sentenceNumbers(text.toLowerCase());
        expect(numbers).toHaveLength(tokenize(text).length);
        for (let i = 1; i < numbers.length; i++) expect(numbers[i]!).toBeGreaterThanOrEqual(numbers[i - 1]!);
      }),
      { numRuns: 300 },
    );
  });
});

describe('readings', () => {
  it.each([
    ['bp 224/131', 'blood pressure', '224/131', 'critical'],
    ['blood pressure is 185 over 112', 'blood pressure', '185/112', 'dangerous'],
    ['sugar is 38', 'blood sugar', '38', 'critical'],
    ['my o2 is 84%', 'oxygen', '84', 'critical'],
    ['heart rate 150 and climbing', 'heart rate', '150', 'dangerous'],
  ])('%j reads as %s %s (%s)', (text, measure, value, level) => {
    expect(readVitalSigns(tokens(text), false)).toEqual([expect.objectContaining({ measure, value, level })]);
  });

  it('an infant fever of 100.4 °F is critical; the same in an adult is a fever only, and 99 is nothing', () => {
    expect(readVitalSigns(tokens('fever of 100.6'), true)[0]?.level).toBe('critical');
    expect(readVitalSigns(tokens('fever of 100.6'), false).map((v) => v.level)).toEqual(['fever']);
    expect(readVitalSigns(tokens('fever of 99.1'), false)).toEqual([]);
  });

  it('does not read waits, prices or normal values', () => {
    for (const text of ['sat 45 minutes in the lobby', 'bp 120/80 today', 'waited 1 hr 45 min', 'sugar free 45 calorie snacks', 'pulse 72']) {
      expect(readVitalSigns(tokens(text), false), text).toEqual([]);
    }
  });
});

describe('PhraseIndex with every kind', () => {
  it('keeps the longest match per kind at a position, for kinds past the 32nd', () => {
    const index = new PhraseIndex();
    const late = PHRASE_KINDS[PHRASE_KINDS.length - 1]!;
    const early = PHRASE_KINDS[0]!;
    index.add(late, 'pills saved');
    index.add(late, 'pills saved up');
    index.add(early, 'pills');
    const found = index.match(tokens('pills saved up'));
    expect(found.map((m) => `${m.entry.kind}:${m.entry.text}`)).toEqual([`${late}:pills saved up`, `${early}:pills`]);
  });
});
