import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertCard } from '../../src/chat/chat.js';
import { renderConsoleCard } from '../../src/chat/console/render-console-card.js';
import { renderAlertComponents, renderAlertEmbed } from '../../src/chat/discord/render-alert-card.js';
import { renderSlackCard } from '../../src/chat/slack/render-slack-card.js';
import { DISCORD_LIMITS as L, embedLength, inert, plain, safeUrl, slackInert, slackPlain, terminalLine, terminalText } from '../../src/chat/sanitize.js';
import { ALERT_STATES, type AlertView } from '../../src/domain/alert.js';
import { CATEGORIES, SENTIMENTS, URGENCIES } from '../../src/domain/classification.js';
import { blockErrors, mentionsIn } from '../fakes/fake-slack-wire.js';

/** Pieces a hostile post or a corrupted row would carry: mentions, markdown, escapes, bidi, huge runs. */
const HOSTILE = [
  '@everyone', '@here', '@EVERYONE', '<@123456789012345678>', '<@!1>', '<@&1>', '<#1>', '</triage queue:1>', '<t:0:R>', '<a:x:1>',
  '**', '__', '~~', '||', '`', '```', '# ', '-# ', '> ', '>>> ', '- ', '1. ', '[x](https://evil.example)', '\\', '\n', '\r', '\t',
  '\u001B[31m', '\u001B]0;title\u0007', '\u001B]8;;https://evil\u001B\\', '\u009B2J', '\u0007', '\u0000', '\u007F', '\u0085',
  '\u202E', '\u2066', '\u200B', '\u200F', '\uFEFF', '\u2028', '\uD800', '\uDC00', '\uDB40\uDC41', '👩‍💻', '😡',
  'x'.repeat(3000), '😡'.repeat(1500),
  // Slack's: mass mentions, user, group and channel mentions, links, dates, entities.
  '@channel', '<!channel>', '<!here|here>', '<!everyone>', '<@U0BEN00001>', '<@W123>', '<!subteam^S0LEADS001>', '<#C0ALERTS01>',
  '<https://evil.example|click>', '<!date^0^{date}|x>', '&lt;', '&gt;', '&amp;', '&#60;', '<', '>', '&', '|',
];
const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 40 })), { maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);
/** Times a row may hold: ordinary, far future, past every Date, infinite, not a number. */
const anyTime = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  fc.constantFrom(8.64e15, 8.64e15 + 1, -8.64e15 - 1, 9e15, 1e308 * 60_000, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e308),
  fc.double(),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const alertView: fc.Arbitrary<AlertView> = fc.record({
  id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  mentionId: fc.nat(),
  state: fc.constantFrom(...ALERT_STATES),
  urgency: fc.constantFrom(...URGENCIES),
  categories: fc.array(fc.constantFrom(...CATEGORIES), { maxLength: 10 }),
  sentiment: fc.constantFrom(...SENTIMENTS),
  score: fc.double(),
  reasons: fc.array(hostileText, { maxLength: 60 }),
  createdAt: anyTime,
  firstResponseDueAt: maybe(anyTime),
  resolutionDueAt: maybe(anyTime),
  policyVersion: fc.integer(),
  assignee: maybe(hostileText),
  firstResponseAt: maybe(anyTime),
  respondedBy: maybe(hostileText),
  resolvedAt: maybe(anyTime),
  snoozedUntil: maybe(anyTime),
  waitingSince: maybe(anyTime),
  chatMessageId: maybe(fc.string()),
  mention: fc.record({
    platform: hostileText,
    nativeId: fc.string(),
    url: maybe(fc.oneof(hostileText, fc.webUrl(), hostileText.map((t) => `https://x.com/${t}`))),
    text: hostileText,
    createdAt: anyTime,
    authorHandle: hostileText,
    authorName: maybe(hostileText),
    authorFollowers: maybe(fc.oneof(fc.integer(), fc.double())),
    inReplyToText: maybe(hostileText),
  }),
});
const card: fc.Arbitrary<AlertCard> = fc.record({
  alert: alertView,
  replies: fc.array(fc.record({ template: hostileText, text: hostileText, guard: fc.record({ ok: fc.boolean(), problems: fc.array(hostileText, { maxLength: 4 }) }) }), { maxLength: 30 }),
  grouped: fc.array(alertView, { maxLength: 15 }),
  sentReply: fc.record({ by: hostileText, text: hostileText, url: fc.oneof(fc.constant(null), hostileText, fc.webUrl()), at: fc.integer() }),
}, { requiredKeys: ['alert', 'replies'] });

