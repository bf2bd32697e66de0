import Sentiment from 'sentiment';
import { CATEGORIES, SENTIMENTS } from '../domain/classification.js';
import type { Classifier } from './classify-mention.js';
import { scoreMultiLabel, scoreSingleLabel, type LabelReport } from './evaluate.js';

/** One labelled row as found in the eval files; any of the labels may be missing. */
export interface LabelledRow {
  id?: unknown;
  text: string;
  label?: string | null;
  categories?: string[];
  urgency?: string;
  followers?: number;
}

export interface FileEvaluation {
  file: string;
  rows: number;
  ours: LabelReport[];
  /** The raw `sentiment` package on the same rows (label by score sign), when the file has `label`. */
  baseline?: LabelReport;
}

const raw = new Sentiment();

/** Label by the sign of the raw `sentiment` score: what the package gives with no help. */
export function baselineSentiment(text: string): 'negative' | 'neutral' | 'positive' {
  const score = raw.analyze(text).score;
  return score < 0 ? 'negative' : score > 0 ? 'positive' : 'neutral';
}

export function evaluateRows(file: string, rows: readonly LabelledRow[], classifier: Classifier): FileEvaluation {
  const sentimentPairs: Array<[string, string]> = [];
  const baselinePairs: Array<[string, string]> = [];
  const categoryPairs: Array<[string[], string[]]> = [];
  const urgencyPairs: Array<[string, string]> = [];
  for (const row of rows) {
    const result = classifier.classify(row.text, row.followers === undefined ? {} : { followers: row.followers });
    if (typeof row.label === 'string') {
      sentimentPairs.push([row.label, result.sentiment]);
      baselinePairs.push([row.label, baselineSentiment(row.text)]);
    }
    if (Array.isArray(row.categories)) categoryPairs.push([row.categories, result.categories]);
    if (typeof row.urgency === 'string') urgencyPairs.push([row.urgency, result.urgency]);
  }
  const ours: LabelReport[] = [];
  const evaluation: FileEvaluation = { file, rows: rows.length, ours };
  if (sentimentPairs.length > 0) {
    ours.push(scoreMultiLabel('sentiment', sentimentPairs.map(([t, p]) => [[t], [p]]), SENTIMENTS));
    evaluation.baseline = scoreMultiLabel('sentiment', baselinePairs.map(([t, p]) => [[t], [p]]), SENTIMENTS);
  }
  if (categoryPairs.length > 0) ours.push(scoreMultiLabel('categories', categoryPairs, CATEGORIES));
  if (urgencyPairs.length > 0) ours.push(scoreSingleLabel('urgency', urgencyPairs));
  return evaluation;
}

const f = (n: number) => n.toFixed(3).replace(/^0/, '');

/** A plain-text table per file: ours beside the raw baseline where there is one. */
export function renderEvaluation(evaluation: FileEvaluation): string {
  const lines = [`${evaluation.file}: ${evaluation.rows} rows`];
  for (const report of evaluation.ours) {
    const base = report.field === 'sentiment' ? evaluation.baseline : undefined;
    lines.push(
      `  ${report.field.padEnd(12)} accuracy ${f(report.accuracy)}  macro-F1 ${f(report.macroF1)}` +
        (base ? `   | raw sentiment: accuracy ${f(base.accuracy)}  macro-F1 ${f(base.macroF1)}` : ''),
    );
    lines.push(`    ${'class'.padEnd(10)} ${'n'.padStart(6)}  ${'P'.padStart(5)} ${'R'.padStart(5)} ${'F1'.padStart(5)}` + (base ? `   | ${'P'.padStart(5)} ${'R'.padStart(5)} ${'F1'.padStart(5)}` : ''));
    for (const c of report.classes) {
      const b = base?.classes.find((x) => x.label === c.label);
      lines.push(
        `    ${c.label.padEnd(10)} ${String(c.support).padStart(6)}  ${f(c.precision).padStart(5)} ${f(c.recall).padStart(5)} ${f(c.f1).padStart(5)}` +
          (b ? `   | ${f(b.precision).padStart(5)} ${f(b.recall).padStart(5)} ${f(b.f1).padStart(5)}` : ''),
      );
    }
  }
  return lines.join('\n');
}

/** One line per file: the figures the targets are stated in, ours beside the raw baseline. */
export function renderSummary(evaluations: readonly FileEvaluation[]): string {
  const head = `${'file'.padEnd(34)} ${'rows'.padStart(6)}   sentiment acc / macro-F1 / negative F1 (raw)        categories macro-F1   urgency macro-F1`;
  const lines = [head, '-'.repeat(head.length)];
  for (const e of evaluations) {
    const sentiment = e.ours.find((r) => r.field === 'sentiment');
    const neg = (r: LabelReport | undefined) => r?.classes.find((c) => c.label === 'negative')?.f1 ?? 0;
    const cell = sentiment && e.baseline
      ? `${f(sentiment.accuracy)} / ${f(sentiment.macroF1)} / ${f(neg(sentiment))}  (${f(e.baseline.accuracy)} / ${f(e.baseline.macroF1)} / ${f(neg(e.baseline))})`
      : '–';
    const categories = e.ours.find((r) => r.field === 'categories');
    const urgency = e.ours.find((r) => r.field === 'urgency');
    const name = e.file.length > 34 ? `…${e.file.slice(-33)}` : e.file;
    lines.push(`${name.padEnd(34)} ${String(e.rows).padStart(6)}   ${cell.padEnd(48)} ${(categories ? f(categories.macroF1) : '–').padStart(10)} ${(urgency ? f(urgency.macroF1) : '–').padStart(18)}`);
  }
  return lines.join('\n');
}
