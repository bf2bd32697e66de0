import { sourceNameOf, type SourceAccount } from '../accounts.js';
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
