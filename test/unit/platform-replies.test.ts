import { describe, expect, it } from 'vitest';
import { adaptReply, platformReplyProblems, replyLength, replyRulesFor } from '../../src/triage/platform-replies.js';
import { createReplyGuard } from '../../src/triage/reply-guard.js';
import { suggestReplies } from '../../src/triage/suggest-replies.js';
import { classifier, lexicon, templates } from '../helpers/setup.js';

const guard = createReplyGuard(lexicon);
const COMPLAINT = 'waited 3 hours and nobody called me back';
const suggest = (target: Parameters<typeof adaptReply>[1], text = COMPLAINT) => suggestReplies(classifier().classify(text), { text, authorHandle: 'pat_q', target }, templates, guard);

describe('per-platform replies', () => {
  it('counts each platform\'s way: X weighted with the @handle, Bluesky graphemes, Mastodon links as 23 and remote mentions by user', () => {
    const family = '👩‍👩‍👧‍👦';
    expect(replyLength(family, replyRulesFor({ platform: 'bluesky' }))).toBe(1);
    expect(replyLength(family, replyRulesFor({ platform: 'x' }))).toBeGreaterThan(2);
    expect(replyLength('@pat@mastodon.social see https://example.com/a/very/long/path', replyRulesFor({ platform: 'mastodon' }))).toBe('@pat see '.length + 23);
    expect(platformReplyProblems(`@pat_q ${'a'.repeat(274)}`, { platform: 'x' })).toEqual(['too long for X: 281 of 280 characters']);
    expect(platformReplyProblems('a'.repeat(300), { platform: 'bluesky' })).toEqual([]);
    expect(platformReplyProblems(`${family}${'a'.repeat(300)}`, { platform: 'bluesky' })).toEqual(['too long for Bluesky: 301 of 300 characters (graphemes)']);
  });

  it('holds Mastodon replies to the instance\'s own limit, 500 until it is known', () => {
    expect(platformReplyProblems('a'.repeat(501), { platform: 'mastodon' })).toEqual(['too long for Mastodon: 501 of 500 characters']);
    expect(platformReplyProblems('a'.repeat(501), { platform: 'mastodon', maxCharacters: 5000 })).toEqual([]);
    expect(platformReplyProblems('a'.repeat(200), { platform: 'mastodon', maxCharacters: 150 })).toEqual(['too long for Mastodon: 200 of 150 characters']);
  });

  it('drops the @handle on Facebook and Google, and signs Google review responses as the team', () => {
    for (const reply of suggest({ platform: 'facebook', signOff: 'The Riverbend Health team' })) {
      expect(reply.text).toMatch(/^[A-Z]/);
      expect(reply.text).not.toContain('@pat_q');
      expect(reply.text).not.toContain('The Riverbend Health team');
      expect(reply.guard, reply.template).toEqual({ ok: true, problems: [] });
    }
    const google = suggest({ platform: 'google', signOff: 'The Riverbend Health team' });
    expect(google.length).toBeGreaterThan(0);
    for (const reply of google) {
      expect(reply.text).not.toContain('@');
      expect(reply.text).not.toMatch(/direct message/);
      expect(reply.text.endsWith(' — The Riverbend Health team')).toBe(true);
      expect(reply.guard, reply.template).toEqual({ ok: true, problems: [] });
    }
    // X keeps its replies exactly as they were.
    const x = suggest({ platform: 'x', signOff: 'The Riverbend Health team' });
    expect(x.map((r) => r.text)).toEqual(suggestReplies(classifier().classify(COMPLAINT), { text: COMPLAINT, authorHandle: 'pat_q' }, templates, guard).map((r) => r.text));
    expect(x.every((r) => r.text.startsWith('@pat_q '))).toBe(true);
  });

  it('tells a person who wrote a reply what the platform would refuse or frown on', () => {
    expect(guard.check('@pat_q we are sorry, please call us', COMPLAINT, { platform: 'facebook' }).problems).toEqual(['starts with an @handle: Facebook replies are threaded under the post and tag nobody']);
    expect(guard.check('We are sorry, please call us.', COMPLAINT, { platform: 'google', signOff: 'The Riverbend Health team' }).problems).toEqual(['a Google review response speaks as the business: sign it "The Riverbend Health team"']);
    expect(guard.check('x'.repeat(4097), COMPLAINT, { platform: 'google' }).problems).toEqual(['too long for Google: 4097 of 4096 characters']);
    expect(guard.check('x'.repeat(1000), COMPLAINT, { platform: 'facebook' }).ok).toBe(true);
    // Without a platform the guard keeps X's rules.
    expect(guard.check('x'.repeat(281), COMPLAINT).problems).toEqual(['too long for X: 281 of 280 characters']);
  });
});
