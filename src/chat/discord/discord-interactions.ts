import {
  Events,
  MessageFlags,
  type APIApplicationCommandSubcommandOption,
  type APIEmbed,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import { renderDigestEmbed } from '../../digest/render-digest.js';
import { cardOf } from '../act-on-alert.js';
import type { ActionHandler, ActionOutcome, Actor, CommandHandler, CommandReply, HandlerContext, ReportSection } from '../handler-types.js';
import { composeReply, replyNote, submitReply, type ReplyOutcome } from '../reply-desk.js';
import { fitEmbed, inert } from '../sanitize.js';
import type { DiscordChat } from './discord-chat.js';
import { alertLine, joinWithin } from './format-list.js';
import { parseCustomId } from './render-alert-card.js';
import { editRow, parseReplyControl, privateContent, renderApprovalRequest, renderComposeModal, REPLY_INPUT, WRITE_OPTION, type ReplyControl } from './render-discord-reply.js';

/** The `/triage` command as registered with Discord: one command, a subcommand per handler. */
export function triageCommandJson(commands: readonly CommandHandler[]) {
  return {
    name: 'triage',
    description: 'Social-listening triage: queue, SLA, search, reply templates',
    type: 1,
    dm_permission: false,
    options: commands.map((c): APIApplicationCommandSubcommandOption => ({
      type: 1,
      name: c.name,
      description: c.description,
      ...(c.options && {
        options: c.options.map((o) => ({
          type: 3,
          name: o.name,
          description: o.description,
          required: o.required ?? false,
          ...(o.minLength !== undefined && { min_length: o.minLength }),
          ...(o.maxLength !== undefined && { max_length: o.maxLength }),
        })),
      }),
    })),
  };
}

/** The role ids of the member behind an interaction, whether discord.js cached the member or not. */
function memberRoles(interaction: Interaction): string[] {
  const member = interaction.member;
  if (!member) return [];
  const roles = (member as { roles: unknown }).roles;
  if (Array.isArray(roles)) return roles as string[];
  const cache = (roles as { cache?: Map<string, unknown> })?.cache;
  return cache ? [...cache.keys()] : [];
}

/** Only members with a configured role may act; with none configured, anyone who can see the card may. */
export function mayAct(interaction: Interaction, actorRoleIds: readonly string[]): boolean {
  if (actorRoleIds.length === 0) return true;
  const roles = memberRoles(interaction);
  return actorRoleIds.some((id) => roles.includes(id));
}

/** How a Discord member is named in the store and on the card. */
function actorOf(interaction: Interaction): Actor {
  return { name: `@${interaction.user.username}`, ref: interaction.user.id, chat: 'discord' };
}

const TONES: Record<NonNullable<ReportSection['tone']>, number> = { danger: 0x7f0000, warning: 0xffb300 };

/** A command's report as embeds: one per section, alerts listed one line each. */
export function renderReport(sections: readonly ReportSection[], now: number): APIEmbed[] {
  return sections.slice(0, 10).map((section) => {
    const body = section.alerts?.length
      ? joinWithin(section.alerts.map((a) => alertLine(a, now)), sections.length > 1 ? 1900 : 3900)
      : section.lines?.length
        ? joinWithin(section.lines.map((l) => inert(l, 300)), sections.length > 1 ? 1500 : 3900)
        : section.fields?.length ? undefined : section.empty;
    return fitEmbed({
      title: inert(section.title, 256),
      ...(section.tone && { color: TONES[section.tone] }),
      ...(body !== undefined && { description: body }),
      ...(section.fields && { fields: section.fields.slice(0, 25).map((f) => ({ name: inert(f.name, 256), value: inert(f.value, 1024) })) }),
      ...(section.footer && { footer: { text: section.footer } }),
    }, Math.floor(6000 / Math.min(sections.length, 10)));
  });
}

/**
 * One dispatcher for every Discord interaction: checks the member's roles, turns the interaction
 * into a chat-neutral request for the handler, renders what it returns, and on any error logs it
 * with context and tells the member (ephemeral) instead of leaving the click hanging.
 */
export function routeInteractions(
  ctx: HandlerContext & { chat: DiscordChat },
  handlers: { commands: readonly CommandHandler[]; actions: readonly ActionHandler[] },
): void {
  const byCommand = new Map(handlers.commands.map((c) => [c.name, c]));
  const byAction = new Map(handlers.actions.map((a) => [a.id, a]));
  const { chat } = ctx;

  async function onComponent(interaction: ButtonInteraction | StringSelectMenuInteraction): Promise<void> {
    const control = parseReplyControl(interaction.customId);
    if (control) return onReplyControl(interaction, control);
    const target = parseCustomId(interaction.customId);
    // The reply menu opens the editor: empty ("Write a reply…") or prefilled with the suggestion chosen.
    if (target?.action === 'reply' && interaction.isStringSelectMenu()) return openComposer(interaction, target.alertId, interaction.values[0]);
    const handler = target && byAction.get(target.action);
    if (!target || !handler) {
      await interaction.reply({ content: 'This button is from an older version of Triage and no longer works.', flags: MessageFlags.Ephemeral });
      return;
    }
    const outcome = await handler.run({ alertId: target.alertId, actor: actorOf(interaction), value: interaction.isStringSelectMenu() ? interaction.values[0] : undefined }, ctx);
    await show(interaction, outcome);
  }

  async function show(interaction: ButtonInteraction | StringSelectMenuInteraction, outcome: ActionOutcome): Promise<void> {
    if (outcome.kind === 'card') {
      const { embeds, components } = chat.renderCard(await cardOf(ctx, outcome.alert));
      await interaction.update({ embeds, components, allowedMentions: { parse: [] } });
      if (outcome.announce === 'escalation') await announceEscalation(interaction, outcome.alert.id, outcome.alert.urgency);
      return;
    }
    if (outcome.kind === 'private') {
      // The quote is shown as code, so it is copied exactly as written and nothing in it renders.
      await interaction.reply({ content: privateContent(outcome), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    await interaction.reply({ content: inert(outcome.text, 1900), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    if (outcome.current) await refreshCard(outcome.current.id);
  }

  const tell = (interaction: ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction, text: string) =>
    interaction.reply({ content: inert(text, 1900), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

  /** Opens the reply editor on a card: `choice` is a suggested reply's template, or the empty editor. */
  async function openComposer(interaction: StringSelectMenuInteraction, alertId: number, choice: string | undefined): Promise<void> {
    const actor = actorOf(interaction);
    const template = choice === undefined || choice === WRITE_OPTION ? undefined : choice;
    const composed = await composeReply(ctx, { alertId, actor, template });
    if (composed.kind !== 'compose') return void (await tell(interaction, composed.kind === 'refused' ? composed.text : 'That reply cannot be written here.'));
    // Which suggestion it starts from, and the guard's verdict on it, above the text.
    const suggestion = template === undefined ? undefined : await byAction.get('reply')?.run({ alertId, actor, value: template }, ctx);
    const notes = suggestion?.kind === 'private' ? [`${suggestion.title.replace(/:$/, '')}. ${suggestion.note ?? ''}`] : [];
    // The platform's terms: X's reply rule (copy only) and its price.
    if (composed.notice !== undefined) notes.push(composed.notice);
    await interaction.showModal(renderComposeModal(composed, { notes }));
  }

  /** Edit, Approve and Reject on a blocked reply or an approval request. */
  async function onReplyControl(interaction: ButtonInteraction | StringSelectMenuInteraction, control: ReplyControl): Promise<void> {
    const actor = actorOf(interaction);
    if (control.action === 'reply-edit' || control.action === 'compose') {
      const composed = await composeReply(ctx, { alertId: control.alertId, actor, draftId: control.draftId });
      if (composed.kind !== 'compose') return void (await tell(interaction, composed.kind === 'refused' ? composed.text : 'That reply cannot be edited.'));
      const draft = control.draftId === undefined ? undefined : ((await ctx.deps.store.replies.get(control.draftId)) ?? undefined);
      return interaction.showModal(renderComposeModal(composed, { draft }));
    }
    if (!mayAct(interaction, chat.config.approverRoleIds ?? [])) {
      return void (await tell(interaction, 'Only members with the approver role can approve or reject a reply. Ask a lead to give you the role.'));
    }
    const handler = byAction.get(control.action);
    if (!handler) return void (await tell(interaction, 'This button is from an older version of Triage and no longer works.'));
    const outcome = await handler.run({ alertId: control.alertId, actor, value: String(control.draftId) }, ctx);
    // Approved or rejected: the request itself says so, for everyone, and loses its buttons.
    if (outcome.kind === 'private') return void (await interaction.update({ content: privateContent(outcome), components: [], allowedMentions: { parse: [] } }));
    await show(interaction, outcome);
  }

  /** A submitted editor: the guard runs on the final text; blocked, waiting for a second person, or queued. */
  async function onModal(interaction: ModalSubmitInteraction): Promise<void> {
    const control = parseReplyControl(interaction.customId);
    if (!control || control.action !== 'compose') return void (await tell(interaction, 'That form is from an older version of Triage; use the card\'s reply menu again.'));
    const text = interaction.fields.getTextInputValue(REPLY_INPUT);
    const outcome = await submitReply(ctx, { alertId: control.alertId, actor: actorOf(interaction), text, draftId: control.draftId });
    await showReply(interaction, outcome);
  }

  async function showReply(interaction: ModalSubmitInteraction, outcome: ReplyOutcome): Promise<void> {
    if (outcome.kind === 'awaiting-approval') {
      const channel = interaction.channelId ?? chat.config.alertChannelId;
      if (channel) await chat.postMessage(channel, renderApprovalRequest(outcome.draft), `asking for approval of reply #${outcome.draft.id}`);
    }
    const note = replyNote(outcome);
    if (note.kind !== 'private') return void (await tell(interaction, note.kind === 'refused' ? note.text : 'Done.'));
    // Blocked (or rejected): the problems beside the text, privately, with Edit; nothing is sent.
    const components = outcome.kind === 'blocked' || outcome.kind === 'rejected' ? editRow(outcome.draft) : [];
    await interaction.reply({ content: privateContent(note), components, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  }

  /** Pings only the lead role, in the urgent channel, with a link to the card. */
  async function announceEscalation(interaction: Interaction, alertId: number, urgency: string): Promise<void> {
    const channel = chat.config.urgentChannelId ?? chat.config.alertChannelId;
    if (!channel) return;
    const lead = chat.config.leadRoleId;
    const card = await ctx.deps.store.messageOf(alertId);
    const link = card && interaction.guildId ? ` https://discord.com/channels/${interaction.guildId}/${card.channelId}/${card.messageId}` : '';
    const who = lead ? `<@&${lead}> ` : '';
    await chat.postText(channel, `${who}escalation: alert #${alertId} (${urgency}) escalated by ${inert(`@${interaction.user.username}`, 40)}.${link}`, lead ? [lead] : []);
  }

  /** Redraws a card that shows an outdated state (someone else acted first). */
  async function refreshCard(alertId: number): Promise<void> {
    const alert = await ctx.deps.store.getAlert(alertId);
    const message = await ctx.deps.store.messageOf(alertId);
    if (!alert || !message || !chat.updateAlert) return;
    try {
      await chat.updateAlert(await cardOf(ctx, alert), message);
    } catch (error) {
      ctx.log.warn({ alertId, err: error }, 'could not refresh the card');
    }
  }

  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const handler = byCommand.get(interaction.options.getSubcommand(false) ?? '');
    if (!handler) throw new Error(`no handler for /${interaction.commandName} ${interaction.options.getSubcommand(false)}`);
    const options = Object.fromEntries((handler.options ?? []).map((o) => [o.name, interaction.options.getString(o.name) ?? undefined]));
    if (handler.slow) await interaction.deferReply();
    const reply = await handler.run({ actor: actorOf(interaction), options }, ctx);
    const body = renderReply(reply);
    if (handler.slow) await interaction.editReply(body);
    else await interaction.reply({ ...body, flags: MessageFlags.Ephemeral });
  }

  function renderReply(reply: CommandReply) {
    const allowedMentions = { parse: [] as [] };
    if (reply.kind === 'text') return { content: inert(reply.text, 1900), allowedMentions };
    if (reply.kind === 'report') return { embeds: renderReport(reply.sections, ctx.deps.now()), allowedMentions };
    return { embeds: [renderDigestEmbed(reply.digest.data)], files: [{ attachment: reply.digest.chartPng, name: 'chart.png' }], allowedMentions };
  }

  chat.client.on(Events.InteractionCreate, async (interaction) => {
    if (!interaction.isChatInputCommand() && !interaction.isButton() && !interaction.isStringSelectMenu() && !interaction.isModalSubmit()) return;
    const name = interaction.isChatInputCommand() ? `command:${interaction.options.getSubcommand(false) ?? '?'}` : interaction.isModalSubmit() ? `modal:${interaction.customId.slice(0, 40)}` : `component:${interaction.customId.slice(0, 40)}`;
    const log = ctx.log.child({ handler: name, interactionId: interaction.id, userId: interaction.user.id });
    try {
      if (!mayAct(interaction, chat.config.actorRoleIds)) {
        log.info('refused: member lacks the actor role');
        await interaction.reply({ content: 'Only members with the triage role can act on alerts. Ask a lead to give you the role.', flags: MessageFlags.Ephemeral });
        return;
      }
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isModalSubmit()) await onModal(interaction);
      else await onComponent(interaction);
    } catch (error) {
      log.error({ err: error }, 'interaction handler failed');
      const content = 'Something went wrong handling that; it has been logged. Try again in a moment.';
      try {
        if (interaction.deferred || interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
        else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
      } catch (replyError) {
        log.warn({ err: replyError }, 'could not tell the member about the failure');
      }
    }
  });
}
