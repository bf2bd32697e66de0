import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifier } from '../helpers/setup.js';

const classify = (text: string, context = {}) => classifier().classify(text, context);

describe('classifyMention', () => {
  it.each([
    ['i want it all to end. nobody is listening anymore', 'self-harm'],
    ["@brand my wife has chest pain, ER or 911??", 'medical emergency'],
    ['Someone just collapsed in your lobby and nobody is at the desk', 'medical emergency'],
    ['there is smoke in the hallway of the east wing and the fire alarm is not going off', 'on-site hazard'],
  ])('flags %j as a critical crisis', (text, kind) => {
    const result = classify(text);
    expect(result.categories).toContain('crisis');
    expect(result.urgency).toBe('critical');
    expect(result.reasons.join(' ')).toContain(kind);
  });

  it('finds complaints that carry no sentiment word', () => {
    const result = classify('@brand been on hold for 47 minutes and still no answer');
    expect(result.sentiment).toBe('negative');
    expect(result.categories).toContain('complaint');
    expect(result.reasons.join(' ')).toMatch(/on hold/);
  });

  it('reads praise beside a service failure as sarcasm', () => {
    const result = classify('Great, another 3 hour wait in the ER. Love it.');
    expect(result.sentiment).toBe('negative');
    expect(result.categories).toContain('complaint');
    expect(result.categories).not.toContain('praise');
    expect(result.reasons.join(' ')).toMatch(/sarcasm/);
  });

  it('recognises questions without a question mark', () => {
    expect(classify('@brand where do I park for the imaging center').categories).toContain('question');
    expect(classify('anyone know if urgent care takes walk ins on saturday').categories).toContain('question');
  });

  it('marks star reviews and praise', () => {
    const review = classify('5/5 for the maternity ward, would recommend');
    expect(review.categories).toContain('review');
    const praise = classify('Thank you to the night nurses, so kind and caring!');
    expect(praise.categories).toContain('praise');
    expect(praise.urgency).toBe('low');
  });

  it('ignores spam', () => {
    const result = classify('earn $500 per day from home with bitcoin!!! DM me, link in bio https://t.co/a https://t.co/b');
    expect(result.categories).toContain('spam');
    expect(result.urgency).toBe('ignore');
  });

  it('reads a span of time as a wait only where it measures one, not an age, a stage or a date ahead', () => {
    for (const text of ['mine is 3 weeks old, does the clinic do the RSV shot?', 'surgery in 2 weeks, neuro follow up after that', '6 months post transplant and thriving', 'the nurse checks on me every 2 wks']) {
      expect(classify(text).categories, text).not.toContain('complaint');
    }
    for (const text of ['waited 3 hours in the lobby', 'it has now been 16 days since i applied and no reply', '2nd time in 4 days that my appointment has been moved']) {
      expect(classify(text).categories, text).toContain('complaint');
    }
  });

  it('reads spam by its offers and links written without a scheme, never a patient asking about an account', () => {
    for (const text of [
      "CONGRATS! You've been selected for a free wellness kit from the clinic. Claim within 24h: clinic-rewards.co",
      'nurses are making $5000/week from home with this ONE trick 👉 bit.ly/3xQz9',
      'your patient account has been suspended, verify at hospital-login.xyz to avoid losing your records',
      'buy oxycodone no rx overnight shipping, telegram me',
    ]) {
      expect(classify(text).categories, text).toContain('spam');
    }
    for (const text of ['my portal account has been suspended, who do i call? tried support.hospital.org', 'the st-marys.org site says visiting hours end at 8']) {
      expect(classify(text).categories, text).not.toContain('spam');
    }
  });

  it('detects authors disclosing their own or a relative\'s health information', () => {
    expect(classify('I was diagnosed with diabetes last week and nobody called').categories).toContain('phi');
    expect(classify("my mom's chemo was moved again").categories).toContain('phi');
    expect(classify('what time does the pharmacy open').categories).not.toContain('phi');
  });

  it('makes legal threats and privacy breaches critical', () => {
    expect(classify('my lawyer will be in touch about my surgery').urgency).toBe('critical');
    expect(classify('a nurse discussed my results in front of everyone. HIPAA violation').urgency).toBe('critical');
  });

  it('raises a complaint to high for a repeat or influential author, and says why', () => {
    const text = 'the portal is not working, I cannot see anything';
    expect(classify(text).urgency).toBe('normal');
    const repeat = classify(text, { recentComplaints: 3 });
    expect(repeat.urgency).toBe('high');
    expect(repeat.reasons.join(' ')).toMatch(/3 complaints this week/);
    expect(classify(text, { followers: 50_000 }).urgency).toBe('high');
  });

  it('gives the same answer for the same input', () => {
    const text = 'Waited 2 hours and the doctor was rude';
    expect(classify(text)).toEqual(classify(text));
  });

  it('never throws on hostile or absurd input and stays within the contract', () => {
    const contract = (text: string) => {
      const result = classify(text);
      expect(['negative', 'neutral', 'positive']).toContain(result.sentiment);
      expect(Number.isFinite(result.score)).toBe(true);
      expect(['critical', 'high', 'normal', 'low', 'ignore']).toContain(result.urgency);
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), contract), { numRuns: 300 });
    for (const text of ['', ' ', '\u200B\u200F\u202E', '😡'.repeat(5000), 'a'.repeat(100_000), '@everyone **bold** [x](http://e)', '\u0000\u001b[2J']) {
      contract(text);
    }
  });
});
