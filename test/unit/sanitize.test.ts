import { describe, expect, it } from 'vitest';
import { renderConsoleCard } from '../../src/chat/console/render-console-card.js';
import { renderAlertEmbed } from '../../src/chat/discord/render-alert-card.js';
import { DISCORD_LIMITS, embedLength, fitBlocks, fitComponents, fitEmbed, inert, plain, safeUrl, SLACK_LIMITS, slackEscape, slackInert, slackLink, slackPlain, slackTime, terminalLine, terminalText, truncateMrkdwn } from '../../src/chat/sanitize.js';
import type { AlertView } from '../../src/domain/alert.js';

const now = Date.UTC(2026, 10, 20, 15, 0);

function alert(overrides: Partial<AlertView> = {}, mention: Partial<AlertView['mention']> = {}): AlertView {
  return {
    id: 7, mentionId: 7, state: 'open', urgency: 'high', categories: ['complaint'], sentiment: 'negative', score: -3, reasons: ['negative words: rude'],
    createdAt: now, firstResponseDueAt: now + 3600_000, resolutionDueAt: now + 7200_000, policyVersion: 1, assignee: null,
    firstResponseAt: null, respondedBy: null, resolvedAt: null, snoozedUntil: null, waitingSince: null, chatMessageId: null,
    ...overrides,
    mention: { platform: 'x', nativeId: '7', url: 'https://x.com/a/status/7', text: 'the portal is down again', createdAt: now - 60_000, authorHandle: 'pat', authorName: null, authorFollowers: 10, inReplyToText: null, ...mention },
  };
}

