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

describe('a fever is an emergency beside sepsis signs or during chemotherapy', () => {
  it('fever with confusion and shaking chills after surgery', () => {
    const text = 'dad had surgery 5 days ago, now fever 39.8, shaking chills, heart racing and hes confused';
    expect(classify(text).crisis, why(text)).toMatchObject({ tier: 'crisis', kind: 'emergency' });
    expect(reasons(text)).toMatch(/fever \+ signs of sepsis/);
  });

  it('a fever during chemotherapy is a possible crisis', () => {
    const text = 'my mom on chemo has a fever of 38.3 tonight and the oncology line is busy';
    expect(classify(text).crisis, why(text)).toMatchObject({ tier: 'possible', kind: 'emergency' });
  });

  it.each(['my son has a fever of 101 and a runny nose, is urgent care open', 'fever 102 and chills, flu going around the office'])('not: %s', (text) => {
    expect(classify(text).urgency, why(text)).not.toBe('critical');
  });
});

describe('the present after a past clause', () => {
  it('"gave birth 4 days ago, soaking a pad": the bleeding is now', () => {
    const text = 'gave birth 4 days ago, soaking a pad every 30 min and passing clots, dizzy';
    expect(classify(text).urgency, why(text)).toBe('critical');
  });

  it('a life-sustaining medicine out, told in the next sentence', () => {
    const text = 'pharmacy lost my sons tacrolimus prescription between the clinic and the pharmacy. hes missed 2 doses';
    expect(reasons(text), why(text)).toMatch(/life-sustaining medicine ran out \(transplant\)/);
  });
});

describe('an incident that is not one now', () => {
  it.each([
    ["\"the wrong patient was on the table\" - best line in tonight's episode", /told as fiction/],
    ['back in 2019 the pharmacy gave me the wrong dose of my thyroid meds. they owned it and changed the checking system', /past and put right/],
    ['i thought the nurse gave me the wrong vaccine but nope, it is combined with diphtheria now', /a worry that proved wrong/],
    ['they posted my daughters last chemo bell video and yes, we said yes and we love it', /shared with consent/],
  ])('%s', (text, why_) => {
    const result = classify(text);
    expect(result.urgency, why(text)).not.toBe('critical');
    expect(reasons(text)).toMatch(why_);
  });

  it('a breach told through a podcast about my wife is still one', () => {
    const text = "a doctor from the clinic discussed my wife's cancer stage on a podcast, age, town, job";
    expect(classify(text).urgency, why(text)).toBe('critical');
  });

  it('minutes in a queue are no quantity of a medicine taken', () => {
    const text = 'the pharmacy queue took 90 minutes for my omeprazole. ninety';
    expect(classify(text).urgency, why(text)).not.toBe('critical');
  });
});

describe('a health detail our people let others learn', () => {
  it.each([
    "the receptionist read out my reason for visit at the desk, the genital warts follow up, full waiting room",
    'the security guard at the front desk asked my dad loudly if he was here for the colonoscopy or the psych eval',
    'the clinic emailed our whole antenatal class with every name in the To field and the subject gestational diabetes group. now 40 people know',
  ])('%s', (text) => {
    expect(classify(text).urgency, why(text)).toBe('critical');
    expect(reasons(text)).toMatch(/privacy breach/);
  });

  it.each([
    'my therapist quit and nobody told me. found out when i showed up',
    'dad rang the bell after radiation today and the whole waiting room clapped',
    'the nurse talked me through my MRI, i didnt know they could do that',
  ])('not: %s', (text) => {
    expect(reasons(text), why(text)).not.toMatch(/privacy breach/);
  });
});
