import { describe, expect, it } from 'vitest';
import { renderAlertEmbed } from '../../src/chat/discord/render-alert-card.js';
import { renderSlackCard } from '../../src/chat/slack/render-slack-card.js';
import { fitTeamsMessage, renderTeamsAlertCard } from '../../src/chat/teams/render-teams-card.js';
import type { AlertView } from '../../src/domain/alert.js';
import { signedAlertLink, verifyAlertLink } from '../../src/web/card-links.js';
import { escapeHtml, html, trusted } from '../../src/web/console/html.js';
import { safeReturn, userFromClaims } from '../../src/web/console/sign-in.js';

const now = Date.UTC(2026, 10, 24, 15, 0);
const links = { baseUrl: 'https://triage.example.org', key: 'k'.repeat(40) };
const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

function alert(overrides: Partial<AlertView> = {}, text = 'the portal is down again'): AlertView {
  return {
    id: 7, mentionId: 7, state: 'open', urgency: 'high', categories: ['complaint'], sentiment: 'negative', score: -3, reasons: ['negative words: rude'],
    createdAt: now, firstResponseDueAt: now + 3600_000, resolutionDueAt: now + 7200_000, policyVersion: 1, assignee: null,
    firstResponseAt: null, respondedBy: null, resolvedAt: null, snoozedUntil: null, waitingSince: null, chatMessageId: null,
    ...overrides,
    mention: { platform: 'x', nativeId: '7', url: 'https://x.com/a/status/7', text, createdAt: now - 60_000, authorHandle: 'pat', authorName: 'Pat', authorFollowers: 10, inReplyToText: null },
  };
}

describe('signed card links', () => {
  it('verifies its own link until it expires, and names the alert and action', () => {
    const url = signedAlertLink(links, 12, 'claim', now);
    expect(url).toMatch(/^https:\/\/triage\.example\.org\/console\/link\?a=12&do=claim&exp=\d+&sig=[\w-]{43}$/);
    expect(verifyAlertLink(links.key, query(url), now)).toEqual({ ok: true, alertId: 12, action: 'claim' });
    expect(verifyAlertLink(links.key, query(url), now + 15 * 24 * 3600_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another alert, another action, a longer expiry or another key', () => {
    const q = query(signedAlertLink(links, 12, 'open', now));
    expect(verifyAlertLink(links.key, { ...q, a: '13' }, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyAlertLink(links.key, { ...q, do: 'resolve' }, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyAlertLink(links.key, { ...q, exp: String(Number(q.exp) + 1) }, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyAlertLink('j'.repeat(40), q, now)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyAlertLink(links.key, { ...q, do: 'drop-tables' }, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyAlertLink(links.key, {}, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('puts an "Open in console" link on Discord and Slack cards when given one', () => {
    const link = signedAlertLink(links, 7, 'open', now);
    const embed = renderAlertEmbed({ alert: alert(), replies: [] }, { now, consoleLink: link });
    expect(embed.fields).toContainEqual({ name: 'Console', value: `[Open in console](${link})`, inline: true });
    expect(JSON.stringify(renderAlertEmbed({ alert: alert(), replies: [] }, { now }))).not.toContain('console');
    const slack = renderSlackCard({ alert: alert(), replies: [] }, { now, consoleLink: link });
    expect(JSON.stringify(slack.blocks)).toContain(`|Open in console>`);
  });

  it('draws a Teams card of any size within 28 KB, outside text in TextRuns only', () => {
    const message = renderTeamsAlertCard({ alert: alert({ reasons: Array.from({ length: 200 }, () => 'r'.repeat(400)) }, '\u{1F621}'.repeat(20_000)), replies: [] }, { now, links });
    const json = fitTeamsMessage(message);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(27_000);
    const walk = (items: Array<Record<string, unknown>>): string[] => items.flatMap((e) => (e.type === 'TextBlock' ? [String(e.text)] : Array.isArray(e.items) ? walk(e.items as Array<Record<string, unknown>>) : []));
    expect(walk(message.attachments[0]!.content.body).join('\n')).not.toContain('\u{1F621}');
  });
});

describe('console HTML and sign-in helpers', () => {
  it('escapes every value unless it is markup we wrote', () => {
    expect(html`<p>${'<script>"x"&\'`'}</p>`.value).toBe('<p>&lt;script&gt;&quot;x&quot;&amp;&#39;&#96;</p>');
    expect(html`<ul>${['<a>', trusted('<li>ok</li>')]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
    expect(escapeHtml(null)).toBe('');
  });

  it('returns only to console paths after sign-in', () => {
    expect(safeReturn('/console/alerts/3?do=claim')).toBe('/console/alerts/3?do=claim');
    for (const bad of ['https://evil.example/', '//evil.example/console/', '/other', '/console\\..\\x', undefined]) expect(safeReturn(bad)).toBe('/console/queue');
  });

  it('lets act only people with an actor group or role, and names them for the audit log', () => {
    expect(userFromClaims({ sub: 's1', name: 'Ana Lopez', groups: ['g1', 'g2'] }, ['g2'], now)).toMatchObject({ sub: 's1', name: 'Ana Lopez', actor: true });
    expect(userFromClaims({ sub: 's2', preferred_username: 'rita@h.example', roles: ['Reader'] }, ['Triage.Act'], now)).toMatchObject({ name: 'rita@h.example', actor: false });
    expect(userFromClaims({ sub: 's3', roles: 'Triage.Act' }, ['Triage.Act'], now)).toMatchObject({ name: 's3', actor: true });
    // Approvers: their own groups when OIDC_APPROVER_GROUPS is set, else the actor groups.
    expect(userFromClaims({ sub: 's4', groups: ['act'] }, ['act'], now)).toMatchObject({ actor: true, approver: true });
    expect(userFromClaims({ sub: 's5', groups: ['act'] }, ['act'], now, ['approve'])).toMatchObject({ actor: true, approver: false });
    expect(userFromClaims({ sub: 's6', roles: ['approve'] }, ['act'], now, ['approve'])).toMatchObject({ actor: false, approver: true });
  });
});
