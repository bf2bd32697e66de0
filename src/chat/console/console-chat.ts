import type { Writable } from 'node:stream';
import { renderOrFail, type AlertCard, type Chat, type PostedMessage } from '../chat.js';
import { renderConsoleCard } from './render-console-card.js';
import { describeNotification } from '../../triage/describe-notification.js';
import { terminalLine, terminalText } from '../sanitize.js';

/** Prints alert cards to a terminal; what `triage demo` and credential-less runs use. */
export function createConsoleChat(out: Writable, options: { now: () => number; timeZone: string }): Chat {
  return {
    name: 'console',
    can: { editInPlace: false, threads: false, modals: false, buttons: false, fileUpload: false, lookBack: false },
    async postAlert(card: AlertCard): Promise<PostedMessage> {
      out.write(`${renderOrFail(card.alert.id, () => renderConsoleCard(card, options.now(), options.timeZone))}\n\n`);
      return { channelId: 'console', messageId: `console-${card.alert.id}` };
    },
    async postNotification(notification) {
      out.write(`[SLA] ${terminalLine(describeNotification(notification).text, 2000)}\n`);
      return { channelId: 'console', messageId: `console-sla-${notification.id}` };
    },
    async postDigest(digest) {
      out.write(`${terminalText(digest.markdown)}\n`);
      return { channelId: 'console', messageId: `console-digest-${digest.data.week}` };
    },
    async close() {},
  };
}
