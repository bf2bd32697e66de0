import { isClosed, type AlertView } from '../domain/alert.js';
import { LANGUAGES, languageTag, readCrisisFlag } from '../domain/classification.js';
import type { SuggestedReply } from '../triage/suggest-replies.js';
import type { PendingNotification } from '../store/store-port.js';
import type { DigestData } from '../digest/collect-digest.js';
import { applyCorrections, type RecordedCorrection } from '../store/corrections.js';

/** Everything a chat needs to show one alert. */
export interface AlertCard {
  alert: AlertView;
  replies: SuggestedReply[];
  /** In a storm, similar alerts carried by this card (actions on it apply to them too). */
  grouped?: AlertView[];
  /** Labels people corrected from the card ("Wrong label?"), oldest first. */
  corrections?: RecordedCorrection[];
  /** The display name of the account that heard it, when accounts come from data/accounts.json. */
  account?: string;
  /** Where this account's cards go (data/accounts.json routing); unset: the chat's own channels. */
  route?: { alertChannelId?: string; urgentChannelId?: string };
  /** The latest reply sent from the card: who wrote it, its text and where it is. */
  sentReply?: { by: string; text: string; url: string | null; at: number };
}

/** A review's rating as every chat shows it: `★★☆☆☆ 2/5`, `recommends`, `does not recommend`. */
export function ratingLabel(mention: AlertView['mention']): string | undefined {
  const stars = mention.stars;
  if (typeof stars === 'number' && Number.isInteger(stars) && stars >= 1 && stars <= 5) return `${'★'.repeat(stars)}${'☆'.repeat(5 - stars)} ${stars}/5`;
  if (mention.recommends === true) return 'recommends';
  if (mention.recommends === false) return 'does not recommend';
  return undefined;
}

/** The channel a card goes to: its account's route first, then the chat's own (critical to the urgent channel). */
export function channelFor(alert: { urgency: string }, route: AlertCard['route'], channels: { alertChannelId: string; urgentChannelId?: string | undefined }): string {
  const alerts = route?.alertChannelId ?? channels.alertChannelId;
  if (alert.urgency !== 'critical') return alerts;
  return route?.urgentChannelId ?? route?.alertChannelId ?? channels.urgentChannelId ?? alerts;
}

/** Where an alert stands against its first-response target, as every chat colours its card. */
export function slaStatus(alert: AlertView, options: { now: number; atRiskFraction?: number | undefined }): 'breached' | 'at-risk' | 'ok' | 'none' {
  if (alert.firstResponseDueAt === null || alert.firstResponseAt !== null || isClosed(alert.state)) return 'none';
  if (options.now >= alert.firstResponseDueAt) return 'breached';
  const window = alert.firstResponseDueAt - alert.mention.createdAt;
  return options.now >= alert.mention.createdAt + window * (options.atRiskFraction ?? 0.8) ? 'at-risk' : 'ok';
}

/** A possible crisis (the classifier's lower tier) that nobody has confirmed or cleared yet. */
export function awaitsCrisisCheck(card: AlertCard): boolean {
  const { categories, urgency, reasons } = card.alert;
  const possible = Array.isArray(categories) && Array.isArray(reasons) && readCrisisFlag({ categories, urgency, reasons })?.tier === 'possible';
  return possible && !(card.corrections ?? []).some((c) => c.correction.kind === 'category' && c.correction.category === 'crisis');
}

/**
 * The language tag a card shows after its title (` · es`, ` · es+en`); nothing for English, so an
 * English card reads as before. Only the known languages are shown, whatever the stored value.
 */
export function shownLanguage(alert: Pick<AlertView, 'language'>): string {
  const language = alert.language;
  return language !== undefined && language !== 'en' && (LANGUAGES as readonly string[]).includes(language) ? ` · ${languageTag(language)}` : '';
}

/** The categories a card shows: the classifier's, with people's corrections applied. */
export function shownCategories(card: AlertCard): string[] {
  const categories = Array.isArray(card.alert.categories) ? card.alert.categories : [];
  return card.corrections?.length ? applyCorrections({ urgency: card.alert.urgency, categories }, card.corrections).categories : categories;
}

