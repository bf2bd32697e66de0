import type { BlockAction, RespondFn, SlackCommandMiddlewareArgs, types } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { TriageError } from '../../util/errors.js';
import { cardOf } from '../act-on-alert.js';
import { composeReply, replyNote, submitReply, type ReplyOutcome } from '../reply-desk.js';
import { COMPOSE_BLOCK, COMPOSE_CALLBACK, COMPOSE_INPUT, parseComposeTarget, renderApprovalRequest, renderComposeModal, type ComposeTarget } from './render-slack-reply.js';
import type { PostedMessage } from '../chat.js';
import type { ActionHandler, ActionOutcome, Actor, CommandHandler, CommandReply, HandlerContext } from '../handler-types.js';
import { parseActionId } from './render-slack-card.js';
import { parseModalTarget, renderPrivateBlocks, renderReplyModal, renderSlackReport, renderSnoozeModal, slackNote, SNOOZE_BLOCK, SNOOZE_CALLBACK, SNOOZE_INPUT } from './render-slack-messages.js';
import { slackErrorCode } from './slack-calls.js';
import { isSlackMessage, type SlackChat } from './slack-chat.js';

/** How long a user group's members are trusted before Slack is asked again. */
const MEMBERS_TTL_MS = 60_000;

const FAILED = 'Something went wrong handling that; it has been logged. Try again in a moment.';
const NOT_AN_ACTOR = 'Only members of the triage user group can act on alerts. Ask a lead to add you to it.';

/** Says something to the person who acted, and only to them. */
type Tell = (text: string, blocks?: types.KnownBlock[]) => Promise<void>;

/**
 * Who may act: members of any of `groupIds` (usergroups.users.list, each group's members kept for a
 * minute); with none configured, anyone who can see the card.
 */
export function createActorCheck(chat: Pick<SlackChat, 'groupMembers'>, groupIds: readonly string[], now: () => number): (userId: string) => Promise<boolean> {
  const cache = new Map<string, { at: number; members: Set<string> }>();
  return async (userId) => {
    if (groupIds.length === 0) return true;
    for (const id of groupIds) {
      let entry = cache.get(id);
      if (!entry || now() - entry.at > MEMBERS_TTL_MS) {
        entry = { at: now(), members: new Set(await chat.groupMembers(id)) };
        cache.set(id, entry);
      }
      if (entry.members.has(userId)) return true;
    }
    return false;
  };
}

/** `/triage find some words`: the subcommand, and its one text option (the rest of the line). */
export function parseCommandText(text: string, commands: ReadonlyMap<string, CommandHandler>): { handler: CommandHandler; options: Record<string, string | undefined> } | undefined {
  const trimmed = text.trim();
  const [name = '', ...rest] = trimmed.split(/\s+/);
  const handler = commands.get(name.toLowerCase());
  if (!handler) return undefined;
  const first = handler.options?.[0];
  const value = rest.join(' ').trim();
  return { handler, options: first && value ? { [first.name]: value } : {} };
}

/**
 * One dispatcher for every Slack interaction: each block action, modal submission and `/triage`
 * is acknowledged first (Slack allows 3 s), then checked against the actor groups, turned into a
 * chat-neutral request for the handler, and what it returns is rendered: the card redrawn with
 * chat.update, private answers as ephemeral messages or a modal. On any error it logs with context
 * and tells the person instead of leaving the click hanging.
 */
