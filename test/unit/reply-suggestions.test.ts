import { describe, expect, it } from 'vitest';
import { createReplyGuard, weightedLength } from '../../src/triage/reply-guard.js';
import { fillTemplate } from '../../src/triage/reply-templates.js';
import { suggestReplies } from '../../src/triage/suggest-replies.js';
import { classifier, lexicon, templates } from '../helpers/setup.js';

const guard = createReplyGuard(lexicon);

function suggest(text: string, handle = 'pat_q') {
  return suggestReplies(classifier().classify(text), { text, authorHandle: handle }, templates, guard);
}

describe('suggested replies', () => {
  it('puts crisis guidance with 911 and 988 first for a crisis', () => {
    const [first] = suggest('i want it all to end');
    expect(first?.template).toBe('crisis-support');
    expect(first?.text).toMatch(/911/);
    expect(first?.text).toMatch(/988/);
  });

  it('offers apologise-and-resolve and take-it-private for a complaint, filled in', () => {
    const replies = suggest('@brand waited 3 hours and nobody called me back');
    expect(replies.map((r) => r.template)).toEqual(expect.arrayContaining(['apologise-and-resolve', 'take-it-private']));
    for (const reply of replies) {
      expect(reply.text.startsWith('@pat_q ')).toBe(true);
      expect(reply.text).not.toMatch(/\{\w+\}/);
      expect(reply.guard).toEqual({ ok: true, problems: [] });
    }
  });

  it('keeps every bundled reply within X\'s 280 characters and past the guard, for any category', () => {
    const texts = [
      'my mom had chemo at your clinic and the nurse was rude',
      'do you take Aetna',
      '5 stars, would recommend',
      'thank you to the nurses!',
      'my lawyer will call you',
    ];
    for (const text of texts) {
      for (const reply of suggest(text, 'a_very_long_handle')) {
        expect(weightedLength(reply.text)).toBeLessThanOrEqual(280);
        expect(reply.guard.ok, `${reply.template}: ${reply.guard.problems.join('; ')}`).toBe(true);
      }
    }
  });

  it('offers nothing for spam', () => {
    expect(suggest('free followers! follow back, link in bio https://t.co/a https://t.co/b')).toEqual([]);
  });

  it('strips anything but handle characters from the author handle', () => {
    expect(fillTemplate('@{handle} hi', {}, 'evil @everyone **x**')).toBe('@evileveryonex hi');
  });
});

describe('reply guard', () => {
  const mention = 'I had my colonoscopy at your clinic and my test results never came';

  it.each([
    ['Sorry about your visit, please DM us.', 'your visit'],
    ['We hope your procedure went well.', 'your procedure'],
    ['Please DM us about your test results.', 'your test results'],
    ['As a valued patient, you deserve better.', 'valued patient'],
    ['During your stay we aim to help.', 'During your'],
  ])('flags %j as confirming a patient relationship', (reply, phrase) => {
    const verdict = guard.check(reply, mention);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join(' ')).toContain(phrase);
  });

  it('flags a reply that repeats a health detail from the mention', () => {
    const verdict = guard.check('Sorry to hear about the colonoscopy delay. Please DM us.', mention);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join(' ')).toMatch(/repeats health details.*colonoscopy/);
  });

  it('flags over-long replies, unfilled placeholders and mass mentions', () => {
    expect(guard.check('x'.repeat(281), '').problems.join(' ')).toMatch(/too long/);
    expect(guard.check('Hi {name}', '').problems.join(' ')).toMatch(/placeholder/);
    expect(guard.check('hi @everyone', '').problems.join(' ')).toMatch(/@everyone/);
  });

  it('passes a safe take-it-private reply', () => {
    expect(guard.check('Thank you for reaching out. Please send us a direct message so we can help privately.', mention)).toEqual({ ok: true, problems: [] });
  });

  it('counts emoji and links as X does', () => {
    expect(weightedLength('abc')).toBe(3);
    expect(weightedLength('😀')).toBe(2);
    expect(weightedLength('see https://example.com/a/very/long/path/indeed')).toBe(4 + 23);
  });
});
