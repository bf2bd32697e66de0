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
  /** Crisis rows: `crisis` (confident) or `possible`. */
  tier?: string;
  /** A crisis family or incident kind, or the kind of hard negative ("idiom", "past", ...). */
  kind?: string;
  /** A hard negative: looks like a crisis or incident and is not one. */
  hard?: boolean;
}

/** How crisis rows and hard negatives fared, for files whose rows carry `tier` or `hard`. */
export interface CrisisReport {
  /** Rows labelled with a tier, by tier: how many, how many raised critical, how many in the same tier. */
  tiers: Array<{ tier: string; rows: number; raised: number; sameTier: number }>;
  /** Crisis rows by kind: how many, how many raised critical. */
  kinds: Array<{ kind: string; rows: number; raised: number }>;
  /** Hard negatives: how many, how many raised (critical, or a crisis category), by kind. */
  hard: { rows: number; raised: number; byKind: Array<{ kind: string; rows: number; raised: number }> };
}

/** How one language's rows fared (by the detected language), for files with more than one. */
export interface LanguageReport {
  language: string;
  rows: number;
  /** Sentiment and urgency exact-match accuracy over the rows that carry those labels. */
  sentimentAccuracy?: number;
  urgencyAccuracy?: number;
  /** Rows labelled critical, and how many of them were raised (urgency critical). */
  critical: { rows: number; raised: number };
  /** Rows labelled anything else, and how many were raised all the same. */
  everyday: { rows: number; raised: number };
}

export interface FileEvaluation {
  file: string;
  rows: number;
  /** Per detected language, when the file has more than one. */
  languages?: LanguageReport[];
  ours: LabelReport[];
  /** The raw `sentiment` package on the same rows (label by score sign), when the file has `label`. */
  baseline?: LabelReport;
  crisis?: CrisisReport;
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
  const tiers = new Map<string, { rows: number; raised: number; sameTier: number }>();
  const kinds = new Map<string, { rows: number; raised: number }>();
  const hard = new Map<string, { rows: number; raised: number }>();
  const bump = <T extends { rows: number; raised: number }>(map: Map<string, T>, key: string, fresh: T, raised: boolean) => {
    const entry = map.get(key) ?? map.set(key, fresh).get(key)!;
    entry.rows++;
    if (raised) entry.raised++;
    return entry;
  };
  const languages = new Map<string, { rows: number; sentiment: [number, number]; urgency: [number, number]; critical: { rows: number; raised: number }; everyday: { rows: number; raised: number } }>();
  for (const row of rows) {
    const result = classifier.classify(row.text, row.followers === undefined ? {} : { followers: row.followers });
    const raised = result.urgency === 'critical' || result.categories.includes('crisis');
    const language = result.language ?? 'en';
    const byLanguage = languages.get(language) ?? languages.set(language, { rows: 0, sentiment: [0, 0], urgency: [0, 0], critical: { rows: 0, raised: 0 }, everyday: { rows: 0, raised: 0 } }).get(language)!;
    byLanguage.rows++;
    if (typeof row.label === 'string') byLanguage.sentiment = [byLanguage.sentiment[0] + (row.label === result.sentiment ? 1 : 0), byLanguage.sentiment[1] + 1];
    if (typeof row.urgency === 'string') {
      byLanguage.urgency = [byLanguage.urgency[0] + (row.urgency === result.urgency ? 1 : 0), byLanguage.urgency[1] + 1];
      const bucket = row.urgency === 'critical' ? byLanguage.critical : byLanguage.everyday;
      bucket.rows++;
      if (raised) bucket.raised++;
    }
    if (typeof row.tier === 'string') {
      const entry = bump(tiers, row.tier, { rows: 0, raised: 0, sameTier: 0 }, raised);
      if (result.crisis?.tier === row.tier) entry.sameTier++;
      bump(kinds, row.kind ?? 'unknown', { rows: 0, raised: 0 }, raised);
    }
    if (row.hard === true) bump(hard, row.kind ?? 'other', { rows: 0, raised: 0 }, raised);
    if (typeof row.label === 'string') {
      sentimentPairs.push([row.label, result.sentiment]);
      baselinePairs.push([row.label, baselineSentiment(row.text)]);
    }
    if (Array.isArray(row.categories)) categoryPairs.push([row.categories, result.categories]);
    if (typeof row.urgency === 'string') urgencyPairs.push([row.urgency, result.urgency]);
  }
  const ours: LabelReport[] = [];
  const evaluation: FileEvaluation = { file, rows: rows.length, ours };
  if (languages.size > 1) {
    evaluation.languages = [...languages.entries()]
      .sort(([a, x], [b, y]) => y.rows - x.rows || a.localeCompare(b))
      .map(([language, l]) => ({
        language,
        rows: l.rows,
        ...(l.sentiment[1] > 0 && { sentimentAccuracy: l.sentiment[0] / l.sentiment[1] }),
        ...(l.urgency[1] > 0 && { urgencyAccuracy: l.urgency[0] / l.urgency[1] }),
        critical: l.critical,
        everyday: l.everyday,
      }));
  }
  if (sentimentPairs.length > 0) {
    ours.push(scoreMultiLabel('sentiment', sentimentPairs.map(([t, p]) => [[t], [p]]), SENTIMENTS));
    evaluation.baseline = scoreMultiLabel('sentiment', baselinePairs.map(([t, p]) => [[t], [p]]), SENTIMENTS);
  }
  if (categoryPairs.length > 0) ours.push(scoreMultiLabel('categories', categoryPairs, CATEGORIES));
  if (urgencyPairs.length > 0) ours.push(scoreSingleLabel('urgency', urgencyPairs));
  if (tiers.size > 0 || hard.size > 0) {
    const byKind = [...hard.entries()].map(([kind, c]) => ({ kind, ...c })).sort((a, b) => a.kind.localeCompare(b.kind));
    evaluation.crisis = {
      tiers: [...tiers.entries()].map(([tier, c]) => ({ tier, ...c })).sort((a, b) => a.tier.localeCompare(b.tier)),
      kinds: [...kinds.entries()].map(([kind, c]) => ({ kind, ...c })).sort((a, b) => a.kind.localeCompare(b.kind)),
      hard: { rows: byKind.reduce((n, k) => n + k.rows, 0), raised: byKind.reduce((n, k) => n + k.raised, 0), byKind },
    };
  }
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
  if (evaluation.crisis) lines.push(...renderCrisis(evaluation.crisis));
  if (evaluation.languages) lines.push(...renderLanguages(evaluation.languages));
  return lines.join('\n');
}

