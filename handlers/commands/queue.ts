import type { CommandHandler } from '../../src/chat/handler-types.js';
import { languageTag, URGENCIES, type Language } from '../../src/domain/classification.js';

/** What people type for a language: the card's tag, the code, or the name in either language. */
const LANGUAGE_NAMES: Readonly<Record<string, Language>> = {
  en: 'en', english: 'en', ingles: 'en', inglés: 'en',
  es: 'es', spanish: 'es', espanol: 'es', español: 'es',
  'es+en': 'mixed', 'en+es': 'mixed', mixed: 'mixed', spanglish: 'mixed',
  other: 'other',
};

/** `/triage queue [language]`: open alerts by urgency with due times and assignees, optionally of one language. */
export const queue: CommandHandler = {
  name: 'queue',
  description: 'Open alerts by urgency, with due times and who has them',
  options: [{ name: 'language', description: 'Only alerts in this language: es, es+en or en', required: false, maxLength: 20 }],
  async run(request, ctx) {
    const asked = request.options.language?.trim().toLowerCase();
    const language = asked ? LANGUAGE_NAMES[asked] : undefined;
    if (asked && language === undefined) return { kind: 'text', text: 'Language: use es, es+en or en (or leave it out for every language).' };
    const summary = await ctx.deps.store.queueSummary(ctx.deps.now());
    const alerts = await ctx.deps.store.openAlerts(40, language);
    return {
      kind: 'report',
      sections: [{
        title: language === undefined
          ? `Queue: ${summary.total} open (${summary.breached} past first-response target)`
          : `Queue, ${languageTag(language)} only: ${alerts.length}${alerts.length === 40 ? '+' : ''} open of ${summary.total}`,
        alerts,
        empty: language === undefined ? 'Nothing open.' : `Nothing open in ${languageTag(language)}.`,
        footer: URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · '),
      }],
    };
  },
};
