import { readCrisisFlag, type Classification } from '../domain/classification.js';
import type { GuardVerdict, ReplyGuard } from './reply-guard.js';
import { adaptReply, platformPlaceholders, type ReplyTarget } from './platform-replies.js';
import { chooseTemplates, fillTemplate, findTemplate, templateRole, type ReplyTemplate, type TemplatesFile } from './reply-templates.js';

export interface SuggestedReply {
  template: string;
  text: string;
  guard: GuardVerdict;
}

/**
 * The template offered first for a possible crisis: it says a person is looking now and asks the
 * author to get in touch, with no 988 or 911 wording until a person has confirmed the crisis. Its
 * `when` matches nothing, so it is never offered any other way.
 */
export const POSSIBLE_CRISIS_TEMPLATE = 'crisis-check';
/** The crisis runbook reply (911 / 988): only for a confident crisis. */
export const CRISIS_TEMPLATE = 'crisis-support';

/** The best 2–3 replies for a mention, filled in and checked by the guard, best first. */
export function suggestReplies(
  classification: Classification,
  /** `target`: the platform's reply rules (X's without one). */
  mention: { text: string; authorHandle: string; target?: ReplyTarget },
  templates: TemplatesFile,
  guard: ReplyGuard,
  limit = 3,
): SuggestedReply[] {
  return pickTemplates(classification, templates, limit).map((template) => {
    const filled = fillTemplate(template.text, mention.target ? platformPlaceholders(templates.placeholders, mention.target) : templates.placeholders, mention.authorHandle);
    const text = mention.target ? adaptReply(filled, mention.target) : filled;
    return { template: template.id, text, guard: guard.check(text, mention.text, mention.target) };
  });
}

function pickTemplates(classification: Classification, templates: TemplatesFile, limit: number): ReplyTemplate[] {
  const crisis = classification.crisis ?? readCrisisFlag(classification);
  if (crisis?.tier !== 'possible') return chooseTemplates(templates, classification, limit);
  const check = findTemplate(templates, POSSIBLE_CRISIS_TEMPLATE, classification);
  const rest = chooseTemplates(templates, classification, limit + 1).filter((t) => templateRole(t) !== CRISIS_TEMPLATE && templateRole(t) !== POSSIBLE_CRISIS_TEMPLATE);
  return (check ? [check, ...rest] : rest).slice(0, limit);
}
