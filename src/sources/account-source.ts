import { inAccountTerms, sourceNameOf, type SourceAccount } from '../accounts.js';
import type { Logger } from '../logger.js';
import type { Source } from './source.js';

/**
 * An adapter polling for one account: its cursors are kept under the account's source name, and
 * every mention it yields carries the account, so cards, routing and the digest know whose it is.
 */
export function forAccount(account: Pick<SourceAccount, 'platform' | 'id' | 'fromFile'>, source: Source): Source {
  return {
    name: sourceNameOf(account),
    async *poll(cursor, signal) {
      for await (const batch of source.poll(cursor, signal)) {
        for (const mention of batch.mentions) mention.account = account.id;
        yield batch;
      }
    },
  };
}

const LEVELS = new Set<string | symbol>(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/**
 * The account's logger: a line an adapter writes in the one-account settings' terms ("Check
 * FACEBOOK_PAGE_TOKEN") names the account's own variable instead ("Check FOUNDATION_FB_TOKEN").
 */
export function accountLogger(log: Logger, account: Pick<SourceAccount, 'variables'>): Logger {
  if (Object.keys(account.variables).length === 0) return log;
  return new Proxy(log, {
    get(target, prop) {
      if (prop === 'child') return (bindings: Record<string, unknown>) => accountLogger(target.child(bindings), account);
      const value: unknown = Reflect.get(target, prop, target);
      if (LEVELS.has(prop) && typeof value === 'function') {
        return (...args: unknown[]) => value.apply(target, args.map((a) => (typeof a === 'string' ? inAccountTerms(a, account) : a)));
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
