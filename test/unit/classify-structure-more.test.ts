import { describe, expect, it } from 'vitest';
import { classifier, rulesOnly } from '../helpers/setup.js';

const classify = (text: string) => classifier().classify(text);
const why = (text: string) => `${text}\n${classify(text).reasons.join('\n')}`;

describe('rules read the present, not the first mention', () => {
  it('a child who "ate a" poison is read from the verb, whatever phrase is longest there', () => {
    const result = classify('my toddler ate a laundry pod and is throwing up');
    expect(result.crisis, why('my toddler ate a laundry pod and is throwing up')).toMatchObject({ tier: 'crisis', kind: 'overdose' });
  });

  it('a past fall does not hide a head injury today', () => {
    const text = 'he fell off the swing last week and was fine. today he hit his head on the dresser, threw up twice and keeps nodding off';
    expect(classify(text).crisis, why(text)).toMatchObject({ tier: 'crisis', kind: 'emergency' });
  });

  it('the same head injury told only as past stays off', () => {
    const text = 'last year he hit his head on the dresser and threw up twice. all good now';
    expect(classify(text).urgency, why(text)).not.toBe('critical');
  });

  it('one emergency rule set aside does not hide another that holds', () => {
    const text = 'i had chest pain two years ago. right now my dad suddenly cannot lift his arm and is slurring';
    expect(classify(text).crisis, why(text)).toMatchObject({ kind: 'emergency' });
  });
});

describe('incidents in other words', () => {
  it.each([
    ["logged into my portal and there's some other woman's mammogram results in there", /privacy breach/],
    ['discharged grandma to an empty house and she cannot use her walker alone', /unsafe discharge/],
    ['his levetiracetam is stuck at the pharmacy, two doses left', /life-sustaining medicine ran out \(anticonvulsant\)/],
    ['the phlebotomist grabbed my arm so hard it is bruised purple', /staff violence/],
  ])('%s', (text, reason) => {
    const result = classify(text);
    expect(result.urgency, why(text)).toBe('critical');
    expect(result.reasons.join(' | ')).toMatch(reason);
  });

  it('a reporter asking for stories is a media inquiry, not a threat to go public', () => {
    const text = 'doing a story for channel 4 on hospital billing. if you were sent to collections my dms are open';
    expect(classify(text).urgency, why(text)).toBe('high');
  });
});

describe('health details told without an owner next to them', () => {
  it.each([
    'pap smear came back abnormal, colposcopy next week. nervous about it, my mom had the same',
    'day 3 of chemo round 4 and the nurses keep my ginger ale ice cold',
  ])('%s', (text) => {
    expect(classify(text).categories, why(text)).toContain('phi');
  });

  it('a question about a service names no owner by the rules', () => {
    // The category model may still read it as the author's own test (it is one): not what is tested here.
    const text = 'where can I park for the sleep study?';
    expect(rulesOnly().classify(text).categories, why(text)).not.toContain('phi');
  });

  it.each([
    'can i bring my service dog into the cancer center?',
    'not having a stroke, just tired and my face always looks like this lol',
    'flu season is here, get your flu shot at any clinic',
  ])('not a disclosure: %s', (text) => {
    expect(classify(text).categories, why(text)).not.toContain('phi');
  });
});

describe('thanks told as what someone did', () => {
  it.each([
    'the ultrasound tech held my hand the whole time. i still think about her',
    'the front desk lady remembered my name from 6 months ago',
    'the triage nurse had a drunk guy screaming in her face and still greeted me with a smile. give her a raise',
  ])('%s', (text) => {
    expect(classify(text).categories, why(text)).toContain('praise');
  });

  it('sarcastic thanks for a wait stays a complaint', () => {
    const text = 'thanks for making me wait 4 hours in the lobby';
    expect(classify(text).categories, why(text)).toEqual(expect.arrayContaining(['complaint']));
    expect(classify(text).categories).not.toContain('praise');
  });
});
