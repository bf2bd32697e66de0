import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cardOf } from '../../chat/act-on-alert.js';
import { relabelChoices } from '../../chat/correct-label.js';
import type { ActionHandler, ActionOutcome, HandlerContext } from '../../chat/handler-types.js';
import type { ConsoleConfig } from '../../config.js';
import { ALERT_STATES, type AlertState } from '../../domain/alert.js';
import { URGENCIES, type Urgency } from '../../domain/classification.js';
import { buildDigest } from '../../digest/weekly-digest.js';
import { renderDigestHtml } from '../../digest/render-digest.js';
import { parseWeek, previousWeek } from '../../digest/week.js';
import { verifyAlertLink } from '../card-links.js';
import { alertPage, CONSOLE_CSS, messagePage, page, queuePage, reportPage, type PageFrame } from './console-pages.js';
import { trusted } from './html.js';
import { registerReplyRoutes, renderReplies, REPLY_NOTICES } from './reply-routes.js';
import { secureCookies, SESSION_HOURS, SignIn, type ConsoleUser, type PendingSignIn } from './sign-in.js';

export interface ConsoleOptions {
  config: ConsoleConfig;
  publicBaseUrl: string;
  secretKey: string;
  ctx: HandlerContext;
  actions: readonly ActionHandler[];
  /** The `/triage sla` report, run as the signed-in person. */
  slaReport: (ctx: HandlerContext) => Promise<import('../../chat/handler-types.js').CommandReply> | import('../../chat/handler-types.js').CommandReply;
  /** Tells the chat's leads of an escalation from the console (Teams, Slack, Discord each in its way). */
  announceEscalation?: (alertId: number, urgency: string, actorName: string) => Promise<void>;
  /** Sign-in attempts per minute per address (default 20). */
  signInRateLimit?: number;
}

/** The console's actions: the card actions, by the same handlers the chats use. */
const CONSOLE_ACTIONS = new Set(['claim', 'respond', 'wait', 'snooze', 'resolve', 'dismiss', 'reopen', 'escalate', 'relabel']);
const SESSION = 'triage_session';
const PENDING = 'triage_signin';

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser?: ConsoleUser | undefined;
  }
}

/**
 * The web console under `/console`, in its own fastify scope (helmet, cookies, CSRF and the
 * sign-in rate limit apply to it, not to /healthz and /metrics). Server-rendered HTML with no
 * JavaScript; every value on a page goes through the escaping {@link html} template. Sign-in is
 * OpenID Connect; who may act comes from the ID token's groups or roles (OIDC_ACTOR_GROUPS).
 */
