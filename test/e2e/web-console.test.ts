import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeamsChat } from '../../src/chat/teams/teams-chat.js';
import type { HandlerContext } from '../../src/chat/handler-types.js';
import { decideFor, dispatchPending, runSlaSweep } from '../../src/pipeline.js';
import { announcingOnTeams } from '../../src/chat/teams/teams-escalations.js';
import { actions } from '../../handlers/index.js';
import { signedAlertLink } from '../../src/web/card-links.js';
import type { HttpListener } from '../../src/web/http-listener.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { launchChromium, SECRET_KEY, startConsoleServer } from '../helpers/console-server.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { ROOT } from '../helpers/setup.js';
import { TestIdentityProvider } from '../helpers/test-identity-provider.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const XSS = 'my appointment was cancelled twice and nobody told me, awful service <img src=x onerror="window.__xss=1"><script>window.__xss=2</script> **bold** @everyone';

/**
 * The console in Debian's Chromium (playwright-core): a real OpenID provider (oidc-provider) on
 * 127.0.0.1, the real HTTP listener and handlers on a real SQLite store, Teams cards posted to the
 * fake Workflows endpoint and their links followed as a person would.
 */
describe('the web console in a browser', { timeout: 60_000 }, () => {
  const idp = new TestIdentityProvider({
    ana: { name: 'Ana Lopez', groups: ['triage-actors'] },
    rita: { name: 'Rita Reader', groups: ['everyone'] },
  });
  const teams = new FakeTeamsWorkflow();
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let server: { listener: HttpListener; baseUrl: string };
  let chat: ReturnType<typeof createTeamsChat>;
  const browsers: Array<{ context: BrowserContext; close: () => Promise<void> }> = [];
  const signal = new AbortController().signal;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fx = await pipelineFixture();
    await teams.start();
    const ctx: HandlerContext = { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
    const issuer = await idp.listen();
    // Teams is the only chat: escalations are queued for it (as the composition root does).
    server = await startConsoleServer({ issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, actorGroups: ['triage-actors'], ctx, actions: announcingOnTeams(actions, []) });
    await idp.start(`${server.baseUrl}/console/callback`);
    const now = Date.now();
    fx.store.ingest({ source: 'test', mentions: ['the portal is down again and nobody answers the phone', XSS].map((text) => mention({ text, createdAt: now - 60_000 })), now }, decideFor(fx.deps));
    chat = createTeamsChat({ config: { workflowUrl: teams.url }, links: { baseUrl: server.baseUrl, key: SECRET_KEY }, log: fx.log, now: Date.now, signal, escalatedBy: async (id) => (await fx.store.alertEvents(id)).filter((e) => e.action === 'escalate').at(-1)?.actor });
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 2 });
  }, 60_000);
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.listener.close();
    await idp.stop();
    await teams.stop();
    fx?.close();
  });

  async function browser(): Promise<Page> {
    const b = await launchChromium();
    browsers.push(b);
    return b.context.pages()[0] ?? b.context.newPage();
  }
  /** The card's button with this title, for this alert, as posted to Teams. */
  const cardLink = (alertId: number, title: string) => {
    const post = teams.posts.find((p) => p.raw.includes(`alert #${alertId} · live status in the console`))!;
    return post.card.actions!.find((a) => a.title === title)!.url;
  };
  async function signIn(page: Page, login: string): Promise<void> {
    await page.waitForSelector('input[name="login"]', { timeout: 10_000 }).catch(async (error: unknown) => {
      throw new Error(`no login form at ${page.url()}: ${(await page.content()).slice(0, 600)}`, { cause: error });
    });
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any password');
    await Promise.all([page.waitForURL((url) => url.href.startsWith(server.baseUrl) && !url.pathname.endsWith('/callback')), page.click('button[type="submit"]')]);
  }

  it('follows a Teams card\'s Claim button, signs in, claims, snoozes and resolves; the store follows, in the person\'s name', async () => {
    const page = await browser();
    await page.goto(cardLink(1, 'Claim'));
    expect(new URL(page.url()).origin).toBe(idp.issuer);
    await signIn(page, 'ana');
    expect(new URL(page.url()).pathname).toBe('/console/alerts/1');
    await page.click('form.confirm button');
    await page.waitForURL(/\?ok=claim$/);
    expect(await page.textContent('h1')).toContain('claimed · Ana Lopez');
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'claimed', assignee: 'Ana Lopez' });

    await page.selectOption('form:has(button[value="snooze"]) select[name="value"]', '4h');
    await page.click('button[value="snooze"]');
    await page.waitForURL(/\?ok=snooze$/);
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'snoozed' });
    await page.screenshot({ path: join(ARTIFACTS, 'alert.png'), fullPage: true });

    await page.click('button[value="resolve"]');
    await page.waitForURL(/\?ok=resolve$/);
    expect(await fx.store.getAlert(1)).toMatchObject({ state: 'resolved' });
    const events = await fx.store.alertEvents(1);
    expect(events.map((e) => [e.actor, e.action])).toEqual([['Ana Lopez', 'claim'], ['Ana Lopez', 'snooze'], ['Ana Lopez', 'resolve']]);
    expect(events[0]!.detail).toMatchObject({ chat: 'web' });
    expect(await page.locator('#history + .table tbody tr').count()).toBe(3);

    await page.goto(`${server.baseUrl}/console/queue?state=any`);
    expect(await page.locator('tbody tr').count()).toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'queue.png'), fullPage: true });
    await page.goto(`${server.baseUrl}/console/queue?urgency=critical`);
    expect(await page.textContent('tbody')).toContain('Nothing matches.');
  });

  it('keeps a hostile post inert: its HTML is shown as text, nothing runs, and the CSP allows no script', async () => {
    const page = await browser();
    const dialogs: string[] = [];
    page.on('dialog', (d) => void dialogs.push(d.message()).valueOf());
    const response = await page.goto(cardLink(2, 'Open'));
    await signIn(page, 'ana');
    expect(new URL(page.url()).pathname).toBe('/console/alerts/2');
    expect(await page.textContent('blockquote.text')).toBe(XSS);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    const csp = (await page.request.get(`${server.baseUrl}/console/alerts/2`)).headers()['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(response).not.toBeNull();
  });

  it('shows a reader without the actor group no action, and refuses a forged POST', async () => {
    const page = await browser();
    await page.goto(`${server.baseUrl}/console/alerts/2`);
    await signIn(page, 'rita');
    expect(new URL(page.url()).pathname).toBe('/console/alerts/2');
    expect(await page.textContent('header')).toContain('Rita Reader (read only)');
    expect(await page.locator('form[action$="/act"]').count()).toBe(0);
    // With a valid CSRF token (from the sign-out form) and the session cookie: still refused.
    const csrf = await page.inputValue('form[action="/console/logout"] input[name="_csrf"]');
    const forged = await page.request.post(`${server.baseUrl}/console/alerts/2/act`, { form: { _csrf: csrf, action: 'claim' } });
    expect(forged.status()).toBe(403);
    // Without the token at all: refused by the CSRF check.
    const noToken = await page.request.post(`${server.baseUrl}/console/alerts/2/act`, { form: { action: 'dismiss', value: 'spam' } });
    expect(noToken.status()).toBe(403);
    expect(await fx.store.getAlert(2)).toMatchObject({ state: 'open' });
    expect((await fx.store.alertEvents(2)).length).toBe(0);
  });

  it('refuses a tampered or expired card link, and every page and action without sign-in', async () => {
    const page = await browser();
    const tampered = cardLink(1, 'Claim').replace(/a=1&/, 'a=2&');
    let response = await page.goto(tampered);
    expect(response!.status()).toBe(403);
    expect(await page.textContent('main')).toContain('This link is not one Triage made.');
    const expired = signedAlertLink({ baseUrl: server.baseUrl, key: SECRET_KEY, ttlMs: 1000 }, 1, 'claim', Date.now() - 60_000);
    response = await page.goto(expired);
    expect(response!.status()).toBe(403);
    expect(await page.textContent('main')).toContain('has expired');
    const anonymous = await fetch(`${server.baseUrl}/console/queue`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/console/login?return=%2Fconsole%2Fqueue');
    const post = await fetch(`${server.baseUrl}/console/alerts/2/act`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=claim' });
    expect(post.status).toBe(403);
    expect(await fx.store.getAlert(2)).toMatchObject({ state: 'open' });
  });

  it('serves the SLA report and the weekly digest with its chart to a signed-in reader', async () => {
    const page = await browser();
    await page.goto(`${server.baseUrl}/console/sla`);
    await signIn(page, 'rita');
    expect(await page.textContent('h1')).toBe('SLA report');
    expect(await page.textContent('main')).toMatch(/Past first-response target: \d+/);
    await page.goto(`${server.baseUrl}/console/digest`);
    expect(await page.textContent('h1')).toMatch(/^Weekly digest \d{4}-W\d\d$/);
    expect(await page.locator('main img[src^="data:image/png;base64,"]').count()).toBe(1);
  });

  it('announces an escalation from the console on Teams, naming who escalated', async () => {
    const page = await browser();
    await page.goto(`${server.baseUrl}/console/alerts/2`);
    await signIn(page, 'ana');
    const before = teams.posts.length;
    await Promise.all([page.waitForURL(/\?ok=escalate$/), page.click('button[value="escalate"]')]);
    // Queued for Teams, posted by the SLA sweep, once.
    expect((await runSlaSweep(chat, fx.deps, signal)).sent).toBe(1);
    expect((await runSlaSweep(chat, fx.deps, signal)).sent).toBe(0);
    expect(teams.posts).toHaveLength(before + 1);
    const alert = await fx.store.getAlert(2);
    expect(teams.posts.at(-1)!.raw).toMatch(new RegExp(`Escalation: alert #2 \\(${alert!.urgency}, [^)]*\\) escalated by Ana Lopez\\.`));
    expect((await fx.store.alertEvents(2)).map((e) => [e.actor, e.action])).toEqual([['Ana Lopez', 'escalate']]);
  });

  it('limits sign-in attempts per address, the address as the reverse proxy passes it', async () => {
    const attempt = (from: string) => fetch(`${server.baseUrl}/console/login`, { redirect: 'manual', headers: { 'x-forwarded-for': from } });
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await attempt('203.0.113.9')).status);
    expect(statuses.slice(0, 20).every((s) => s === 303)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect((await attempt('203.0.113.10')).status).toBe(303);
  });
});
