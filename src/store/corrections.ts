import type Database from 'better-sqlite3';
import { CATEGORIES, readCrisisFlag, URGENCIES, type Category, type Classification, type CrisisFlag, type Urgency } from '../domain/classification.js';

/** One correction as a person made it. */
export type Correction =
  | { kind: 'urgency'; urgency: Urgency }
  | { kind: 'category'; category: Category; present: boolean };

export interface RecordedCorrection {
  id: number;
  alertId: number;
  at: number;
  actor: string;
  correction: Correction;
  /** For urgency: what it was before. */
  previous: string | null;
}

/** The labels an alert has once its corrections are applied (the latest per label wins). */
export interface EffectiveLabels {
  urgency: Urgency;
  categories: Category[];
  corrected: boolean;
}

interface Row {
  id: number;
  alertId: number;
  at: number;
  actor: string;
  kind: 'urgency' | 'category';
  label: string;
  present: number | null;
  previous: string | null;
}

const toRecorded = (r: Row): RecordedCorrection => ({
  id: r.id,
  alertId: r.alertId,
  at: r.at,
  actor: r.actor,
  previous: r.previous,
  correction: r.kind === 'urgency' ? { kind: 'urgency', urgency: r.label as Urgency } : { kind: 'category', category: r.label as Category, present: r.present === 1 },
});

/** Applies corrections, oldest first, to what the classifier said. */
export function applyCorrections(original: { urgency: Urgency; categories: readonly Category[] }, corrections: readonly RecordedCorrection[]): EffectiveLabels {
  let urgency = original.urgency;
  const categories = new Set(original.categories);
  for (const { correction } of corrections) {
    if (correction.kind === 'urgency') urgency = correction.urgency;
    else if (correction.present) categories.add(correction.category);
    else categories.delete(correction.category);
  }
  return { urgency, categories: CATEGORIES.filter((c) => categories.has(c)), corrected: corrections.length > 0 };
}

/**
 * What the suggested replies are chosen by: the classifier's labels with people's corrections
 * applied, and a possible crisis that a person confirmed (its latest crisis correction says "is
 * crisis") read as a crisis, which brings the crisis runbook reply. Both tiers carry the `crisis`
 * category, so the category alone cannot say a person confirmed it.
 */
export function correctedLabels<T extends Pick<Classification, 'urgency' | 'categories' | 'reasons'>>(original: T, corrections: readonly RecordedCorrection[]): T & { crisis?: CrisisFlag } {
  const labelled = { ...original, categories: applyCorrections(original, corrections).categories };
  const flag = readCrisisFlag(original);
  const latest = corrections.findLast((c) => c.correction.kind === 'category' && c.correction.category === 'crisis')?.correction;
  return flag?.tier === 'possible' && latest?.kind === 'category' && latest.present ? { ...labelled, crisis: { tier: 'crisis', kind: flag.kind } } : labelled;
}

/** Label corrections: recorded from cards, read back for the card, `triage eval --corrections` and the digest. */
export class CorrectionsStore {
  private readonly statements;

  constructor(db: Database.Database) {
    const select = `SELECT id, alert_id AS alertId, at, actor, kind, label, present, previous FROM label_corrections`;
    this.statements = {
      insert: db.prepare(`INSERT INTO label_corrections (alert_id, at, actor, kind, label, present, previous) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      forAlert: db.prepare(`${select} WHERE alert_id = ? ORDER BY id`),
      between: db.prepare(`${select} WHERE at >= ? AND at < ? ORDER BY id`),
      corrected: db.prepare(`
        SELECT a.id AS alertId, m.text, m.purge_id AS purgeId, c.urgency, c.categories
        FROM alerts a JOIN mentions m ON m.id = a.mention_id JOIN classifications c ON c.mention_id = m.id
        WHERE a.id IN (SELECT DISTINCT alert_id FROM label_corrections) ORDER BY a.id`),
    };
  }

  async record(alertId: number, correction: Correction, actor: string, at: number, previous: string | null = null): Promise<void> {
    if (correction.kind === 'urgency') {
      if (!URGENCIES.includes(correction.urgency)) throw new Error(`not an urgency: ${correction.urgency}`);
      this.statements.insert.run(alertId, at, actor, 'urgency', correction.urgency, null, previous);
    } else {
      if (!CATEGORIES.includes(correction.category)) throw new Error(`not a category: ${correction.category}`);
      this.statements.insert.run(alertId, at, actor, 'category', correction.category, correction.present ? 1 : 0, previous);
    }
  }

  async forAlert(alertId: number): Promise<RecordedCorrection[]> {
    return this.correctionsOf(alertId);
  }

  private correctionsOf(alertId: number): RecordedCorrection[] {
    return (this.statements.forAlert.all(alertId) as Row[]).map(toRecorded);
  }

  async between(from: number, to: number): Promise<RecordedCorrection[]> {
    return (this.statements.between.all(from, to) as Row[]).map(toRecorded);
  }

  /**
   * Every corrected alert as a labelled row: the post's text with the labels people settled on.
   * Posts whose text retention removed are left out.
   */
  async labelledRows(): Promise<Array<{ id: string; text: string; urgency: Urgency; categories: Category[] }>> {
    const rows = this.statements.corrected.all() as Array<{ alertId: number; text: string; purgeId: number | null; urgency: Urgency; categories: string }>;
    return rows
      .filter((r) => r.purgeId === null)
      .map((r) => {
        const labels = applyCorrections({ urgency: r.urgency, categories: JSON.parse(r.categories) as Category[] }, this.correctionsOf(r.alertId));
        return { id: `alert-${r.alertId}`, text: r.text, urgency: labels.urgency, categories: labels.categories };
      });
  }
}
