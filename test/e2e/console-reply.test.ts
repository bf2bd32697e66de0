import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountDirectory } from '../../src/accounts.js';
import { createTeamsChat } from '../../src/chat/teams/teams-chat.js';
import type { HandlerContext } from '../../src/chat/handler-types.js';
import { decideFor, dispatchPending } from '../../src/pipeline.js';
import { createMastodonClient } from '../../src/sources/mastodon/mastodon-client.js';
import { mastodonPublisher } from '../../src/sources/mastodon/mastodon-publisher.js';
import { sendReplies } from '../../src/sources/send-replies.js';
import type { HttpListener } from '../../src/web/http-listener.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { ConsoleClient, pageText } from '../helpers/console-client.js';
import { launchChromium, SECRET_KEY, startConsoleServer } from '../helpers/console-server.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { ROOT } from '../helpers/setup.js';
import { TestIdentityProvider } from '../helpers/test-identity-provider.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const UNSAFE = '@pat So sorry about the bill from your visit last week. <b>@everyone</b>';
const SAFE = '@pat We are sorry for the trouble. Please send us a private message so we can help.';

/**
 * The Teams path of "reply from the card", in Debian's Chromium: a Teams card's Reply button opens
 * the console's reply page (signed link, sign-in through a real OpenID provider), the guard blocks
 * a reply that confirms the patient (the problems beside the text, the text kept, nothing sent),
 * the edited reply waits for a second person with the approver role (its author cannot approve it),
 * the approver approves, the reply dispatcher sends it once to the fake Mastodon, the first
 * response is recorded and the alert page shows who replied.
 */
