import { describe, expect, it } from 'vitest';
import { customId, inert, LIMITS, parseCustomId, renderAlertComponents, renderAlertEmbed, truncate } from '../../src/chat/discord/render-alert-card.js';
import type { AlertView } from '../../src/domain/alert.js';
import { parseReplyControl, renderComposeModal, REPLY_INPUT, replyControlId, WRITE_OPTION } from '../../src/chat/discord/render-discord-reply.js';
import { renderSlackCard } from '../../src/chat/slack/render-slack-card.js';
import { renderConsoleCard } from '../../src/chat/console/render-console-card.js';
import { renderTeamsAlertCard, teamsCardTitle } from '../../src/chat/teams/render-teams-card.js';
import { fingerprint, planDispatch } from '../../src/triage/plan-dispatch.js';
import { nextBusinessMorning, zonedTimeToUtc } from '../../src/triage/business-time.js';

const now = Date.UTC(2026, 10, 20, 15, 0);

function alert(id: number, overrides: Partial<AlertView> = {}, mention: Partial<AlertView['mention']> = {}): AlertView {
  return {
    id, mentionId: id, state: 'open', urgency: 'normal', categories: ['complaint'], sentiment: 'negative', score: -3, reasons: ['negative words: rude'],
    createdAt: now, firstResponseDueAt: now + 3600_000, resolutionDueAt: now + 7200_000, policyVersion: 1, assignee: null,
    firstResponseAt: null, respondedBy: null, resolvedAt: null, snoozedUntil: null, waitingSince: null, chatMessageId: null,
    ...overrides,
    mention: { platform: 'x', nativeId: String(id), url: `https://x.com/a/status/${id}`, text: `the portal is down again ${id}`, createdAt: now - 60_000, authorHandle: `user${id}`, authorName: null, authorFollowers: 10, inReplyToText: null, ...mention },
  };
}

