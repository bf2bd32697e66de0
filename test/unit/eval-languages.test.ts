import { describe, expect, it } from 'vitest';
import { evaluateRows, renderEvaluation } from '../../src/classify/eval-report.js';
import { classifier } from '../helpers/setup.js';

describe('triage eval per language', () => {
  it('reports each detected language: accuracy, critical posts raised and everyday posts raised', () => {
    const rows = [
      { text: 'mi bebé de 2 meses tiene 39 de fiebre y no quiere comer', label: 'negative', urgency: 'critical' },
      { text: '¿a qué hora abre la farmacia?', label: 'neutral', urgency: 'normal' },
      { text: 'esta espera me está matando, tres horas en urgencias', label: 'negative', urgency: 'normal' },
      { text: 'the portal is down again and nobody answers the phone', label: 'negative', urgency: 'normal' },
    ];
    const evaluation = evaluateRows('mixed-file', rows, classifier());
    expect(evaluation.languages).toEqual([
      { language: 'es', rows: 3, sentimentAccuracy: 1, urgencyAccuracy: 1, critical: { rows: 1, raised: 1 }, everyday: { rows: 2, raised: 0 } },
      { language: 'en', rows: 1, sentimentAccuracy: 1, urgencyAccuracy: 1, critical: { rows: 0, raised: 0 }, everyday: { rows: 1, raised: 0 } },
    ]);
    expect(renderEvaluation(evaluation)).toMatch(/es +3 rows .*critical raised 1\/1 +others raised 0\/2/);
  });

  it('adds nothing for a file in one language', () => {
    expect(evaluateRows('en', [{ text: 'great nurses, thank you', label: 'positive' }], classifier()).languages).toBeUndefined();
  });
});
