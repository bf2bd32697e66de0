import type { CommandHandler } from '../../src/chat/handler-types.js';
import type { AlertView } from '../../src/domain/alert.js';
import { URGENCIES } from '../../src/domain/classification.js';
import { AccountQueries } from '../../src/store/account-queries.js';

/** `/triage queue [account]`: open alerts by urgency with due times and assignees, of every account or one. */
export const queue: CommandHandler = {
  name: 'queue',
  description: 'Open alerts by urgency, with due times and who has them',
  options: [{ name: 'account', description: 'Only this account (its id or name in data/accounts.json)', maxLength: 80 }],
  async run(request, ctx) {
    const wanted = request.options.account?.trim();
    if (wanted) {
      const account = ctx.deps.accounts?.find(wanted);
      if (!account) return { kind: 'text', text: `No account "${wanted}". Accounts: ${ctx.deps.accounts?.ids().join(', ') || 'none configured'}.` };
      const queries = new AccountQueries(ctx.deps.store.db);
      // Awaited like every store call: the store is becoming async repositories.
      const summary = await queries.openCounts(account.id, ctx.deps.now());
      const alerts: AlertView[] = [];
      for (const id of await queries.openAlertIds(account.id, 40)) {
        const alert = await ctx.deps.store.getAlert(id);
        if (alert) alerts.push(alert);
      }
      return {
        kind: 'report',
        sections: [{
          title: `Queue of ${account.name}: ${summary.total} open (${summary.breached} past first-response target)`,
          alerts,
          empty: 'Nothing open for this account.',
          footer: URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · '),
        }],
      };
    }
    const summary = ctx.deps.store.queueSummary(ctx.deps.now());
    return {
      kind: 'report',
      sections: [{
        title: `Queue: ${summary.total} open (${summary.breached} past first-response target)`,
        alerts: ctx.deps.store.openAlerts(40),
        empty: 'Nothing open.',
        footer: URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · '),
      }],
    };
  },
};