export async function registerConsole(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { ctx } = options;
  const log = ctx.log;
  const secure = secureCookies(options.publicBaseUrl);
  const signIn = new SignIn(options.config, options.publicBaseUrl);
  const queries = ctx.deps.store.consoleQueries;
  const cookieBase = { httpOnly: true, secure, sameSite: 'lax' as const, path: '/console', signed: true };

  await app.register(async (scope) => {
    await scope.register(fastifyCookie, { secret: options.secretKey });
    await scope.register(fastifyFormbody, { bodyLimit: 16_384 });
    await scope.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      hsts: secure,
      referrerPolicy: { policy: 'same-origin' },
    });
    await scope.register(fastifyCsrf, { cookieKey: 'triage_csrf', cookieOpts: cookieBase, getToken: (req) => (req.body as Record<string, string> | undefined)?._csrf });
    await scope.register(fastifyRateLimit, { global: false });

    scope.setErrorHandler((error, request, reply) => {
      const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
      if (status >= 500) log.error({ err: error, path: request.url }, 'console request failed');
      else log.warn({ path: request.url, status, err: (error as Error).message }, 'console request refused');
      const text = status === 403 ? 'This form has expired or did not come from the console. Go back, reload the page and try again.' : status === 429 ? 'Too many sign-in attempts from here: wait a minute and try again.' : status >= 500 ? 'Something went wrong on our side; it is in the log.' : 'That request could not be read.';
      return sendPage(reply.code(status), messagePage(frame(request), status === 403 ? 'Refused' : status === 429 ? 'Slow down' : 'Error', text, { href: '/console/queue', label: 'Back to the queue' }));
    });

    // Who is signed in: a signed cookie, within its expiry.
    scope.addHook('onRequest', async (request) => {
      const raw = request.cookies[SESSION];
      if (!raw) return;
      const unsigned = request.unsignCookie(raw);
      if (!unsigned.valid || unsigned.value === null) return;
      try {
        const user = JSON.parse(unsigned.value) as ConsoleUser;
        if (typeof user.sub === 'string' && typeof user.name === 'string' && user.exp * 1000 > ctx.deps.now()) request.consoleUser = user;
      } catch {
        // a cookie we did not write: ignored, as if signed out
      }
    });

    const frame = (request: FastifyRequest, reply?: FastifyReply): PageFrame => ({
      title: 'Triage',
      user: request.consoleUser,
      csrf: reply && request.consoleUser ? reply.generateCsrf() : undefined,
      now: ctx.deps.now(),
      timeZone: ctx.timeZone,
    });
    const sendPage = (reply: FastifyReply, body: string) => reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
    /** Signed in, or sent to sign in and back here. */
    const signedIn = (request: FastifyRequest, reply: FastifyReply): ConsoleUser | undefined => {
      if (request.consoleUser) return request.consoleUser;
      void reply.redirect(`/console/login?return=${encodeURIComponent(request.url)}`, 303);
      return undefined;
    };

    scope.get('/', async (_request, reply) => reply.redirect('/console/queue', 303));
    scope.get('/assets/console.css', async (_request, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(CONSOLE_CSS));

    const signInLimit = { rateLimit: { max: options.signInRateLimit ?? 20, timeWindow: 60_000 } };
    scope.get('/login', { config: signInLimit }, async (request, reply) => {
      const returnTo = (request.query as Record<string, unknown>).return;
      let started;
      try {
        started = await signIn.start(typeof returnTo === 'string' ? returnTo : '/console/queue', ctx.deps.now());
      } catch (error) {
        log.error({ err: error, issuer: options.config.issuer }, 'the identity provider does not answer');
        return sendPage(reply.code(503), messagePage(frame(request), 'Sign-in unavailable', `The identity provider (OIDC_ISSUER) does not answer. Try again in a minute; if it lasts, check OIDC_ISSUER.`));
      }
      reply.setCookie(PENDING, JSON.stringify(started.pending), { ...cookieBase, maxAge: 600 });
      return reply.redirect(started.url, 303);
    });

    scope.get('/callback', { config: signInLimit }, async (request, reply) => {
      const raw = request.cookies[PENDING];
      const unsigned = raw ? request.unsignCookie(raw) : undefined;
      let pending: PendingSignIn | undefined;
      try {
        pending = unsigned?.valid && unsigned.value ? (JSON.parse(unsigned.value) as PendingSignIn) : undefined;
      } catch {
        pending = undefined;
      }
      const retry = { href: '/console/login', label: 'Sign in again' };
      if (!pending || pending.exp * 1000 <= ctx.deps.now()) return sendPage(reply.code(400), messagePage(frame(request), 'Sign-in expired', 'This sign-in took too long or was started elsewhere.', retry));
      let user: ConsoleUser;
      try {
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        user = await signIn.finish(query, pending, ctx.deps.now());
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'sign-in refused');
        return sendPage(reply.code(400), messagePage(frame(request), 'Sign-in failed', 'The identity provider\'s answer could not be checked.', retry));
      }
      log.info({ user: user.name, actor: user.actor }, 'signed in to the console');
      reply.clearCookie(PENDING, { path: '/console' });
      reply.setCookie(SESSION, JSON.stringify(user), { ...cookieBase, maxAge: SESSION_HOURS * 3600 });
      return reply.redirect(pending.returnTo, 303);
    });

    scope.post('/logout', { preHandler: scope.csrfProtection }, async (_request, reply) => {
      reply.clearCookie(SESSION, { path: '/console' });
      return reply.redirect('/console/signed-out', 303);
    });
    scope.get('/signed-out', async (request, reply) => sendPage(reply, messagePage(frame(request), 'Signed out', 'You are signed out of the console.', { href: '/console/login', label: 'Sign in' })));

    // A card's button: checked before anything else, then sign-in, then the alert page.
    scope.get('/link', async (request, reply) => {
      const check = verifyAlertLink(options.secretKey, request.query as Record<string, unknown>, ctx.deps.now());
      if (!check.ok) {
        log.warn({ reason: check.reason }, 'card link refused');
        const text = check.reason === 'expired' ? 'This card\'s link has expired. Open the alert from the queue instead.' : 'This link is not one Triage made. Open the alert from the queue instead.';
        return sendPage(reply.code(403), messagePage(frame(request), 'Link refused', text, { href: '/console/queue', label: 'The queue' }));
      }
      if (!signedIn(request, reply)) return reply;
      const target = check.action === 'reply' ? `/console/alerts/${check.alertId}/reply` : `/console/alerts/${check.alertId}${check.action === 'claim' || check.action === 'resolve' ? `?do=${check.action}` : ''}`;
      return reply.redirect(target, 303);
    });

    scope.get('/queue', async (request, reply) => {
      if (!signedIn(request, reply)) return reply;
      const q = request.query as Record<string, string | undefined>;
      const urgency = URGENCIES.includes(q.urgency as Urgency) ? (q.urgency as Urgency) : undefined;
      const state = q.state === 'any' || ALERT_STATES.includes(q.state as AlertState) ? (q.state as AlertState | 'any') : undefined;
      const platforms = await queries.platforms();
      const platform = platforms.includes(q.platform ?? '') ? q.platform : undefined;
      const overdue = q.overdue === '1';
      const now = ctx.deps.now();
      const ids = await queries.queueIds({ urgency, state, platform, overdue, now, limit: 200 });
      const alerts = (await Promise.all(ids.map(async (id) => ctx.deps.store.getAlert(id)))).filter((a) => a !== null);
      return sendPage(reply, queuePage({ ...frame(request, reply), title: 'Queue' }, alerts, { urgency, state, platform, overdue }, platforms));
    });

    const showAlert = async (request: FastifyRequest, reply: FastifyReply, id: number, extra: { confirm?: string | undefined; notice?: { tone: 'ok' | 'refused'; text: string } | undefined }) => {
      const alert = await ctx.deps.store.getAlert(id);
      if (!alert) return sendPage(reply.code(404), messagePage(frame(request), 'No such alert', `There is no alert #${id}.`, { href: '/console/queue', label: 'The queue' }));
      const card = await cardOf(ctx, alert);
      const history = await ctx.deps.store.alertEvents(id);
      const pageFrame = { ...frame(request, reply), title: `Alert #${id}` };
      const drafts = await renderReplies({ ctx }, pageFrame, id, request.consoleUser);
      return sendPage(reply, alertPage(pageFrame, { alert, replies: card.replies, history, corrections: card.corrections, relabel: relabelChoices(card), drafts, ...extra }));
    };
    const alertId = (request: FastifyRequest) => {
      const raw = (request.params as { id?: string }).id ?? '';
      return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    };

    scope.get('/alerts/:id', async (request, reply) => {
      if (!signedIn(request, reply)) return reply;
      const id = alertId(request);
      if (id === undefined) return sendPage(reply.code(404), messagePage(frame(request), 'No such alert', 'That is not an alert number.'));
      const q = request.query as Record<string, string | undefined>;
      const notice = q.ok && CONSOLE_ACTIONS.has(q.ok) ? { tone: 'ok' as const, text: `Done: ${q.ok}.` } : q.reply && Object.hasOwn(REPLY_NOTICES, q.reply) ? { tone: 'ok' as const, text: REPLY_NOTICES[q.reply] as string } : undefined;
      return showAlert(request, reply, id, { confirm: q.do, notice });
    });

    scope.post('/alerts/:id/act', { preHandler: scope.csrfProtection }, async (request, reply) => {
      const user = request.consoleUser;
      const id = alertId(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const action = typeof body.action === 'string' ? body.action : '';
      if (!user || !user.actor) {
        log.warn({ user: user?.name, alertId: id, action }, 'console action refused: not in an actor group');
        return sendPage(reply.code(403), messagePage(frame(request), 'Refused', user ? 'You can read the console but not act: acting needs one of its actor groups (OIDC_ACTOR_GROUPS).' : 'Sign in first.', { href: '/console/queue', label: 'The queue' }));
      }
      const handler = options.actions.find((a) => a.id === action);
      if (id === undefined || !handler || !CONSOLE_ACTIONS.has(action)) return sendPage(reply.code(400), messagePage(frame(request), 'Not done', 'That is not an action the console offers.'));
      const value = typeof body.value === 'string' ? body.value.slice(0, 40) : undefined;
      const outcome: ActionOutcome = await handler.run({ alertId: id, actor: { name: user.name, ref: `oidc:${user.sub}`, chat: 'web' }, value }, ctx);
      if (outcome.kind === 'card') {
        // Chats whose cards can be redrawn (Discord, Slack) show the change too.
        await Promise.all([id, ...(await ctx.deps.store.groupMembers(id))].map(async (alert) => queries.markStale(alert)));
        if (outcome.announce === 'escalation') await options.announceEscalation?.(id, outcome.alert.urgency, user.name).catch((error: unknown) => log.error({ err: error, alertId: id }, 'could not announce the escalation'));
        return reply.redirect(`/console/alerts/${id}?ok=${action}`, 303);
      }
      const text = outcome.kind === 'refused' ? outcome.text : outcome.title;
      return showAlert(request, reply.code(outcome.kind === 'refused' ? 409 : 200), id, { notice: { tone: outcome.kind === 'refused' ? 'refused' : 'ok', text } });
    });

    registerReplyRoutes(scope, { ctx, frame, sendPage, signedIn, alertId });

    scope.get('/sla', async (request, reply) => {
      if (!signedIn(request, reply)) return reply;
      const report = await options.slaReport(ctx);
      const sections = report.kind === 'report' ? report.sections : [{ title: 'SLA', lines: [report.kind === 'text' ? report.text : ''] }];
      return sendPage(reply, reportPage({ ...frame(request, reply), title: 'SLA report' }, 'SLA report', sections));
    });

    scope.get('/digest', async (request, reply) => {
      if (!signedIn(request, reply)) return reply;
      const asked = (request.query as Record<string, string | undefined>).week;
      const week = asked ? parseWeek(asked, ctx.timeZone) : previousWeek(ctx.deps.now(), ctx.timeZone);
      if (!week) return sendPage(reply.code(400), messagePage(frame(request), 'Weekly digest', 'Give the week as an ISO week such as 2026-W47.'));
      const digest = await buildDigest(ctx.digest, week, ctx.timeZone);
      // The e-mail page's body: escaped by its renderer, the chart embedded as a data: image (allowed by the CSP).
      const full = renderDigestHtml(digest.data, digest.chartPng);
      const body = full.slice(full.indexOf('<body>') + '<body>'.length, full.lastIndexOf('</body>'));
      return sendPage(reply, page({ ...frame(request, reply), title: `Weekly digest ${digest.data.week}` }, trusted(body)));
    });
  }, { prefix: '/console' });
}
