import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cardOf } from '../../chat/act-on-alert.js';
import type { Actor, HandlerContext } from '../../chat/handler-types.js';
import { approveReply, composeReply, rejectReply, submitReply, type ReplyOutcome } from '../../chat/reply-desk.js';
import { messagePage, type PageFrame } from './console-pages.js';
import { repliesSection, replyPage, type ReplyEditor } from './reply-pages.js';
import type { ConsoleUser } from './sign-in.js';

/** What the console's scope lends the reply routes. */
export interface ReplyRouteKit {
  ctx: HandlerContext;
  frame: (request: FastifyRequest, reply?: FastifyReply) => PageFrame;
  sendPage: (reply: FastifyReply, body: string) => FastifyReply;
  signedIn: (request: FastifyRequest, reply: FastifyReply) => ConsoleUser | undefined;
  alertId: (request: FastifyRequest) => number | undefined;
}

/** What `?reply=` on the alert page says after a reply step. */
export const REPLY_NOTICES: Record<string, string> = {
  awaiting: 'Your reply waits for a second person to approve it. Nothing is sent until then.',
  queued: 'Your reply passed the reply guard and goes out with the next send.',
  approved: 'Approved: the reply goes out with the next send.',
  rejected: 'Rejected: its author can edit it and submit it again.',
};

const actorOf = (user: ConsoleUser): Actor => ({ name: user.name, ref: `oidc:${user.sub}`, chat: 'web' });
const idOf = (raw: unknown): number | undefined => (typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined);

/**
 * The Teams path of "reply from the card": `/console/alerts/:id/reply` composes (prefilled with a
 * suggested reply or a draft, limited to the platform's length), and submitting runs the reply
 * desk's `submitReply`: the guard is the gate (a blocked reply comes back beside its text, nothing
 * sent), the account's approval setting decides whether a second person must look. Approve and
 * reject are for the approver groups, never for the reply's author or last editor (the store
 * refuses them too). Every form carries the CSRF token.
 */
