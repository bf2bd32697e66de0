import { z } from 'zod';
import { CATEGORIES, SENTIMENTS, URGENCIES, type Classification } from '../domain/classification.js';

const templateSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'use 1–40 lower-case letters, digits and dashes'),
  name: z.string().min(1).max(80),
  when: z.object({
    categories: z.array(z.enum(CATEGORIES)).optional(),
    urgency: z.array(z.enum(URGENCIES)).optional(),
    sentiment: z.array(z.enum(SENTIMENTS)).optional(),
  }),
  priority: z.number(),
  text: z.string().min(1),
});

/** Shape of `data/reply-templates.json`. */
export const templatesSchema = z
  .object({
    $comment: z.string().optional(),
    placeholders: z.record(z.string().regex(/^\w+$/), z.string()),
    templates: z.array(templateSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.templates.forEach((t, i) => {
      if (seen.has(t.id)) ctx.addIssue({ code: 'custom', path: ['templates', i, 'id'], message: `duplicate template id "${t.id}"` });
      seen.add(t.id);
    });
  });

export type TemplatesFile = z.infer<typeof templatesSchema>;
export type ReplyTemplate = z.infer<typeof templateSchema>;

/** Templates that fit a classification, best first (highest priority), at most `limit`. */
export function chooseTemplates(file: TemplatesFile, classification: Classification, limit = 3): ReplyTemplate[] {
  if (classification.urgency === 'ignore') return [];
  const fits = file.templates.filter((t) => {
    const { categories, urgency, sentiment } = t.when;
    if (categories && !categories.some((c) => classification.categories.includes(c))) return false;
    if (urgency && !urgency.includes(classification.urgency)) return false;
    if (sentiment && !sentiment.includes(classification.sentiment)) return false;
    return true;
  });
  return fits.sort((a, b) => b.priority - a.priority).slice(0, limit);
}

const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * Fills `{name}` placeholders. The handle is reduced to the characters a handle may have, so a
 * hostile author name cannot inject text; unknown placeholders are left for the guard to flag.
 */
export function fillTemplate(text: string, placeholders: Readonly<Record<string, string>>, handle: string): string {
  const safeHandle = handle.replace(/[^A-Za-z0-9_]/g, '').slice(0, 50) || 'there';
  return text.replace(PLACEHOLDER, (whole, name: string) => (name === 'handle' ? safeHandle : (placeholders[name] ?? whole)));
}
