import { CATEGORIES, URGENCIES, type Category, type Urgency } from '../domain/classification.js';
import type { Correction, RecordedCorrection } from '../store/corrections.js';
import { shownCategories, type AlertCard } from './chat.js';
import type { ActionOutcome, ActionRequest, HandlerContext } from './handler-types.js';

/** A "Wrong label?" choice as cards encode it: `urgency:high`, `add:phi`, `remove:spam`. */
export function parseCorrection(value: string | undefined): Correction | undefined {
  const [what, label] = (value ?? '').split(':');
  if (what === 'urgency' && URGENCIES.includes(label as Urgency)) return { kind: 'urgency', urgency: label as Urgency };
  if ((what === 'add' || what === 'remove') && CATEGORIES.includes(label as Category)) return { kind: 'category', category: label as Category, present: what === 'add' };
  return undefined;
}

export function correctionValue(correction: Correction): string {
  return correction.kind === 'urgency' ? `urgency:${correction.urgency}` : `${correction.present ? 'add' : 'remove'}:${correction.category}`;
}

/**
 * Records what the label should have been, with who and when, and redraws the card with it. The
 * alert keeps its SLA and routing: a correction teaches (`triage eval --corrections`, the digest),
 * it does not move deadlines. A confirmed crisis does change the suggested replies.
 */
export async function correctLabel(ctx: HandlerContext, request: ActionRequest, correction: Correction): Promise<ActionOutcome> {
  const alert = await ctx.deps.store.getAlert(request.alertId);
  if (!alert) return { kind: 'refused', text: `Not done: alert #${request.alertId} does not exist.` };
  await ctx.deps.store.corrections.record(alert.id, correction, request.actor.name, ctx.deps.now(), correction.kind === 'urgency' ? alert.urgency : null);
  ctx.log.info({ alertId: alert.id, correction, actor: request.actor.name, chat: request.actor.chat }, 'label corrected');
  return { kind: 'card', alert };
}

/** "Wrong label?" choices for a card: every other urgency, and each category added or taken away. */
export function relabelChoices(card: AlertCard): Array<{ label: string; value: string }> {
  const categories = new Set(shownCategories(card));
  const latest = [...(card.corrections ?? [])].reverse().find((c) => c.correction.kind === 'urgency')?.correction;
  const urgency = latest?.kind === 'urgency' ? latest.urgency : card.alert.urgency;
  return [
    ...URGENCIES.filter((u) => u !== urgency).map((u) => ({ label: `Urgency should be ${u}`, value: correctionValue({ kind: 'urgency', urgency: u }) })),
    ...CATEGORIES.map((c) => (categories.has(c)
      ? { label: `Not ${c}`, value: correctionValue({ kind: 'category', category: c, present: false }) }
      : { label: `Is ${c}`, value: correctionValue({ kind: 'category', category: c, present: true }) })),
  ];
}

/** "urgency should be high (was normal), by @ana" (plain text: each chat escapes it and adds the time). */
export function describeCorrection(c: RecordedCorrection): string {
  const what = c.correction.kind === 'urgency'
    ? `urgency should be ${c.correction.urgency}${c.previous ? ` (was ${c.previous})` : ''}`
    : `${c.correction.present ? 'is' : 'not'} ${c.correction.category}`;
  return `${what}, by ${c.actor}`;
}