const MASS_MENTION = /@(everyone|here)/i;
/** A mention's opening not escaped by a backslash: `<@`, `<@&`, `<#`, `</`, `<t:`, `<:`, `<a:`. */
const UNESCAPED_MENTION = /(?<!\\)<(@|#|\/|t:|a?:)/;
const TERMINAL_UNSAFE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F\uFEFF\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('rendering properties over random and hostile alerts', () => {
  it('the card renderer never throws and stays within every Discord limit, with no live mention', () => {
    fc.assert(fc.property(card, fc.double(), (c, now) => {
      const embed = renderAlertEmbed(c, { now });
      const rows = renderAlertComponents(c);
      expect(embed.title?.length ?? 0).toBeLessThanOrEqual(L.title);
      expect(embed.description?.length ?? 0).toBeLessThanOrEqual(L.description);
      expect(embed.footer?.text.length ?? 0).toBeLessThanOrEqual(L.footer);
      expect(embed.author?.name.length ?? 0).toBeLessThanOrEqual(L.author);
      expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(L.fields);
      for (const f of embed.fields ?? []) {
        expect(f.name.length).toBeGreaterThan(0);
        expect(f.name.length).toBeLessThanOrEqual(L.fieldName);
        expect(f.value.length).toBeGreaterThan(0);
        expect(f.value.length).toBeLessThanOrEqual(L.fieldValue);
      }
      expect(embedLength(embed)).toBeLessThanOrEqual(L.embedTotal);
      for (const url of [embed.url, embed.author?.url]) {
        if (url === undefined) continue;
        expect(url).toMatch(/^https?:\/\/\S+$/);
        expect(url.length).toBeLessThanOrEqual(L.url);
      }
      if (embed.timestamp !== undefined) expect(Number.isNaN(Date.parse(embed.timestamp))).toBe(false);
      expect(embed.footer?.text).toMatch(new RegExp(`^alert #${c.alert.id} · `));

      expect(rows.length).toBeLessThanOrEqual(L.rows);
      for (const row of rows) {
        expect(row.components.length).toBeGreaterThan(0);
        expect(row.components.length).toBeLessThanOrEqual(L.buttonsPerRow);
        for (const component of row.components as unknown as Array<Record<string, any>>) {
          expect(component.custom_id.length).toBeLessThanOrEqual(L.customId);
          if (component.label !== undefined) expect(component.label.length).toBeLessThanOrEqual(L.buttonLabel);
          if (component.placeholder !== undefined) expect(component.placeholder.length).toBeLessThanOrEqual(L.selectPlaceholder);
          if (component.options) {
            expect(component.options.length).toBeGreaterThan(0);
            expect(component.options.length).toBeLessThanOrEqual(L.selectOptions);
            expect(new Set(component.options.map((o: { value: string }) => o.value)).size).toBe(component.options.length);
            for (const o of component.options) {
              expect(o.label.length).toBeGreaterThan(0);
              expect(o.label.length).toBeLessThanOrEqual(L.selectLabel);
              expect(o.value.length).toBeGreaterThan(0);
              expect(o.value.length).toBeLessThanOrEqual(L.selectValue);
              if (o.description !== undefined) expect(o.description.length).toBeLessThanOrEqual(L.selectDescription);
            }
          }
        }
      }
      // Everything shown: not a menu option's value (a template id sent back to us) nor a link's target (checked above).
      const shown = JSON.stringify({ embed, rows }, function (this: Record<string, unknown>, key, value) {
        return (key === 'value' && 'label' in this) || key === 'url' ? undefined : value;
      });
      expect(shown).not.toMatch(MASS_MENTION);
      // Our own timestamps (<t:…>) are the only mention-like syntax left unescaped.
      expect(JSON.stringify(embed).replace(/<t:-?\d+:[Rf]>/g, '')).not.toMatch(UNESCAPED_MENTION);
    }), { numRuns: 400 });
  });

  it('the Slack card renderer never throws, passes Block Kit\'s checks (as the fake Slack makes them) and mentions nobody', () => {
    fc.assert(fc.property(card, fc.double(), (c, now) => {
      const body = renderSlackCard(c, { now });
      expect(blockErrors(body.blocks, 50)).toEqual([]);
      expect(mentionsIn(body)).toEqual({ broadcasts: [], users: [], groups: [] });
      // Not even with Slack's `parse: 'full'`, which turns bare @channel into a mass mention (a link's target, say a
      // Mastodon URL with an @ in it, is not text).
      const withoutLinkTargets = JSON.parse(JSON.stringify(body).replace(/<https?:\/\/[^|<>\s"\\]+\|/g, '<link|'));
      expect(mentionsIn(withoutLinkTargets, { parse: 'full' }).broadcasts).toEqual([]);
      expect(body.text.length).toBeLessThanOrEqual(4000);
      expect(body.metadata).toEqual({ event_type: 'triage_alert', event_payload: { alert_id: c.alert.id } });
      const ids = body.blocks.flatMap((b) => ('elements' in b ? (b.elements as Array<{ action_id?: string }>) : []).map((e) => e.action_id)).filter(Boolean);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(id).toMatch(new RegExp(`^t:[a-z]+:${c.alert.id}$`));
      expect(JSON.stringify(body.blocks.at(-1))).toContain(`alert #${c.alert.id} · `);
      // In mrkdwn (plain text is never parsed) our own date tokens, links and quote mark are the only
      // `<…>` and `>` left; every `<`, `>` and `&` from outside text is an entity.
      const mrkdwn: string[] = [];
      JSON.stringify(body.blocks, (key, value) => (value?.type === 'mrkdwn' && typeof value.text === 'string' ? void mrkdwn.push(value.text) : value));
      expect(mrkdwn.length).toBeGreaterThan(3);
      for (const text of mrkdwn) {
        const rest = text.replace(/^>↳ replying to:/, '').replace(/<!date\^-?\d+\^\{[a-z_ {}]+\}\|[^|<>]+>/g, '').replace(/<https?:\/\/[^|<>\s]+\|[^<>]*>/g, '');
        expect(rest).not.toMatch(/[<>]/);
        expect(rest.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }
    }), { numRuns: 400 });
  });

  it('the console renderer never throws and prints no control character but newline', () => {
    fc.assert(fc.property(card, fc.double(), (c, now) => {
      const text = renderConsoleCard(c, now, 'America/New_York');
      expect(text).not.toMatch(TERMINAL_UNSAFE);
      expect(text).not.toContain('\u001B');
    }), { numRuns: 400 });
  });

  it('each sanitiser keeps its promise on any text', () => {
    fc.assert(fc.property(hostileText, fc.integer({ min: 0, max: 5000 }), (text, max) => {
      const md = inert(text, max);
      expect(md.length).toBeLessThanOrEqual(max);
      expect(md).not.toMatch(MASS_MENTION);
      expect(md).not.toMatch(UNESCAPED_MENTION);
      const flat = plain(text, max);
      expect(flat.length).toBeLessThanOrEqual(max);
      expect(flat).not.toMatch(MASS_MENTION);
      expect(flat).not.toMatch(/[\n\r\t]/);
      expect(terminalText(text)).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
      expect(terminalLine(text, max).length).toBeLessThanOrEqual(max);
      const mrkdwn = slackInert(text, max);
      expect(mrkdwn.length).toBeLessThanOrEqual(max);
      expect(mentionsIn({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } }] }, { parse: 'full' })).toEqual({ broadcasts: [], users: [], groups: [] });
      expect(mrkdwn).not.toMatch(/[<>]|&(?!(amp|lt|gt);)/);
      const label = slackPlain(text, max);
      expect(label.length).toBeLessThanOrEqual(max);
      expect(label).not.toMatch(/[\n\r\t]|@(channel|here|everyone)/i);
      const url = safeUrl(text);
      if (url !== undefined) {
        expect(url).toMatch(/^https?:\/\/\S+$/);
        expect(url.length).toBeLessThanOrEqual(L.url);
      }
    }), { numRuns: 1000 });
  });
});
