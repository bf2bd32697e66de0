import type { CommandHandler } from '../../src/chat/handler-types.js';
import type { AlertView } from '../../src/domain/alert.js';
import { languageTag, URGENCIES, type Language } from '../../src/domain/classification.js';

/** What people type for a language: the card's tag, the code, or the name in either language. */
const LANGUAGE_NAMES: Readonly<Record<string, Language>> = {
  en: 'en', english: 'en', ingles: 'en', inglés: 'en',
  es: 'es', spanish: 'es', espanol: 'es', español: 'es',
  'es+en': 'mixed', 'en+es': 'mixed', mixed: 'mixed', spanglish: 'mixed',
  other: 'other',
};

/**
 * `/triage queue [account] [language]`: open alerts by urgency with due times and assignees, of
 * every account or one, in every language or one. Slack passes one word: an account's id or name,
 * or a language ("/triage queue es").
 */
export const queue: CommandHandler = {
  name: 'queue',
  description: 'Open alerts by urgency, with due times and who has them',
  options: [
    { name: 'account', description: 'Only this account (its id or name in data/accounts.json), or a language: es, es+en, en', maxLength: 80 },
    { name: 'language', description: 'Only alerts in this language: es, es+en or en', required: false, maxLength: 20 },
  ],
  async run(request, ctx) {
    let wanted = request.options.account?.trim();
    let asked = request.options.language?.trim().toLowerCase();
    if (wanted && !ctx.deps.accounts?.find(wanted) && LANGUAGE_NAMES[wanted.toLowerCase()] !== undefined) {
      asked ??= wanted.toLowerCase();
      wanted = undefined;
    }
    const language = asked ? LANGUAGE_NAMES[asked] : undefined;
    if (asked && language === undefined) return { kind: 'text', text: 'Language: use es, es+en or en (or leave it out for every language).' };
    const inLanguage = (alert: AlertView) => language === undefined || (alert.language ?? 'en') === language;
    if (wanted) {
      const account = ctx.deps.accounts?.find(wanted);
      if (!account) return { kind: 'text', text: `No account "${wanted}". Accounts: ${ctx.deps.accounts?.ids().join(', ') || 'none configured'}.` };
      const queries = ctx.deps.store.accountQueries;
      const summary = await queries.openCounts(account.id, ctx.deps.now());
      const alerts: AlertView[] = [];
      for (const id of await queries.openAlertIds(account.id, 40)) {
        const alert = await ctx.deps.store.getAlert(id);
        if (alert && inLanguage(alert)) alerts.push(alert);
      }
      return {
        kind: 'report',
        sections: [{
          title: `Queue of ${account.name}${language === undefined ? '' : `, ${languageTag(language)} only`}: ${summary.total} open (${summary.breached} past first-response target)`,
          alerts,
          empty: 'Nothing open for this account.',
          footer: URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · '),
        }],
      };
    }
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
