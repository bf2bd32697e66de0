import Sentiment from 'sentiment';
import { describe, expect, it } from 'vitest';
import { normalizeText } from '../../src/classify/normalize.js';
import { PhraseIndex } from '../../src/classify/phrase-index.js';
import { createSentimentScorer, tokenize } from '../../src/classify/score-sentiment.js';
import { scoreMultiLabel } from '../../src/classify/evaluate.js';
import { UNKNOWN, UNKNOWN_NUMBER, Vocabulary } from '../../src/classify/vocabulary.js';

describe('tokenize', () => {
  it('splits like the sentiment package, with contractions made canonical', () => {
    expect(tokenize('Cant believe it!! #fail, @brand (again)')).toEqual(["can't", 'believe', 'it', 'fail', '@brand', 'again']);
  });

  it('reads curly apostrophes, HTML entities, hyphens and emoji glued to words', () => {
    expect(tokenize(normalizeText('Don\u2019t &amp; self-harm late\u{1F621}'))).toEqual(["don't", 'self', 'harm', 'late', '\u{1F621}']);
  });

  it('drops quotes around words and zero-width characters', () => {
    expect(tokenize(normalizeText("'great' w\u200Bait"))).toEqual(['great', 'wait']);
  });
});

describe('sentiment scorer', () => {
  const score = createSentimentScorer({ rude: -3 });

  it('scores AFINN words the way the sentiment package does when nothing is negated', () => {
    const raw = new Sentiment();
    for (const text of ['good bad terrible', 'I love this hospital', 'awful awful service', 'happy \u{1F600}']) {
      expect(score(tokenize(text)).score).toBe(raw.analyze(text).score);
    }
  });

  it('adds the domain words and negates over a few words', () => {
    expect(score(tokenize('the nurse was rude')).score).toBe(-3);
    expect(score(tokenize('not very good')).score).toBe(-3);
    expect(score(tokenize('not bad')).score).toBe(1.5);
    expect(score(tokenize('very good')).score).toBe(4.5);
  });
});

describe('PhraseIndex', () => {
  it('matches multi-word phrases with wildcards and numbers, longest per kind', () => {
    const index = new PhraseIndex();
    index.add('complaint', 'on hold', 2);
    index.add('complaint', 'on hold for', 3);
    index.add('complaint', '<n> hours', 1);
    index.add('complaint', 'wrong * dose', 4);
    index.add('question', 'on hold', 1);
    const found = index.match(tokenize('on hold for 3 hours, wrong insulin dose'));
    expect(found.map((m) => `${m.entry.kind}:${m.entry.text}@${m.start}`)).toEqual([
      'complaint:on hold for@0', 'question:on hold@0', 'complaint:<n> hours@3', 'complaint:wrong * dose@5',
    ]);
  });
});

describe('PhraseIndex and the scorer on one vocabulary', () => {
  it('finds each of many phrases that share a first word', () => {
    const index = new PhraseIndex();
    const seconds = Array.from({ length: 100 }, (_, i) => `w${i}`);
    for (const second of seconds) index.add('complaint', `my ${second} again`);
    index.add('complaint', 'my * broke');
    for (const second of seconds) {
      expect(index.match(tokenize(`so my ${second} again`)).map((m) => `${m.entry.text}@${m.start}`)).toEqual([`my ${second} again@1`]);
    }
    expect(index.match(tokenize('my w7 broke, my w8 again w9'))).toHaveLength(2);
    expect(index.match(tokenize('my w100 again'))).toEqual([]);
  });

  it('scores words added to the vocabulary after the scorer was made as unknown', () => {
    const vocabulary = new Vocabulary();
    const score = createSentimentScorer({ rude: -3 }, vocabulary);
    const index = new PhraseIndex(vocabulary);
    index.add('complaint', 'brand new phrase words');
    const { tokens, ids } = vocabulary.tokenize('not rude, brand new phrase words, very good');
    expect(score(tokens, ids).score).toBe(score(tokenize('not rude, brand new phrase words, very good')).score);
    expect(score(tokens, ids).score).toBe(1.5 + 4.5);
    expect(index.match(tokens, ids).map((m) => m.start)).toEqual([2]);
  });
});

describe('scoreMultiLabel', () => {
  it('computes per-class precision, recall and F1 and exact-match accuracy', () => {
    const report = scoreMultiLabel('categories', [
      [['complaint'], ['complaint']],
      [['complaint', 'phi'], ['complaint']],
      [['question'], ['complaint']],
    ], ['complaint', 'phi', 'question', 'spam']);
    const byLabel = Object.fromEntries(report.classes.map((c) => [c.label, c]));
    expect(report.accuracy).toBeCloseTo(1 / 3);
    expect(byLabel.complaint).toMatchObject({ support: 2, predicted: 3, precision: 2 / 3, recall: 1 });
    expect(byLabel.phi).toMatchObject({ support: 1, recall: 0, f1: 0 });
    // spam is neither labelled nor predicted: listed, but not in the macro average
    expect(report.macroF1).toBeCloseTo((0.8 + 0 + 0) / 3);
  });
});

describe('Vocabulary', () => {
  const vocabulary = new Vocabulary();
  for (const word of ['on', 'hold', "can't", 'wait', "'til", 'self', 'harm']) vocabulary.add(word);
  const texts = [
    'Cant believe it!! #fail, @brand (again)',
    normalizeText("Don\u2019t &amp; self-harm late\u{1F621} 'great' w\u200Bait"),
    "''' ''a'' ' on hold 3 hours, +1 twenty-two cannot",
    'ON HOLD\u00a0for\u3000 45\u2026min “wait”',
    '',
  ];

  it('tokenizes as tokenize does, with the ids read gives for those tokens', () => {
    for (const text of texts) {
      const { tokens, ids } = vocabulary.tokenize(text);
      expect(tokens).toEqual(tokenize(text));
      expect(ids).toEqual(vocabulary.read(tokens));
    }
  });

  it('finds a contraction under its apostrophe-less spelling, and tells numbers from unknown words', () => {
    const { tokens, ids } = vocabulary.tokenize('cant wait 3 hours several zzz');
    expect(tokens).toEqual(["can't", 'wait', '3', 'hours', 'several', 'zzz']);
    expect(ids[0]).toBe(vocabulary.add("can't"));
    expect(ids.map((id) => vocabulary.isNumber(id))).toEqual([false, false, true, false, true, false]);
    expect([ids[2], ids[3], ids[5]]).toEqual([UNKNOWN_NUMBER, UNKNOWN, UNKNOWN]);
  });

  it('keeps every word apart however many are added', () => {
    const many = new Vocabulary();
    const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
    const ids = words.map((w) => many.add(w));
    expect(new Set(ids).size).toBe(words.length);
    expect(many.read(words)).toEqual(ids);
    expect(words.map((w) => many.add(w))).toEqual(ids);
  });
});