describe('the sanitiser', () => {
  it('breaks every mention and escapes markdown in text Discord renders', () => {
    const out = inert('@everyone @here <@123> <@!123> <@&456> <#789> </cmd:1> <t:0:R> **b** __u__ ~~s~~ ||sp|| `c` [x](https://e.example)', 500);
    expect(out).not.toMatch(/@(everyone|here)/);
    expect(out).not.toMatch(/(?<!\\)</);
    expect(out).not.toMatch(/<@\d|<@[!&]/);
    expect(out).not.toMatch(/(?<!\\)[*_~|`[\]]/);
  });

  it('escapes the line-start forms: headings, subtext, quotes and lists', () => {
    expect(inert('# Big\n## Bigger\n-# small\n> quote\n>>> all\n- item\n1. first', 500)).toBe('\\# Big\n\\## Bigger\n\\-# small\n\\> quote\n\\>>> all\n\\- item\n1\\. first');
  });

  it('keeps plain text plain: no backslashes, one line, mass mentions broken, cut to the limit', () => {
    expect(plain('**Pat** @everyone\nline two', 100)).toBe('**Pat** @\u200Beveryone line two');
    expect(plain('p'.repeat(3000), DISCORD_LIMITS.footer)).toHaveLength(DISCORD_LIMITS.footer);
  });

  it('drops invisible and direction-changing characters, and lone surrogates become U+FFFD', () => {
    expect(inert('a\u202Eb\u2066c\u200Bd\uFEFFe\u0007f\uDB40\uDC41g\uD800h', 100)).toBe('abcdefg\uFFFDh');
    // Joiners stay: emoji sequences and scripts need them.
    expect(inert('👩\u200D💻', 10)).toBe('👩\u200D💻');
  });

  it('sends only http(s) links without spaces, controls or invisible characters, at most 512 characters', () => {
    expect(safeUrl('https://x.com/a/status/1')).toBe('https://x.com/a/status/1');
    expect(safeUrl('http://example.org/x?y=1')).toBe('http://example.org/x?y=1');
    for (const bad of ['https://x.com/a b', 'javascript:alert(1)', 'ftp://x.com/', 'https://x.com/\u202Eevil', 'https://x.com/\n', `https://x.com/${'a'.repeat(600)}`, 'https://', ' https://x.com/', 'data:text/html,hi', 42, null, undefined]) {
      expect(safeUrl(bad)).toBeUndefined();
    }
  });

  it('strips terminal escape sequences whole and every control character but newline', () => {
    const hostile = 'a\u001B[31mred\u001B[0m b\u001B]0;pwned\u0007c\u001B]8;;https://evil\u001B\\link\u001B]8;;\u001B\\ d\u009B2Je\u001BPq#0\u001B\\f\u0007\u0008\r\t\u202Eg\u0085h';
    const out = terminalText(hostile);
    expect(out).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
    expect(out).toBe('ared bclink def\n g\nh');
    expect(terminalLine('one\ntwo\u001B[2K three', 100)).toBe('one two three');
  });

  it('fits an embed within every limit, the description giving way first', () => {
    const embed = fitEmbed({
      title: 't'.repeat(1000), description: 'd'.repeat(10_000), footer: { text: 'f'.repeat(5000) }, author: { name: 'a'.repeat(1000) },
      fields: Array.from({ length: 40 }, (_, i) => ({ name: `n${i}`.repeat(200), value: 'v'.repeat(2000) })), url: 'https://x.com/a b', timestamp: 'not a date', color: -1,
    });
    expect(embed.title!.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.footer!.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    expect(embed.fields!.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    expect(embedLength(embed)).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
    expect(embed.url).toBeUndefined();
    expect(embed.timestamp).toBeUndefined();
    expect(embed.color).toBeUndefined();
  });

  it('fits menus: unique non-empty values, labels within limits, empty menus dropped', () => {
    const rows = fitComponents([
      { type: 1, components: [{ type: 3, custom_id: 't:reply:1', placeholder: 'p'.repeat(300), options: [
        { label: 'x'.repeat(300), value: 'same', description: 'd'.repeat(300) }, { label: 'y', value: 'same' }, { label: '', value: '' },
      ] }] },
      { type: 1, components: [{ type: 3, custom_id: 't:reply:2', options: [{ label: 'z', value: '\u200B' }] }] },
    ] as never);
    expect(rows).toHaveLength(1);
    const menu = rows[0]!.components[0] as unknown as { placeholder: string; options: Array<{ label: string; value: string; description?: string }> };
    expect(menu.options).toHaveLength(1);
    expect(menu.options[0]!.label.length).toBeLessThanOrEqual(DISCORD_LIMITS.selectLabel);
    expect(menu.options[0]!.description!.length).toBeLessThanOrEqual(DISCORD_LIMITS.selectDescription);
    expect(menu.placeholder.length).toBeLessThanOrEqual(DISCORD_LIMITS.selectPlaceholder);
  });
});

describe('cards from hostile replay rows', () => {
  it('keeps a 3,000-character platform from overflowing the footer, and keeps the alert id first in it', () => {
    const embed = renderAlertEmbed({ alert: alert({}, { platform: 'p'.repeat(3000) }), replies: [] }, { now });
    expect(embed.footer!.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    expect(embed.footer!.text).toMatch(/^alert #7 · p+…/);
  });

  it('does not send a URL with a space, or one of 3,000 characters, as a link', () => {
    for (const url of ['https://x.com/a/status/1 extra', `https://x.com/${'a'.repeat(3000)}`, 'javascript:alert(1)']) {
      const embed = renderAlertEmbed({ alert: alert({}, { url }), replies: [] }, { now });
      expect(embed.url).toBeUndefined();
      expect(embed.author?.url).toBeUndefined();
      expect(renderConsoleCard({ alert: alert({}, { url }), replies: [] }, now, 'America/New_York')).not.toContain(url);
    }
  });

  it('draws a post from far in the future and a 1e308-minute target without throwing', () => {
    const far = alert({ firstResponseDueAt: 1e308 * 60_000, resolutionDueAt: Number.POSITIVE_INFINITY, snoozedUntil: Number.NaN, state: 'snoozed' }, { createdAt: 9e15 });
    const embed = renderAlertEmbed({ alert: far, replies: [] }, { now });
    expect(embed.timestamp).toBeUndefined();
    expect(JSON.stringify(embed)).toContain('unknown time');
    const text = renderConsoleCard({ alert: far, replies: [] }, now, 'America/New_York');
    expect(text).toMatch(/unknown time/);
  });

  it('prints the platform and every other field without escape codes on the console', () => {
    const text = renderConsoleCard({
      alert: alert({ reasons: ['\u001B[2Jcleared'], categories: ['complaint\u001B[31m' as never] }, { platform: 'x\u001B]0;pwned\u0007\u001B[31m', authorHandle: 'h\u001B[1A', text: 'hi\u001B[31m there\r\nsecond' }),
      replies: [{ template: 't\u001B[0m', text: 'reply\u0007', guard: { ok: false, problems: ['bad\u001B[5m'] } }],
    }, now, 'America/New_York');
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/);
    expect(text).toContain('· x ·');
  });

  it('escapes &, < and > for Slack, so no text becomes <!channel>, <!here> or <@U…>, and breaks the broadcast words', () => {
    expect(slackEscape('<!channel> & <@U123> &lt;')).toBe('&lt;!channel&gt; &amp; &lt;@U123&gt; &amp;lt;');
    expect(slackInert('@channel @HERE @everyone <!here|here> <!subteam^S1>', 200)).toBe('@\u200Bchannel @\u200BHERE @\u200Beveryone &lt;!here|here&gt; &lt;!subteam^S1&gt;');
    expect(slackInert('a\u202Eb\u200Bc', 10)).toBe('abc');
    // Cut within its limit, never in the middle of an entity.
    const cut = slackInert('x'.repeat(8) + '<<<<', 12);
    expect(cut.length).toBeLessThanOrEqual(12);
    expect(cut).toMatch(/^x{8}(&lt;)*…$/);
    expect(slackPlain('  two\nlines @channel <@U1>  ', 75)).toBe('two lines @\u200Bchannel <@U1>');
  });

  it('cuts mrkdwn before a token of ours whose end would be lost, and draws times and links as Slack tokens', () => {
    expect(truncateMrkdwn(`due ${slackTime(now)} for sure`, 20)).toBe('due…');
    expect(slackTime(now)).toBe(`<!date^${now / 1000}^{date_short_pretty} {time}|2026-11-20 15:00 UTC>`);
    expect(slackTime(Number.POSITIVE_INFINITY)).toBe('unknown time');
    expect(slackLink('https://x.com/a/status/7?a=1&b=2', 'open <it>|now')).toBe('<https://x.com/a/status/7?a=1&amp;b=2|open &lt;it&gt;¦now>');
    expect(slackLink('javascript:alert(1)', 'open')).toBe('open');
  });

  it('fits blocks within Block Kit: 50 blocks, 3,000 per section, 10 fields, button and option texts, ids unique, empty menus and rows dropped', () => {
    const L = SLACK_LIMITS;
    const blocks = fitBlocks([
      { type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(5000) } },
      { type: 'section', text: { type: 'mrkdwn', text: '' }, fields: Array.from({ length: 12 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2500) })) },
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(200) } },
      { type: 'actions', block_id: 'dup', elements: [
        { type: 'button', action_id: 't:claim:1', text: { type: 'plain_text', text: 'b'.repeat(100) } },
        { type: 'button', action_id: 't:claim:1', text: { type: 'plain_text', text: 'again' } },
        { type: 'static_select', action_id: 't:reply:1', options: Array.from({ length: 120 }, (_, i) => ({ text: { type: 'plain_text', text: 'o'.repeat(90) }, value: `${i % 110}`.padEnd(200, 'v') })) },
        { type: 'static_select', action_id: 't:dismiss:1', options: [{ text: { type: 'plain_text', text: 'x' }, value: '' }] },
      ] },
      { type: 'actions', block_id: 'dup', elements: [] },
      ...Array.from({ length: 60 }, () => ({ type: 'divider' })),
    ]) as any[];
    expect(blocks).toHaveLength(L.blocks);
    expect(blocks[0].text.text).toHaveLength(L.sectionText);
    expect(blocks[1].text.text).toBe('–');
    expect(blocks[1].fields).toHaveLength(L.fields);
    expect(blocks[1].fields[0].text).toHaveLength(L.fieldText);
    expect(blocks[2].text.text).toHaveLength(L.headerText);
    const actions = blocks[3];
    expect(actions.elements.map((e: { action_id: string }) => e.action_id)).toEqual(['t:claim:1', 't:reply:1']);
    expect(actions.elements[0].text.text).toHaveLength(L.buttonText);
    const options = actions.elements[1].options;
    expect(options.length).toBeLessThanOrEqual(L.selectOptions);
    expect(new Set(options.map((o: { value: string }) => o.value)).size).toBe(options.length);
    expect(options.every((o: { value: string; text: { text: string } }) => o.value.length <= L.optionValue && o.text.text.length <= L.optionText)).toBe(true);
    expect(blocks[4].type).toBe('divider');
    expect(fitBlocks([{ type: 'section' }, { type: 'context', elements: [] }])).toEqual([]);
  });
});