export function routeSlackInteractions(
  ctx: HandlerContext & { chat: SlackChat },
  handlers: { commands: readonly CommandHandler[]; actions: readonly ActionHandler[] },
): void {
  const { chat } = ctx;
  const byCommand = new Map(handlers.commands.map((c) => [c.name, c]));
  const byAction = new Map(handlers.actions.map((a) => [a.id, a]));
  const mayAct = createActorCheck(chat, chat.config.actorUserGroupIds, ctx.deps.now);
  const actorOf = (user: { id: string; username?: string | undefined; name?: string | undefined }): Actor => ({ name: `@${user.username ?? user.name ?? user.id}`, ref: user.id, chat: 'slack' });
  const viaRespond = (respond: RespondFn): Tell => (text, blocks) =>
    chat.call('answering privately', () => respond({ response_type: 'ephemeral', replace_original: false, text, ...(blocks && { blocks }) })).then(() => undefined);

  /** Runs `work`; a failure is logged and the person told, never thrown at Bolt. */
  async function guarded(log: Logger, tell: Tell, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      log.error({ err: error }, 'interaction handler failed');
      try {
        await tell(FAILED);
      } catch (replyError) {
        log.warn({ err: replyError }, 'could not tell the member about the failure');
      }
    }
  }

  /** Renders an action's outcome: redraw the card where it was clicked, or answer privately. */
  async function show(outcome: ActionOutcome, card: PostedMessage | undefined, actor: Actor, tell: Tell, triggerId?: string): Promise<void> {
    if (outcome.kind === 'card') {
      await redraw(outcome.alert.id, card);
      if (outcome.announce === 'escalation') await chat.announceEscalation(outcome.alert.id, outcome.alert.urgency, actor.name, card);
      return;
    }
    if (outcome.kind === 'private') {
      // A suggested reply opens in a modal, where it is easy to read and copy; privately in the channel if that fails.
      if (triggerId) {
        try {
          await chat.openView(triggerId, renderReplyModal(outcome));
          return;
        } catch (error) {
          ctx.log.warn({ err: error }, 'could not open the reply modal; answering in the channel');
        }
      }
      const { text, blocks } = renderPrivateBlocks(outcome);
      await tell(text, blocks);
      return;
    }
    await tell(slackNote(outcome.text));
    if (outcome.current) await redraw(outcome.current.id, card).catch((error: unknown) => ctx.log.warn({ alertId: outcome.current?.id, err: error }, 'could not refresh the card'));
  }

  /** Redraws an alert's card: the message clicked, else the one the store knows. */
  async function redraw(alertId: number, clicked: PostedMessage | undefined): Promise<void> {
    const alert = await ctx.deps.store.getAlert(alertId);
    const at = isSlackMessage(clicked) ? clicked : await ctx.deps.store.messageOf(alertId);
    if (!alert || !isSlackMessage(at)) return;
    await chat.updateMessage(at.channelId, at.messageId, chat.renderCard(await cardOf(ctx, alert)), `updating the card of alert #${alertId}`);
  }

  chat.app.action<BlockAction>({ action_id: /^t:/ }, async ({ ack, body, action, respond }) => {
    await ack();
    const log = ctx.log.child({ handler: `component:${action.action_id.slice(0, 40)}`, userId: body.user.id });
    const tell = viaRespond(respond);
    await guarded(log, tell, async () => {
      const target = parseActionId(action.action_id);
      if (target && (target.action === 'compose' || target.action === 'reply-edit')) {
        if (!(await mayAct(body.user.id))) return tell(NOT_AN_ACTOR);
        const channel = body.container?.channel_id ?? body.channel?.id;
        const ts = body.container?.message_ts ?? body.message?.ts;
        const draftId = target.action === 'reply-edit' && action.type === 'button' && /^\d{1,15}$/.test(action.value ?? '') ? Number(action.value) : undefined;
        return openComposer(body.trigger_id, { alertId: target.alertId, draftId, channel: channel && String(channel), ts: ts && String(ts) }, actorOf(body.user), tell);
      }
      const handler = target && byAction.get(target.action);
      if (!target || !handler) return tell('This button is from an older version of Triage and no longer works.');
      if (!(await mayAct(body.user.id))) {
        log.info('refused: member is in no actor user group');
        return tell(NOT_AN_ACTOR);
      }
      const channel = body.container?.channel_id ?? body.channel?.id;
      const ts = body.container?.message_ts ?? body.message?.ts;
      const card = channel && ts ? { channelId: String(channel), messageId: String(ts) } : undefined;
      // Approve and Reject carry the draft's id; the card's buttons carry nothing a handler reads.
      const value = action.type === 'static_select' ? action.selected_option?.value : action.type === 'button' && target.action.startsWith('reply-') ? action.value : undefined;
      if (target.action === 'snooze' && value === undefined) {
        await chat.openView(body.trigger_id, renderSnoozeModal({ alertId: target.alertId, channel: card?.channelId, ts: card?.messageId }));
        return;
      }
      const actor = actorOf(body.user);
      const outcome = await handler.run({ alertId: target.alertId, actor, value }, ctx);
      // Only a suggested reply opens in a modal; an approver's click is answered in the channel.
      await show(outcome, card, actor, tell, target.action === 'reply' ? body.trigger_id : undefined);
    });
  });

  /** Opens the reply editor: a draft being edited, or prefilled with the best suggested reply the guard passed. */
  async function openComposer(triggerId: string, target: ComposeTarget, actor: Actor, tell: Tell): Promise<void> {
    let template: string | undefined;
    if (target.draftId === undefined) {
      const alert = await ctx.deps.store.getAlert(target.alertId);
      template = alert ? (await cardOf(ctx, alert)).replies.find((r) => r.guard.ok)?.template : undefined;
    }
    const composed = await composeReply(ctx, { alertId: target.alertId, actor, template, draftId: target.draftId });
    if (composed.kind !== 'compose') return tell(slackNote(composed.kind === 'refused' ? composed.text : 'That reply cannot be edited.'));
    const draft = target.draftId === undefined ? undefined : (await ctx.deps.store.replies.get(target.draftId)) ?? undefined;
    await chat.openView(triggerId, renderComposeModal(composed, target, draft));
  }

  /** What a submitted reply answers: an approver asked in the channel, or a private note. */
  async function showReply(outcome: ReplyOutcome, where: string, tell: Tell): Promise<void> {
    if (outcome.kind === 'awaiting-approval') {
      const request = renderApprovalRequest(outcome.draft);
      await chat.call(`asking for approval of reply #${outcome.draft.id}`, () => chat.app.client.chat.postMessage({ channel: where, ...request, parse: 'none', link_names: false, unfurl_links: false, unfurl_media: false }));
    }
    const note = replyNote(outcome);
    if (note.kind === 'private') {
      const { text, blocks } = renderPrivateBlocks(note);
      return tell(text, blocks);
    }
    if (note.kind === 'refused') return tell(slackNote(note.text));
  }

  chat.app.view(COMPOSE_CALLBACK, async ({ ack, body, view }) => {
    const log = ctx.log.child({ handler: 'modal:compose', userId: body.user.id });
    const target = parseComposeTarget(view.private_metadata);
    const where = target?.channel ?? chat.config.alertChannelId;
    const tell: Tell = (text, blocks) => chat.postEphemeral(where, body.user.id, text, blocks);
    let outcome: ReplyOutcome | undefined;
    try {
      if (target && (await mayAct(body.user.id))) {
        const text = view.state.values[COMPOSE_BLOCK]?.[COMPOSE_INPUT]?.value ?? '';
        outcome = await submitReply(ctx, { alertId: target.alertId, actor: actorOf(body.user), text, draftId: target.draftId });
        if (outcome.kind === 'blocked') {
          // The problems beside the text, in the same modal, privately: edit and send again.
          const composed = await composeReply(ctx, { alertId: target.alertId, actor: actorOf(body.user), draftId: outcome.draft.id });
          if (composed.kind === 'compose') return await ack({ response_action: 'update', view: renderComposeModal(composed, { ...target, draftId: outcome.draft.id }, outcome.draft) });
        }
      }
    } catch (error) {
      log.error({ err: error }, 'reply submission failed');
    }
    await ack();
    await guarded(log, tell, async () => {
      if (!target) return tell('That reply form is from an older version of Triage; use the card\'s Reply button again.');
      if (!outcome) return (await mayAct(body.user.id)) ? tell(FAILED) : tell(NOT_AN_ACTOR);
      await showReply(outcome, where, tell);
    });
  });

  chat.app.view(SNOOZE_CALLBACK, async ({ ack, body, view }) => {
    await ack();
    const log = ctx.log.child({ handler: 'modal:snooze', userId: body.user.id });
    const target = parseModalTarget(view.private_metadata);
    const where = target?.channel ?? chat.config.alertChannelId;
    const tell: Tell = (text, blocks) => chat.postEphemeral(where, body.user.id, text, blocks);
    await guarded(log, tell, async () => {
      const handler = byAction.get('snooze');
      if (!target || !handler) return tell('That snooze form is from an older version of Triage; use the card\'s Snooze button again.');
      if (!(await mayAct(body.user.id))) return tell(NOT_AN_ACTOR);
      const value = view.state.values[SNOOZE_BLOCK]?.[SNOOZE_INPUT]?.selected_option?.value ?? undefined;
      const actor = actorOf(body.user);
      const card = target.channel && target.ts ? { channelId: target.channel, messageId: target.ts } : undefined;
      await show(await handler.run({ alertId: target.alertId, actor, value }, ctx), card, actor, tell);
    });
  });

  chat.app.command('/triage', async ({ ack, command, respond }: SlackCommandMiddlewareArgs) => {
    await ack();
    const parsed = parseCommandText(command.text ?? '', byCommand);
    const log = ctx.log.child({ handler: `command:${parsed?.handler.name ?? '?'}`, userId: command.user_id });
    const tell = viaRespond(respond);
    await guarded(log, tell, async () => {
      if (!parsed) return tell(`Use /triage ${handlers.commands.map((c) => `${c.name}${c.options?.length ? (c.options[0]!.required ? ` <${c.options[0]!.name}>` : ` [${c.options[0]!.name}]`) : ''}`).join(' | ')}`);
      if (!(await mayAct(command.user_id))) return tell(NOT_AN_ACTOR);
      const reply = await parsed.handler.run({ actor: actorOf({ id: command.user_id, username: command.user_name }), options: parsed.options }, ctx);
      await answer(reply, command.channel_id, tell);
    });
  });

  async function answer(reply: CommandReply, channel: string, tell: Tell): Promise<void> {
    if (reply.kind === 'text') return tell(slackNote(reply.text));
    if (reply.kind === 'report') {
      const { text, blocks } = renderSlackReport(reply.sections, ctx.deps.now());
      return tell(text, blocks);
    }
    try {
      await chat.postDigestIn(channel, reply.digest);
    } catch (error) {
      const code = error instanceof TriageError ? slackErrorCode(error.cause) : undefined;
      if (code !== 'not_in_channel' && code !== 'channel_not_found') throw error;
      await tell('I cannot post in this conversation. Invite me to the channel (/invite @Triage) or run /triage digest in the alert channel.');
    }
  }

  chat.app.error(async (error) => {
    ctx.log.error({ err: error }, 'Slack listener failed');
  });
}