export function registerReplyRoutes(scope: FastifyInstance, kit: ReplyRouteKit): void {
  const { ctx, frame, sendPage, signedIn } = kit;
  const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, text: string, alertId?: number) =>
    sendPage(reply.code(status), messagePage(frame(request), 'Not done', text, alertId === undefined ? { href: '/console/queue', label: 'The queue' } : { href: `/console/alerts/${alertId}#replies`, label: 'Back to the alert' }));

  const showEditor = async (request: FastifyRequest, reply: FastifyReply, user: ConsoleUser, alertId: number, outcome: ReplyOutcome, said: { problems?: readonly string[]; notice?: string } = {}, status = 200) => {
    const alert = await ctx.deps.store.getAlert(alertId);
    if (!alert) return refuse(request, reply, 404, `There is no alert #${alertId}.`);
    if (outcome.kind !== 'compose') return refuse(request, reply, 409, outcome.kind === 'refused' ? outcome.text : 'That reply cannot be opened.', alertId);
    const editor: ReplyEditor = { text: outcome.text, maxLength: outcome.maxLength, platformName: outcome.platformName, title: outcome.title, draftId: outcome.draftId };
    return sendPage(reply.code(status), replyPage({ ...frame(request, reply), title: `Reply to alert #${alertId}` }, { alert, editor, problems: said.problems, notice: said.notice ?? outcome.notice, canWrite: user.actor }));
  };

  scope.get('/alerts/:id/reply', async (request, reply) => {
    const user = signedIn(request, reply);
    if (!user) return reply;
    const alertId = kit.alertId(request);
    if (alertId === undefined) return refuse(request, reply, 404, 'That is not an alert number.');
    const q = request.query as Record<string, unknown>;
    const draftId = idOf(q.draft);
    let template = typeof q.template === 'string' ? q.template.slice(0, 80) : undefined;
    if (template === undefined && draftId === undefined) {
      // The card's Reply button: the best suggested reply the guard passed, as on Slack.
      const alert = await ctx.deps.store.getAlert(alertId);
      if (!alert) return refuse(request, reply, 404, `There is no alert #${alertId}.`);
      template = (await cardOf(ctx, alert)).replies.find((r) => r.guard.ok)?.template;
    }
    return showEditor(request, reply, user, alertId, await composeReply(ctx, { alertId, actor: actorOf(user), template, draftId }));
  });

  scope.post('/alerts/:id/reply', { preHandler: scope.csrfProtection }, async (request, reply) => {
    const user = request.consoleUser;
    const alertId = kit.alertId(request);
    if (!user?.actor) return refuse(request, reply, 403, user ? 'You can read the console but not reply: writing a reply needs one of its actor groups (OIDC_ACTOR_GROUPS).' : 'Sign in first.');
    if (alertId === undefined) return refuse(request, reply, 404, 'That is not an alert number.');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const text = typeof body.text === 'string' ? body.text.slice(0, 10_000) : '';
    const draftId = idOf(body.draft);
    const outcome = await submitReply(ctx, { alertId, actor: actorOf(user), text, draftId });
    switch (outcome.kind) {
      case 'blocked':
        // Beside the text, kept for editing; the next submit edits the same draft.
        return showEditor(request, reply, user, alertId, await composeReply(ctx, { alertId, actor: actorOf(user), draftId: outcome.draft.id }), { problems: outcome.draft.guard.problems }, 422);
      case 'awaiting-approval':
        return reply.redirect(`/console/alerts/${alertId}?reply=awaiting#draft-${outcome.draft.id}`, 303);
      case 'queued':
        return reply.redirect(`/console/alerts/${alertId}?reply=queued#draft-${outcome.draft.id}`, 303);
      case 'refused': {
        const editor = await composeReply(ctx, { alertId, actor: actorOf(user), draftId });
        return showEditor(request, reply, user, alertId, editor.kind === 'compose' ? { ...editor, text } : editor, { notice: outcome.text }, 409);
      }
      default:
        return reply.redirect(`/console/alerts/${alertId}#replies`, 303);
    }
  });

  const review = (step: 'approve' | 'reject') => async (request: FastifyRequest, reply: FastifyReply) => {
    const user = request.consoleUser;
    const draftId = idOf((request.params as { id?: string }).id);
    if (!user?.approver) return refuse(request, reply, 403, user ? 'Approving or rejecting a reply needs one of the console\'s approver groups (OIDC_APPROVER_GROUPS).' : 'Sign in first.');
    const draft = draftId === undefined ? null : await ctx.deps.store.replies.get(draftId);
    if (!draft) return refuse(request, reply, 404, 'That reply is no longer there.');
    const reason = (request.body as Record<string, unknown> | undefined)?.reason;
    const outcome = step === 'approve'
      ? await approveReply(ctx, { draftId: draft.id, actor: actorOf(user) })
      : await rejectReply(ctx, { draftId: draft.id, actor: actorOf(user), reason: typeof reason === 'string' ? reason.slice(0, 300) : undefined });
    if (outcome.kind === 'refused') return refuse(request, reply, 409, outcome.text, draft.alertId);
    return reply.redirect(`/console/alerts/${draft.alertId}?reply=${step === 'approve' ? 'approved' : 'rejected'}#draft-${draft.id}`, 303);
  };
  scope.post('/replies/:id/approve', { preHandler: scope.csrfProtection }, review('approve'));
  scope.post('/replies/:id/reject', { preHandler: scope.csrfProtection }, review('reject'));
}

/** The alert page's "Replies" section for `user`. */
export async function renderReplies(kit: Pick<ReplyRouteKit, 'ctx'>, frame: PageFrame, alertId: number, user: ConsoleUser | undefined) {
  const drafts = await kit.ctx.deps.store.replies.forAlert(alertId);
  const withEvents = await Promise.all(drafts.map(async (draft) => ({ draft, events: await kit.ctx.deps.store.replies.events(draft.id) })));
  return repliesSection(frame, alertId, withEvents, user && { name: user.name, actor: user.actor, approver: user.approver === true });
}
