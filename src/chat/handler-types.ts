/**
 * The shapes of every handler in `handlers/`: card actions, `/triage` subcommands and scheduled
 * jobs. Chat-neutral: a handler sees who acted and on which alert, and returns what to show; each
 * chat (Discord, Slack) translates its interactions into these requests and renders the outcomes.
 */
import type { AlertView } from '../domain/alert.js';
import type { DigestSources } from '../digest/collect-digest.js';
import type { Logger } from '../logger.js';
import type { PipelineDeps } from '../pipeline.js';
import type { DigestMessage } from './chat.js';

/** What every action and command receives; built once in the composition root. */
export interface HandlerContext {
  deps: PipelineDeps;
  digest: DigestSources;
  /** Business time zone (the SLA policy's), for "next business morning". */
  timeZone: string;
  log: Logger;
}

/** The person acting, as the chat knows them. */
export interface Actor {
  /** How the store and the card name them: `@kim`. */
  name: string;
  /** Their id on that chat (a Discord user id, a Slack member id), so reminders can ping them. */
  ref: string;
  /** Which chat the action came from: `discord`, `slack`. */
  chat: string;
}

/** A click on a card's button, or a choice from its menu (`value`). */
export interface ActionRequest {
  alertId: number;
  actor: Actor;
  value?: string | undefined;
}

/** What an action asks the chat to show. */
export type ActionOutcome =
  /** The alert changed: redraw its card in place. `announce` asks for a post beside it. */
  | { kind: 'card'; alert: AlertView; announce?: 'escalation' }
  /** Not done: tell the actor why, privately; redraw the card when it shows an outdated state. */
  | { kind: 'refused'; text: string; current?: AlertView | undefined }
  /** An answer for the actor only, the card unchanged: a title, text to copy as is, a note under it. */
  | { kind: 'private'; title: string; quote?: string; note?: string };

/** A button or select menu on an alert card; chats encode it as `t:<id>:<alertId>`. */
export interface ActionHandler {
  id: string;
  run(request: ActionRequest, ctx: HandlerContext): Promise<ActionOutcome> | ActionOutcome;
}

/** One option of a subcommand: text, as every chat can take it. */
export interface CommandOption {
  name: string;
  description: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
}

/** One part of a command's answer. Alerts are listed by each chat in its own way. */
export interface ReportSection {
  title: string;
  tone?: 'danger' | 'warning';
  alerts?: readonly AlertView[];
  /** Plain text lines (each chat escapes them). */
  lines?: readonly string[];
  fields?: ReadonlyArray<{ name: string; value: string }>;
  /** Shown when the section has nothing else. */
  empty?: string;
  footer?: string;
}

/** What a command answers: a private text or report, or a digest posted for the channel. */
export type CommandReply =
  | { kind: 'text'; text: string }
  | { kind: 'report'; sections: readonly ReportSection[] }
  | { kind: 'digest'; digest: DigestMessage };

/** A `/triage <name>` subcommand. `slow` ones are acknowledged before they run (chats allow ~3 s). */
export interface CommandHandler {
  name: string;
  description: string;
  options?: readonly CommandOption[];
  slow?: boolean;
  run(request: { actor: Actor; options: Readonly<Record<string, string | undefined>> }, ctx: HandlerContext): Promise<CommandReply> | CommandReply;
}

/** A scheduled job (node-cron). `schedule` may depend on config; run never overlaps itself. */
export interface JobHandler<C = unknown> {
  name: string;
  /** Cron expression, in the SLA policy's time zone; undefined = not scheduled. */
  schedule(context: C): string | undefined;
  /** Run once at start-up too (catching up after downtime); default true. */
  runAtStart?: boolean;
  run(context: C, signal: AbortSignal): Promise<void>;
}
