/** Precision, recall and F1 for one class. */
export interface ClassScore {
  label: string;
  support: number;
  predicted: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface LabelReport {
  /** What was scored: `sentiment`, `categories`, `urgency`. */
  field: string;
  rows: number;
  /** Exact-match accuracy (for multi-label fields: the whole set must match). */
  accuracy: number;
  macroF1: number;
  classes: ClassScore[];
}

/**
 * Scores single-label predictions. Classes are the union of the labels seen in truth and prediction,
 * so a class we never predict still shows with recall 0.
 */
export function scoreSingleLabel(field: string, pairs: ReadonlyArray<readonly [truth: string, predicted: string]>): LabelReport {
  return scoreMultiLabel(field, pairs.map(([t, p]) => [[t], [p]] as const));
}

/** Scores multi-label predictions per class (one-vs-rest); accuracy is exact set match. */
export function scoreMultiLabel(
  field: string,
  pairs: ReadonlyArray<readonly [truth: readonly string[], predicted: readonly string[]]>,
  labels?: readonly string[],
): LabelReport {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const bucket = (label: string) => {
    let c = counts.get(label);
    if (!c) counts.set(label, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  for (const label of labels ?? []) bucket(label);
  let exact = 0;
  for (const [truth, predicted] of pairs) {
    const t = new Set(truth);
    const p = new Set(predicted);
    if (t.size === p.size && [...t].every((x) => p.has(x))) exact++;
    for (const label of t) (p.has(label) ? bucket(label).tp++ : bucket(label).fn++);
    for (const label of p) if (!t.has(label)) bucket(label).fp++;
  }
  const classes = [...counts.entries()]
    .map(([label, { tp, fp, fn }]) => {
      const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
      const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { label, support: tp + fn, predicted: tp + fp, precision, recall, f1 };
    })
    .sort((a, b) => a.label.localeCompare(b.label));
  const scored = classes.filter((c) => c.support > 0);
  const macroF1 = scored.length === 0 ? 0 : scored.reduce((sum, c) => sum + c.f1, 0) / scored.length;
  return { field, rows: pairs.length, accuracy: pairs.length === 0 ? 0 : exact / pairs.length, macroF1, classes };
}
