import type { AlertView } from '../domain/alert.js';
import type { SuggestedReply } from '../triage/suggest-replies.js';

/** Everything a chat needs to show one alert. */
export interface AlertCard {
  alert: AlertView;
  replies: SuggestedReply[];
}

export interface PostedMessage {
  channelId: string;
  messageId: string;
}

/**
 * Where alert cards go. `nonce` is stable per alert so that a retry after a crash cannot post the
 * same card twice on a chat that honours it.
 */
export interface Chat {
  readonly name: string;
  postAlert(card: AlertCard, nonce: string): Promise<PostedMessage>;
  close(): Promise<void>;
}