function renderLanguages(reports: readonly LanguageReport[]): string[] {
  const lines = ['  by language  (detected; raised = urgency critical)'];
  for (const l of reports) {
    const parts = [`${l.language.padEnd(6)} ${String(l.rows).padStart(6)} rows`];
    if (l.sentimentAccuracy !== undefined) parts.push(`sentiment accuracy ${f(l.sentimentAccuracy)}`);
    if (l.urgencyAccuracy !== undefined) parts.push(`urgency accuracy ${f(l.urgencyAccuracy)}`);
    if (l.critical.rows > 0) parts.push(`critical raised ${l.critical.raised}/${l.critical.rows}`);
    if (l.everyday.rows > 0) parts.push(`others raised ${l.everyday.raised}/${l.everyday.rows}`);
    lines.push(`    ${parts.join('   ')}`);
  }
  return lines;
}

function renderCrisis(report: CrisisReport): string[] {
  const lines = ['  crisis       raised = urgency critical (crisis or possible crisis)'];
  for (const t of report.tiers) {
    lines.push(`    tier ${t.tier.padEnd(9)} ${String(t.rows).padStart(4)} rows   raised ${t.raised}/${t.rows} (${f(t.raised / t.rows)})   same tier ${t.sameTier}/${t.rows}`);
  }
  lines.push(`    by kind    ${report.kinds.map((k) => `${k.kind} ${k.raised}/${k.rows}`).join(' · ')}`);
  const { rows, raised, byKind } = report.hard;
  if (rows > 0) {
    lines.push(`    hard negatives ${rows} rows   raised ${raised} (${f(raised / rows)})   ${byKind.map((k) => `${k.kind} ${k.raised}/${k.rows}`).join(' · ')}`);
  }
  return lines;
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
