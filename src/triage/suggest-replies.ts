import type { Classification } from '../domain/classification.js';
import type { GuardVerdict, ReplyGuard } from './reply-guard.js';
import { chooseTemplates, fillTemplate, type TemplatesFile } from './reply-templates.js';

export interface SuggestedReply {
  template: string;
  text: string;
  guard: GuardVerdict;
}

/** The best 2–3 replies for a mention, filled in and checked by the guard, best first. */
export function suggestReplies(
  classification: Classification,
  mention: { text: string; authorHandle: string },
  templates: TemplatesFile,
  guard: ReplyGuard,
  limit = 3,
): SuggestedReply[] {
  return chooseTemplates(templates, classification, limit).map((template) => {
    const text = fillTemplate(template.text, templates.placeholders, mention.authorHandle);
    return { template: template.id, text, guard: guard.check(text, mention.text) };
  });
}