export interface PostedMessage {
  channelId: string;
  messageId: string;
}

/**
 * What to look for in the chat after a crash: sends that were attempted (the outbox recorded the
 * attempt, committed, before sending) but whose result was never recorded.
 */
export interface PostedLookup {
  /** The cards, by the alert each is for (a storm card's lead). */
  alerts?: ReadonlyArray<Pick<AlertView, 'id' | 'urgency'> & { route?: AlertCard['route'] }>;
  /** SLA reminders and escalations. */
  notifications?: readonly PendingNotification[];
  /** The earliest of those attempts (epoch ms): older messages, less a margin for clock skew, are not searched. */
  since: number;
}

/** What {@link Chat.findPosted} found: alert id → its card, notification id → its message. */
export interface FoundPosts {
  alerts: Map<number, PostedMessage>;
  notifications: Map<number, PostedMessage>;
}

/**
 * The chat could not draw this card (its data breaks the renderer). Retrying cannot help: the
 * dispatcher moves the alert out of the outbox with this reason instead.
 */
export class CardRenderError extends Error {
  constructor(readonly alertId: number, cause: unknown) {
    super(`cannot draw the card of alert #${alertId}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CardRenderError';
  }
}

/** Renders with `render`; whatever it throws becomes a {@link CardRenderError} for `alertId`. */
export function renderOrFail<T>(alertId: number, render: () => T): T {
  try {
    return render();
  } catch (error) {
    throw new CardRenderError(alertId, error);
  }
}

/**
 * What a chat can do, declared by each adapter, so the pipeline and the handlers degrade by
 * capability instead of asking which chat it is (Teams cards are never redrawn because Teams
 * cannot edit a posted card, not because it is Teams).
 */
export interface ChatCapabilities {
  /** A posted card can be redrawn (Discord, Slack): redraws after actions elsewhere go to it. */
  editInPlace: boolean;
  /** Reminders and escalations go in the card's thread (Slack), else as messages of their own. */
  threads: boolean;
  /** A form opens over the chat (Slack's modals for snooze and replies). */
  modals: boolean;
  /** Cards carry buttons and menus that act in place (Discord, Slack); Teams' only open links. */
  buttons: boolean;
  /** The digest's chart is uploaded as a file. */
  fileUpload: boolean;
  /** Recent messages can be read back to find a send that was never recorded (look before repost). */
  lookBack: boolean;
}

/** A chat's declared capabilities; a chat that declares none is judged by the calls it offers. */
export function capabilitiesOf(chat: Chat): ChatCapabilities {
  return chat.can ?? { editInPlace: chat.updateAlert !== undefined, threads: false, modals: false, buttons: false, fileUpload: chat.postDigest !== undefined, lookBack: chat.findPosted !== undefined };
}

/**
 * Where alert cards go. `nonce` is stable per alert so that a retry after a crash cannot post the
 * same card twice on a chat that honours it.
 */
export interface Chat {
  readonly name: string;
  /** What it can do (see {@link capabilitiesOf}). */
  readonly can?: ChatCapabilities;
  postAlert(card: AlertCard, nonce: string): Promise<PostedMessage>;
  /** Sends an SLA reminder or escalation; `nonce` is stable per notification. */
  postNotification?(notification: PendingNotification, nonce: string): Promise<PostedMessage>;
  /** Posts the weekly digest with its chart; `nonce` is stable per week. */
  postDigest?(digest: DigestMessage, nonce: string): Promise<PostedMessage>;
  /**
   * Looks in the chat for messages we sent but never recorded (a crash between the chat accepting a
   * send and the store recording it), so that they are recorded instead of sent again. A nonce only
   * protects a retry for a few minutes; this protects it for as long as the message is among the
   * channel's recent ones. Chats that cannot look back leave it out.
   */
  findPosted?(lookup: PostedLookup): Promise<FoundPosts>;
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
