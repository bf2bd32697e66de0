import { describe, expect, it } from 'vitest';
import { readCrisisFlag, type Classification } from '../../src/domain/classification.js';
import { correctedLabels, type RecordedCorrection } from '../../src/store/corrections.js';
import { decideTriage } from '../../src/triage/decide-triage.js';
import { createReplyGuard } from '../../src/triage/reply-guard.js';
import { suggestReplies } from '../../src/triage/suggest-replies.js';
import { classifier, lexicon, policy, templates } from '../helpers/setup.js';

const guard = createReplyGuard(lexicon);
const now = Date.UTC(2026, 10, 3, 15, 0);
const confident = 'i have my pills counted out and tonight is the night';
const possible = 'chest pain on and off since lunch';

describe('two crisis tiers', () => {
  it('sends both tiers to the urgent route on the critical clock, with the tier on the plan', () => {
    for (const [text, tier] of [[confident, 'crisis'], [possible, 'possible']] as const) {
      const classification = classifier().classify(text);
      const plan = decideTriage(classification, now, policy);
      expect(plan?.urgency).toBe('critical');
      expect(plan?.crisis?.tier).toBe(tier);
      expect(plan?.due?.firstResponseDueAt).toBe(decideTriage({ ...classification, categories: ['crisis'] }, now, policy)?.due?.firstResponseDueAt);
    }
  });

  it('routes a stored possible crisis as critical even when only its reasons carry the tier', () => {
    const stored: Classification = {
      sentiment: 'negative', score: -1, categories: [], urgency: 'critical',
      reasons: ['possible crisis (medical emergency): chest pain alone ("chest pain")', 'urgency critical: possible crisis, check now'],
    };
    expect(readCrisisFlag(stored)).toEqual({ tier: 'possible', kind: 'emergency' });
    expect(decideTriage(stored, now, policy)).toMatchObject({ urgency: 'critical', crisis: { tier: 'possible', kind: 'emergency' } });
  });

  it('offers the 911/988 crisis reply only for a confident crisis', () => {
    const replies = suggestReplies(classifier().classify(confident), { text: confident, authorHandle: 'sam' }, templates, guard);
    expect(replies[0]?.template).toBe('crisis-support');
    expect(replies[0]?.text).toMatch(/988/);
  });

  it('offers a possible crisis the check reply first, and nothing that mentions 988 or 911', () => {
    const replies = suggestReplies(classifier().classify(possible), { text: possible, authorHandle: 'sam' }, templates, guard);
    expect(replies[0]?.template).toBe('crisis-check');
    expect(replies[0]?.text).toMatch(/looking at it right now/);
    for (const reply of replies) {
      expect(reply.text).not.toMatch(/988|911/);
      expect(reply.guard.ok, reply.guard.problems.join('; ')).toBe(true);
    }
  });

  it('never offers the check reply outside a possible crisis', () => {
    for (const text of [confident, 'my lawyer will be in touch about my surgery', 'the portal is down again', 'thank you nurses!']) {
      const replies = suggestReplies(classifier().classify(text), { text, authorHandle: 'sam' }, templates, guard);
      expect(replies.map((r) => r.template)).not.toContain('crisis-check');
    }
  });

  it('gives both tiers the crisis category, and reads the tier back from the stored reasons', () => {
    for (const [text, tier] of [[confident, 'crisis'], [possible, 'possible']] as const) {
      const { categories, urgency, reasons } = classifier().classify(text);
      expect(categories).toContain('crisis');
      expect(readCrisisFlag({ categories, urgency, reasons })?.tier).toBe(tier);
    }
  });

  const crisisCorrection = (present: boolean, id = 1): RecordedCorrection => ({ id, alertId: 1, at: now, actor: 'ana', previous: null, correction: { kind: 'category', category: 'crisis', present } });
  const replyTo = (labels: Classification, text: string) => suggestReplies(labels, { text, authorHandle: 'sam' }, templates, guard).map((r) => r.template);

  it('offers the crisis reply once a person confirms a possible crisis, stored before or after it carried the category', () => {
    const fresh = classifier().classify(possible);
    const { crisis: _flag, ...stored } = fresh;
    const legacy = { ...stored, categories: stored.categories.filter((c) => c !== 'crisis') };
    for (const labels of [stored, legacy]) {
      expect(replyTo(labels, possible)[0]).toBe('crisis-check');
      const confirmed = correctedLabels(labels, [crisisCorrection(true)]);
      expect(confirmed.crisis).toEqual({ tier: 'crisis', kind: 'emergency' });
      expect(replyTo(confirmed, possible)[0]).toBe('crisis-support');
      // The latest word counts: confirmed, then cleared.
      expect(correctedLabels(labels, [crisisCorrection(true), crisisCorrection(false, 2)]).crisis).toBeUndefined();
    }
  });

  it('clearing a confident crisis leaves no crisis; clearing a possible one keeps the check reply for the critical post', () => {
    const { crisis: _c, ...sure } = classifier().classify(confident);
    const clearedSure = correctedLabels(sure, [crisisCorrection(false)]);
    expect(clearedSure.categories).not.toContain('crisis');
    expect(readCrisisFlag(clearedSure)).toBeUndefined();
    expect(replyTo(clearedSure, confident)).not.toContain('crisis-support');
    const { crisis: _p, ...unsure } = classifier().classify(possible);
    const clearedUnsure = correctedLabels(unsure, [crisisCorrection(false)]);
    expect(readCrisisFlag(clearedUnsure)?.tier).toBe('possible');
    expect(replyTo(clearedUnsure, possible)).not.toContain('crisis-support');
  });
});