describe('replying from a Teams card through the console', { timeout: 90_000 }, () => {
  const idp = new TestIdentityProvider({
    ana: { name: 'Ana Lopez', groups: ['triage-actors', 'triage-approvers'] },
    ben: { name: 'Ben Okafor', groups: ['triage-approvers'] },
    cy: { name: 'Cy Park', groups: ['triage-actors'] },
  });
  const teams = new FakeTeamsWorkflow();
  const mastodon = new FakeMastodon();
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let server: { listener: HttpListener; baseUrl: string };
  const browsers: Array<{ context: BrowserContext; close: () => Promise<void> }> = [];
  const signal = new AbortController().signal;
  let postId = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await Promise.all([teams.start(), mastodon.start()]);
    fx = await pipelineFixture();
    // Every reply on this account waits for a second person.
    fx.deps.accounts = accountDirectory([{ id: 'mastodon', platform: 'mastodon', name: 'Riverbend on Mastodon', routing: {}, fromFile: false, variables: {}, approval: 'all', config: { url: mastodon.baseUrl, accessToken: mastodon.token, backfillHours: 24 } }]);
    const ctx: HandlerContext = { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
    const issuer = await idp.listen();
    server = await startConsoleServer({ issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, actorGroups: ['triage-actors'], approverGroups: ['triage-approvers'], ctx });
    await idp.start(`${server.baseUrl}/console/callback`);
    const author = mastodon.addAccount({ username: 'pat', displayName: 'Pat', followers: 3 });
    const post = mastodon.addStatus({ account: author, content: '<p>@riverbend my bill went to collections after insurance paid</p>' });
    postId = post.id;
    const now = Date.now();
    await fx.store.ingest({ source: 'mastodon', mentions: [{ ...mention({ platform: 'mastodon', nativeId: post.id, text: '@riverbend my bill went to collections after insurance paid', createdAt: now - 60_000 }), account: 'mastodon' }], now }, decideFor(fx.deps));
    const chat = createTeamsChat({ config: { workflowUrl: teams.url }, links: { baseUrl: server.baseUrl, key: SECRET_KEY }, log: fx.log, now: Date.now, signal });
    expect(await dispatchPending(chat, fx.deps, signal)).toMatchObject({ posted: 1 });
  }, 60_000);
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.listener.close();
    await idp.stop();
    await Promise.all([teams.stop(), mastodon.stop()]);
    fx?.close();
  });

  async function browser(): Promise<Page> {
    const b = await launchChromium();
    browsers.push(b);
    return b.context.newPage();
  }
  async function signIn(page: Page, login: string): Promise<void> {
    await page.waitForSelector('input[name="login"]', { timeout: 10_000 });
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any password');
    await Promise.all([page.waitForURL((url) => url.href.startsWith(server.baseUrl) && !url.pathname.endsWith('/callback')), page.click('button[type="submit"]')]);
  }

  it('compose → blocked → edit → approved by a second person → sent once → first response → the alert page shows who replied', async () => {
    const ana = await browser();
    const reply = teams.posts[0]!.card.actions!.find((a) => a.title === 'Reply')!.url;
    await ana.goto(reply);
    await signIn(ana, 'ana');
    expect(new URL(ana.url()).pathname).toBe('/console/alerts/1/reply');
    const text = ana.locator('textarea[name="text"]');
    expect(await text.getAttribute('maxlength')).toBe('500');
    expect(await text.inputValue()).toMatch(/^@user\d+ \S/);

    // The guard blocks a reply that confirms the patient: the problems beside the text, kept for editing, nothing sent.
    await text.fill(UNSAFE);
    await Promise.all([ana.waitForLoadState('load'), ana.click('button:has-text("Check and send")')]);
    await ana.waitForSelector('#problems');
    expect(await ana.textContent('#problems')).toMatch(/Not sent: the reply guard blocked this reply[\s\S]*confirms the author is a patient/);
    expect(await ana.locator('textarea[name="text"]').inputValue()).toBe(UNSAFE);
    expect(await ana.locator('main b').count()).toBe(0);
    expect(mastodon.repliesTo(postId)).toEqual([]);
    expect((await fx.store.replies.get(1))!.state).toBe('blocked');
    await ana.screenshot({ path: join(ARTIFACTS, 'reply-blocked.png'), fullPage: true });

    // Edited: it now waits for a second person; its author sees no Approve.
    await ana.locator('textarea[name="text"]').fill(SAFE);
    await Promise.all([ana.waitForURL(/\?reply=awaiting#draft-1$/), ana.click('button:has-text("Check and send")')]);
    expect(await ana.textContent('main')).toContain('waits for a second person');
    expect(await ana.textContent('#draft-1')).toContain('waiting for a second person to approve');
    expect(await ana.locator('#draft-1 button[value="approve"]').count()).toBe(0);
    expect(await ana.textContent('#draft-1')).toContain('You wrote or last edited this reply');
    // Nor can she approve it by a forged POST with a good CSRF token: the store refuses the author.
    const csrf = await ana.locator('input[name="_csrf"]').first().getAttribute('value');
    const forged = await ana.request.post(`${server.baseUrl}/console/replies/1/approve`, { form: { _csrf: csrf! }, maxRedirects: 0 });
    expect(forged.status()).toBe(409);
    expect(pageText(await forged.text())).toContain('Not approved: a reply needs a second person');
    expect(mastodon.repliesTo(postId)).toEqual([]);

    // Someone who may act but not approve is refused by role.
    const cy = new ConsoleClient(server.baseUrl);
    await cy.signIn('cy');
    const refused = await cy.submit('/console/alerts/1', '/console/replies/1/approve', {});
    expect(refused.status).toBe(403);
    expect(pageText(refused.body)).toContain('OIDC_APPROVER_GROUPS');
    // And without a CSRF token nothing is accepted at all.
    expect((await cy.go('/console/replies/1/approve', { form: { _csrf: 'forged' } })).status).toBe(403);

    // A second person with the approver role approves.
    const ben = await browser();
    await ben.goto(`${server.baseUrl}/console/alerts/1`);
    await signIn(ben, 'ben');
    expect(await ben.textContent('#draft-1 pre')).toBe(SAFE);
    expect(await ben.textContent('#draft-1')).toContain('Reply guard: ok');
    await Promise.all([ben.waitForURL(/\?reply=approved#draft-1$/), ben.click('#draft-1 button[value="approve"]')]);
    expect((await fx.store.replies.get(1))!).toMatchObject({ state: 'queued', approvedBy: 'Ben Okafor' });

    // The reply dispatcher sends it once.
    const publisher = mastodonPublisher(createMastodonClient({ url: mastodon.baseUrl, accessToken: mastodon.token }));
    expect(await sendReplies({ store: fx.store, log: fx.log, now: fx.deps.now, publisherFor: () => publisher })).toEqual({ sent: 1, failed: 0, retrying: 0 });
    expect(await sendReplies({ store: fx.store, log: fx.log, now: fx.deps.now, publisherFor: () => publisher })).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(mastodon.repliesTo(postId).map((s) => s.content)).toEqual([expect.stringContaining('We are sorry for the trouble')]);
    const alert = (await fx.store.getAlert(1))!;
    expect(alert).toMatchObject({ state: 'responded', respondedBy: 'Ana Lopez' });
    expect(alert.firstResponseAt).toBe((await fx.store.replies.get(1))!.sentAt);
    expect((await fx.store.replies.events(1)).map((e) => [e.actor, e.action])).toEqual([['Ana Lopez', 'draft'], ['Ana Lopez', 'edit'], ['Ben Okafor', 'approve'], ['triage', 'send attempt'], ['triage', 'sent']]);

    // The alert page shows who replied, the text and a link, and the draft's audit.
    await ana.goto(`${server.baseUrl}/console/alerts/1`);
    expect(await ana.textContent('p.state')).toContain('responded by Ana Lopez');
    expect(await ana.textContent('#draft-1')).toContain('Replied by Ana Lopez');
    expect(await ana.textContent('#draft-1')).toContain('approved by Ben Okafor');
    expect(await ana.getAttribute('#draft-1 a:has-text("open the reply")', 'href')).toMatch(new RegExp(`^${mastodon.baseUrl}/`));
    const audit = await ana.locator('#draft-1 details tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent).join(' ')));
    expect(audit).toEqual([
      expect.stringContaining('Ana Lopez draft'), expect.stringContaining('Ana Lopez edit'), expect.stringContaining('Ben Okafor approve'), expect.stringContaining('triage send attempt'), expect.stringContaining('triage sent'),
    ]);
    expect(await ana.textContent('#history + .table tbody')).toContain('respond');
    await ana.screenshot({ path: join(ARTIFACTS, 'reply-sent.png'), fullPage: true });
  });

  it('lets an approver reject with a reason; an edit by another person asks again, and whoever edited cannot approve', async () => {
    const [cy, ana, ben] = [new ConsoleClient(server.baseUrl), new ConsoleClient(server.baseUrl), new ConsoleClient(server.baseUrl)];
    await cy.signIn('cy');
    await ana.signIn('ana');
    await ben.signIn('ben');
    const written = await cy.submit('/console/alerts/1/reply', '/console/alerts/1/reply', { text: '@pat Thank you, we would like to help: please send us a private message.' });
    expect(written.url).toMatch(/\?reply=awaiting#draft-2$/);
    const rejected = await ben.submit('/console/alerts/1', '/console/replies/2/reject', { reason: 'too casual <script>x</script>' });
    expect(rejected.url).toMatch(/\?reply=rejected#draft-2$/);
    expect(rejected.body).toContain('too casual &lt;script&gt;x&lt;/script&gt;');
    expect((await fx.store.replies.get(2))!).toMatchObject({ state: 'rejected' });

    // Ana (an actor and an approver) edits Cy's reply: it waits again, and she may not approve her own edit.
    const editor = await ana.go('/console/alerts/1/reply?draft=2');
    expect(editor.body).toContain('name="draft" value="2"');
    expect(editor.body).toContain('please send us a private message.</textarea>');
    const edited = await ana.submit('/console/alerts/1/reply?draft=2', '/console/alerts/1/reply', { draft: '2', text: '@pat Thank you for telling us. Please send us a private message so we can help.' });
    expect(edited.url).toMatch(/\?reply=awaiting#draft-2$/);
    expect((await ana.submit('/console/alerts/1', '/console/replies/2/approve', {})).status).toBe(409);
    expect((await ben.submit('/console/alerts/1', '/console/replies/2/approve', {})).url).toMatch(/\?reply=approved#draft-2$/);
    expect((await fx.store.replies.get(2))!).toMatchObject({ state: 'queued', author: 'Cy Park', lastEditor: 'Ana Lopez', approvedBy: 'Ben Okafor' });
    expect((await fx.store.replies.events(2)).map((e) => [e.actor, e.action])).toEqual([['Cy Park', 'draft'], ['Ben Okafor', 'reject'], ['Ana Lopez', 'edit'], ['Ben Okafor', 'approve']]);
  });

  it('opens each suggested reply on the reply page, and shows a reader the text without the form', async () => {
    const client = new ConsoleClient(server.baseUrl);
    await client.signIn('ben');
    const alertPage = await client.go('/console/alerts/1');
    const links = [...alertPage.body.matchAll(/href="(\/console\/alerts\/1\/reply\?template=[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    // Ben approves but is no actor: no "Reply with this" for him.
    expect(links).toEqual([]);
    const cy = new ConsoleClient(server.baseUrl);
    await cy.signIn('cy');
    const offered = [...(await cy.go('/console/alerts/1')).body.matchAll(/href="(\/console\/alerts\/1\/reply\?template=[^"]+)"/g)].map((m) => m[1]!);
    expect(offered.length).toBeGreaterThan(0);
    const opened = await cy.go(offered[0]!);
    expect(opened.body).toMatch(/<textarea[^>]*maxlength="500"[^>]*>@user\d+ /);
    const readOnly = await client.go(offered[0]!);
    expect(readOnly.body).not.toContain('<textarea');
    expect(pageText(readOnly.body)).toContain('Writing a reply needs one of the console\'s actor groups');
  });
});
