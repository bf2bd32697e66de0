import { describe, expect, it } from 'vitest';
import { rulesOnly } from '../helpers/setup.js';

const classify = (text: string) => rulesOnly().classify(text);
const why = (text: string) => `${text}\n${classify(text).reasons.join('\n')}`;
const reasons = (text: string) => classify(text).reasons.join(' | ');

describe('care given wrong', () => {
  it.each([
    'the nurse hung the wrong bag on my IV, it was labeled for the lady next door',
    'they were wheeling my husband into the wrong OR',
    'pharmacy gave my dad the wrong kind of insulin',
    "my mom was handed someone else's pills at discharge",
    'the night shift gave him his blood thinner twice and now he is bleeding',
  ])('%s', (text) => {
    expect(classify(text).urgency, why(text)).toBe('critical');
    expect(reasons(text)).toMatch(/care given wrong/);
  });

  it.each([
    'they sent me to the wrong building for my MRI',
    'nothing wrong with my meds, just a billing question',
    'he thought something went wrong w my surgery but it was fine',
    'thought my grandma got the wrong pill but it was the generic',
    'i gave my cat her pill twice today lol',
  ])('not: %s', (text) => {
    expect(reasons(text), why(text)).not.toMatch(/care given wrong/);
  });
});

describe('a patient left in danger, equipment failing on a patient', () => {
  it.each([
    ['my mom pressed the call button for 55 minutes because she couldnt breathe. nobody came', /patient left in danger/],
    ["dad's call button was ignored for 50 min and he fell trying to get to the bathroom", /patient left in danger/],
    ['my kids feeding pump keeps shutting off mid feed, we lost 3 feeds', /equipment failing on a patient/],
    ['the ventilator ran on battery for an hour because someone unplugged it', /equipment failing on a patient/],
  ])('%s', (text, reason) => {
    expect(classify(text).urgency, why(text)).toBe('critical');
    expect(reasons(text)).toMatch(reason);
  });

  it.each([
    'pressed the call button for 40 minutes for a blanket. nobody came',
    "mom's heart monitor was beeping for 20 min and nobody came. she was fine, a lead came off",
    'the parking machine is not working again',
  ])('not: %s', (text) => {
    expect(reasons(text), why(text)).not.toMatch(/left in danger|equipment failing/);
  });
});
