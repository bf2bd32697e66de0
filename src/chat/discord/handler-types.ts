import type {
  APIApplicationCommandSubcommandOption,
  ButtonInteraction,
  ChatInputCommandInteraction,
  StringSelectMenuInteraction,
} from 'discord.js';
import type { Logger } from '../../logger.js';
import type { PipelineDeps } from '../../pipeline.js';
import type { DiscordChat } from './discord-chat.js';
import type { DigestSources } from '../../digest/collect-digest.js';

/** What every Discord handler receives; built once in the composition root. */
export interface HandlerContext {
  deps: PipelineDeps;
  digest: DigestSources;
  chat: DiscordChat;
  /** Business time zone (the SLA policy's), for "next business morning". */
  timeZone: string;
  log: Logger;
}

/** A `/triage <name>` subcommand. */
export interface CommandHandler {
  data: APIApplicationCommandSubcommandOption;
  execute(interaction: ChatInputCommandInteraction, ctx: HandlerContext): Promise<void>;
}

/** A button or select menu on an alert card; custom ids are `t:<customIdPrefix>:<alertId>`. */
export interface ComponentHandler {
  customIdPrefix: string;
  execute(interaction: ButtonInteraction | StringSelectMenuInteraction, ctx: HandlerContext, alertId: number): Promise<void>;
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
