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
  /** The language the text is written in; absent is English. */
  language: z.enum(['en', 'es']).optional(),
  /** For a translation: the id of the template it translates (it is offered in that one's place). */
  translates: z.string().optional(),
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
    file.templates.forEach((t, i) => {
      if (t.translates !== undefined && !file.templates.some((o) => o.id === t.translates && o.translates === undefined))
        ctx.addIssue({ code: 'custom', path: ['templates', i, 'translates'], message: `"${t.translates}" is not the id of an untranslated template` });
    });
  });

export type TemplatesFile = z.infer<typeof templatesSchema>;
export type ReplyTemplate = z.infer<typeof templateSchema>;

/** The language replies are written in for a mention: Spanish for Spanish and Spanglish posts. */
export function replyLanguage(classification: Pick<Classification, 'language'>): 'en' | 'es' {
  return classification.language === 'es' || classification.language === 'mixed' ? 'es' : 'en';
}

/** The id a template stands for: its own, or the one it translates. */
export function templateRole(template: ReplyTemplate): string {
  return template.translates ?? template.id;
}

/**
 * The template with this role in the mention's language, else the English one: a Spanish mention
 * gets `crisis-support-es` where there is one, `crisis-support` where there is not.
 */
export function findTemplate(file: TemplatesFile, role: string, classification: Pick<Classification, 'language'>): ReplyTemplate | undefined {
  const language = replyLanguage(classification);
  const forRole = file.templates.filter((t) => templateRole(t) === role);
  return forRole.find((t) => (t.language ?? 'en') === language) ?? forRole.find((t) => (t.language ?? 'en') === 'en');
}

/**
 * Templates that fit a classification, best first (highest priority), at most `limit`, in the
 * mention's language: each role's translation replaces the English template when there is one.
 */
export function chooseTemplates(file: TemplatesFile, classification: Classification, limit = 3): ReplyTemplate[] {
  if (classification.urgency === 'ignore') return [];
  const language = replyLanguage(classification);
  const translated = new Set(file.templates.filter((t) => t.translates !== undefined && t.language === language).map(templateRole));
  const fits = file.templates.filter((t) => {
    if ((t.language ?? 'en') !== language && !(t.translates === undefined && !translated.has(t.id))) return false;
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