describe('alert card rendering', () => {
  it('tags a Spanish or Spanglish card on Teams as on the other chats, and an English one not at all', () => {
    expect(teamsCardTitle({ alert: alert(1, { language: 'es' }), replies: [] }, now)).toMatch(/ · es$/);
    expect(teamsCardTitle({ alert: alert(2, { language: 'mixed' }), replies: [] }, now)).toMatch(/ · es\+en$/);
    expect(teamsCardTitle({ alert: alert(3), replies: [] }, now)).toBe('NORMAL · complaint');
  });

  it('shows the account and a review\'s rating on every chat\'s card, the account name inert', () => {
    const review = alert(7, {}, { platform: 'google', stars: 2, account: 'north-google' });
    const card = { alert: review, replies: [], account: 'North @everyone <!channel> **Reviews**' };
    const embed = renderAlertEmbed(card, { now });
    expect(embed.fields).toEqual(expect.arrayContaining([
      { name: 'Rating', value: '★★☆☆☆ 2/5', inline: true },
      { name: 'Account', value: expect.not.stringMatching(/@everyone|\*\*Reviews\*\*/), inline: true },
    ]));
    const slack = JSON.stringify(renderSlackCard(card, { now }).blocks);
    expect(slack).toContain('★★☆☆☆ 2/5');
    expect(slack).toContain('account: North');
    expect(slack).not.toContain('<!channel>');
    const text = renderConsoleCard(card, now, 'UTC');
    expect(text).toMatch(/ · google · account: North @everyone <!channel> \*\*Reviews\*\* · ★★☆☆☆ 2\/5 · /);
    const teams = JSON.stringify(renderTeamsAlertCard(card, { now, links: { baseUrl: 'https://triage.example.org', key: 'k'.repeat(32) } }));
    expect(teams).toContain('Rating: ★★☆☆☆ 2/5');
    expect(teams).toContain('Account: North');
    const recommendation = renderAlertEmbed({ alert: alert(8, {}, { platform: 'facebook', recommends: false }), replies: [] }, { now });
    expect(recommendation.fields).toEqual(expect.arrayContaining([{ name: 'Rating', value: 'does not recommend', inline: true }]));
    expect(renderAlertEmbed({ alert: alert(9), replies: [] }, { now }).fields!.map((f) => f.name)).not.toContain('Account');
  });

  it('stays within every Discord limit for absurd input', () => {
    const huge = alert(1, { reasons: Array.from({ length: 100 }, () => 'x'.repeat(500)), categories: ['crisis', 'complaint', 'phi', 'question', 'review', 'praise', 'spam'] }, {
      text: '\u{1F621}'.repeat(10_000), authorName: 'n'.repeat(1000), authorHandle: 'h'.repeat(500), inReplyToText: 'r'.repeat(5000),
    });
    const grouped = Array.from({ length: 500 }, (_, i) => alert(i + 2, {}, { text: 'y'.repeat(1000) }));
    const embed = renderAlertEmbed({ alert: huge, replies: [], grouped }, { now });
    const total = (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.author?.name.length ?? 0) + (embed.footer?.text.length ?? 0)
      + (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(LIMITS.embedTotal);
    expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.description);
    expect(embed.fields!.length).toBeLessThanOrEqual(LIMITS.fields);
    for (const field of embed.fields!) expect(field.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    expect(embed.author!.name.length).toBeLessThanOrEqual(LIMITS.author);
  });

  it('never splits an emoji when cutting text', () => {
    const cut = truncate('\u{1F621}'.repeat(100), 11);
    expect(cut.length).toBeLessThanOrEqual(11);
    expect(cut).toBe(`${'\u{1F621}'.repeat(5)}…`);
  });

  it('makes markdown, masked links and mentions inert', () => {
    expect(inert('**bold** [x](http://e) @everyone <@&1>', 200)).toBe('\\*\\*bold\\*\\* \\[x\\](http://e) @\u200Beveryone \\<@\u200B&1>');
  });

  it('turns amber when at risk and dark red past the target', () => {
    const due = now + 3600_000;
    const fresh = renderAlertEmbed({ alert: alert(1, { firstResponseDueAt: due }, { createdAt: now }), replies: [] }, { now: now + 60_000 });
    const risky = renderAlertEmbed({ alert: alert(1, { firstResponseDueAt: due }, { createdAt: now }), replies: [] }, { now: now + 50 * 60_000 });
    const late = renderAlertEmbed({ alert: alert(1, { firstResponseDueAt: due }, { createdAt: now }), replies: [] }, { now: due + 1 });
    expect(fresh.color).toBe(0x1976d2);
    expect(risky.title).toMatch(/^AT RISK/);
    expect(late.title).toMatch(/^PAST TARGET/);
    expect(late.color).toBe(0x7f0000);
  });

  it('gives every component a custom id under 100 characters that parses back', () => {
    const rows = renderAlertComponents({ alert: alert(999_999_999_999), replies: [{ template: 'apologise-and-resolve', text: 'x', guard: { ok: true, problems: [] } }] });
    expect(rows.length).toBeLessThanOrEqual(5);
    for (const row of rows) {
      expect(row.components.length).toBeLessThanOrEqual(LIMITS.buttonsPerRow);
      for (const component of row.components) {
        const id = (component as { custom_id: string }).custom_id;
        expect(id.length).toBeLessThanOrEqual(LIMITS.customId);
        expect(parseCustomId(id)?.alertId).toBe(999_999_999_999);
      }
    }
    expect(parseCustomId(customId('claim', 5))).toEqual({ action: 'claim', alertId: 5 });
    expect(parseCustomId('t:claim:5; DROP TABLE')).toBeUndefined();
  });

  it('offers only Reopen (and "Wrong label?") on a closed alert', () => {
    const rows = renderAlertComponents({ alert: alert(3, { state: 'resolved' }), replies: [] });
    expect(rows.flatMap((r) => r.components.map((c) => (c as { custom_id: string }).custom_id))).toEqual(['t:reopen:3', 't:relabel:3']);
  });

  it('asks a person to confirm or clear a possible crisis, without a snooze, and shows who corrected what', () => {
    const possible = alert(4, { urgency: 'critical', categories: ['complaint'], reasons: ['possible crisis (self-harm): farewell without a plan'] });
    const ids = (card: Parameters<typeof renderAlertComponents>[0]) => renderAlertComponents(card).flatMap((r) => r.components.map((c) => (c as { custom_id: string }).custom_id));
    expect(ids({ alert: possible, replies: [] })).toEqual(['t:claim:4', 't:respond:4', 't:wait:4', 't:resolve:4', 't:escalate:4', 't:crisis-yes:4', 't:crisis-no:4', 't:dismiss:4', 't:reply:4', 't:relabel:4']);
    expect(renderAlertEmbed({ alert: possible, replies: [] }, { now }).title).toBe('CHECK NOW · POSSIBLE CRISIS · CRITICAL · complaint');

    const confirmed = { alert: possible, replies: [], corrections: [{ id: 1, alertId: 4, at: now, actor: '@ana', previous: null, correction: { kind: 'category' as const, category: 'crisis' as const, present: true } }] };
    expect(ids(confirmed)).toContain('t:snooze:4');
    const embed = renderAlertEmbed(confirmed, { now });
    expect(embed.title).toBe('CRITICAL · complaint, crisis');
    expect(embed.fields?.find((f) => f.name === 'Label corrected')?.value).toMatch(/^• is crisis, by @ana <t:\d+:R>$/);
    const menu = renderAlertComponents(confirmed).at(-1)!.components[0] as { options: Array<{ value: string }> };
    expect(menu.options.map((o) => o.value)).toEqual(expect.arrayContaining(['urgency:high', 'remove:crisis', 'add:phi']));
    expect(menu.options.map((o) => o.value)).not.toContain('urgency:critical');

    // Slack's card asks the same, and keeps the same choices.
    const slackIds = (c: Parameters<typeof renderSlackCard>[0]) => JSON.stringify(renderSlackCard(c, { now }).blocks).match(/t:[a-z-]+:4/g);
    expect(slackIds({ alert: possible, replies: [] })).toEqual(expect.arrayContaining(['t:crisis-yes:4', 't:crisis-no:4', 't:relabel:4']));
    expect(slackIds({ alert: possible, replies: [] })).not.toContain('t:snooze:4');
    expect(JSON.stringify(renderSlackCard(confirmed, { now }).blocks)).toContain('is crisis, by @ana');
  });
});

describe('planDispatch', () => {
  it('posts each alert alone below the storm threshold, critical first', () => {
    const plan = planDispatch([alert(1), alert(2, { urgency: 'critical' }), alert(3, { urgency: 'high' })], 20);
    expect(plan.map((p) => [p.alert.id, p.grouped.length])).toEqual([[2, 0], [3, 0], [1, 0]]);
  });

  it('groups a storm by near-identical text and by author, never grouping critical alerts', () => {
    const pending = [
      ...Array.from({ length: 30 }, (_, i) => alert(i + 1, {}, { text: `@Brand ER wait is 9 hours!!! #fail ${i}`, authorHandle: `a${i}` })),
      ...Array.from({ length: 5 }, (_, i) => alert(100 + i, {}, { text: `different complaint number ${'abcde'[i]}`, authorHandle: 'same_author' })),
      alert(200, { urgency: 'critical' }, { text: '@Brand ER wait is 9 hours!!! #fail 999', authorHandle: 'a0' }),
    ];
    const plan = planDispatch(pending, 10);
    expect(plan[0]).toMatchObject({ alert: { id: 200 }, grouped: [] });
    const sizes = plan.slice(1).map((p) => 1 + p.grouped.length).sort((a, b) => b - a);
    expect(sizes).toEqual([30, 5]);
  });

  it('gathers leftover groups by topic when a storm would still mean too many cards', () => {
    const pending = Array.from({ length: 60 }, (_, i) => alert(i + 1, { urgency: i % 2 ? 'normal' : 'high' }, { text: `unique words ${'x'.repeat(i % 26)}${String.fromCharCode(97 + (i % 26))} ${'y'.repeat(Math.floor(i / 26))}`, authorHandle: `u${i}` }));
    const plan = planDispatch(pending, 5, 10);
    expect(plan.length).toBeLessThanOrEqual(10);
    expect(plan.reduce((n, p) => n + 1 + p.grouped.length, 0)).toBe(60);
  });

  it('fingerprints posts by their words, not handles, links, numbers or punctuation', () => {
    expect(fingerprint('@Brand ER wait is 9 hours!!! https://t.co/x #fail 12')).toBe(fingerprint('ER wait is 10 hours @Other'));
  });
});

describe('business time', () => {
  const zone = 'America/New_York';

  it('snoozes to 09:00 local on the next weekday', () => {
    const friday = zonedTimeToUtc(2026, 11, 20, 16, 30, zone);
    expect(new Date(nextBusinessMorning(friday, zone)).toISOString()).toBe('2026-11-23T14:00:00.000Z');
    const tuesday = zonedTimeToUtc(2026, 11, 24, 8, 0, zone);
    expect(new Date(nextBusinessMorning(tuesday, zone)).toISOString()).toBe('2026-11-25T14:00:00.000Z');
  });

  it('keeps 09:00 local across a daylight-saving change', () => {
    const beforeSpring = zonedTimeToUtc(2026, 3, 6, 17, 0, zone);
    expect(new Date(nextBusinessMorning(beforeSpring, zone)).toISOString()).toBe('2026-03-09T13:00:00.000Z');
    const beforeFall = zonedTimeToUtc(2026, 10, 30, 17, 0, zone);
    expect(new Date(nextBusinessMorning(beforeFall, zone)).toISOString()).toBe('2026-11-02T14:00:00.000Z');
  });
});

describe('the Discord reply composer', () => {
  const compose = { kind: 'compose' as const, alertId: 999_999_999_999_999, draftId: 999_999_999_999_999, text: 'é'.repeat(9000), maxLength: 8000, platformName: 'Facebook with a very long platform name indeed', title: `Edit reply on ${'Facebook '.repeat(10)}` };

  it('keeps the modal within Discord\'s limits: custom id ≤ 100, title and label ≤ 45, text input ≤ 4,000', () => {
    const modal = renderComposeModal(compose, { notes: ['@everyone <!channel> **bold**'] });
    expect(modal.custom_id).toBe('t:compose:999999999999999:999999999999999');
    expect(modal.custom_id.length).toBeLessThanOrEqual(100);
    expect(modal.title.length).toBeLessThanOrEqual(45);
    const [notes, label] = modal.components as Array<any>;
    expect(notes.type).toBe(10);
    expect(notes.content).not.toContain('@everyone');
    expect(label.label.length).toBeLessThanOrEqual(45);
    expect(label.component).toMatchObject({ type: 4, style: 2, custom_id: REPLY_INPUT, max_length: 4000, required: true });
    expect(label.component.value).toHaveLength(4000);
    expect(renderComposeModal({ ...compose, maxLength: 300, text: '' }).components.at(-1)).toMatchObject({ component: { max_length: 300 } });
    expect((renderComposeModal({ ...compose, text: '' }).components.at(-1) as any).component.value).toBeUndefined();
  });

  it('reads back only the reply controls it draws, each naming its draft', () => {
    expect(parseReplyControl(replyControlId('reply-approve', 3, 7))).toEqual({ action: 'reply-approve', alertId: 3, draftId: 7 });
    expect(parseReplyControl(replyControlId('compose', 3))).toEqual({ action: 'compose', alertId: 3, draftId: undefined });
    expect(parseReplyControl('t:reply-approve:3')).toBeUndefined();
    expect(parseReplyControl('t:claim:3')).toBeUndefined();
    expect(parseReplyControl('t:compose:3:1234567890123456')).toBeUndefined();
  });

  it('offers "Write a reply…" first in the card\'s reply menu while the alert is open, on every card', () => {
    const menuOf = (card: Parameters<typeof renderAlertComponents>[0]) => renderAlertComponents(card).find((r) => (r.components[0] as { custom_id: string }).custom_id === `t:reply:${card.alert.id}`)?.components[0] as { options: Array<{ value: string }> } | undefined;
    expect(menuOf({ alert: alert(5), replies: [] })!.options.map((o) => o.value)).toEqual([WRITE_OPTION]);
    const many = Array.from({ length: 30 }, (_, i) => ({ template: `t-${i}`, text: 'hi', guard: { ok: true, problems: [] } }));
    const options = menuOf({ alert: alert(6), replies: many })!.options;
    expect(options).toHaveLength(LIMITS.selectOptions);
    expect(options[0]!.value).toBe(WRITE_OPTION);
    expect(menuOf({ alert: alert(7, { state: 'resolved' }), replies: [] })).toBeUndefined();
    expect(renderAlertComponents({ alert: alert(8), replies: many })).toHaveLength(5);
  });
});
