import type { AlertView } from '../domain/alert.js';
import type { SuggestedReply } from '../triage/suggest-replies.js';
import type { PendingNotification } from '../store/sqlite-store.js';
import type { DigestData } from '../digest/collect-digest.js';

/** Everything a chat needs to show one alert. */
export interface AlertCard {
  alert: AlertView;
  replies: SuggestedReply[];
  /** In a storm, similar alerts carried by this card (actions on it apply to them too). */
  grouped?: AlertView[];
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
  /** Sends an SLA reminder or escalation; `nonce` is stable per notification. */
  postNotification?(notification: PendingNotification, nonce: string): Promise<PostedMessage>;
  /** Posts the weekly digest with its chart; `nonce` is stable per week. */
  postDigest?(digest: DigestMessage, nonce: string): Promise<PostedMessage>;
  /** Redraws a posted card after its alert changed elsewhere (a reply seen on X). */
  updateAlert?(card: AlertCard, message: PostedMessage): Promise<void>;
  close(): Promise<void>;
}

/** A rendered weekly digest: its data, the Markdown and the chart. */
export interface DigestMessage {
  data: DigestData;
  markdown: string;
  chartPng: Buffer;
}

/** How many non-critical alerts one dispatch may post one by one before it coalesces similar ones. */
export interface ChatLimits {
  stormThreshold: number;
}
