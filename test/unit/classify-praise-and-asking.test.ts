import { describe, expect, it } from 'vitest';
import { rulesOnly } from '../helpers/setup.js';

const classify = (text: string) => rulesOnly().classify(text);
const why = (text: string) => `${text}\n${classify(text).reasons.join('\n')}`;

describe('a failure put right is thanks, not sarcasm', () => {
  it.each([
    'i complained about the wait last week and they actually called me back and fixed it. thank you',
    'after my complaint last month the patient advocate fixed my bill. thank you, truly',
    'the chaplain sat with us for hours the night my brother passed. thank you',
    'they saved my life in the ER and i never got to say thank you. so: thank you',
    'flu shot today and it didnt even hurt, the nurse was great',
    'dad had a stroke and the team was at our door in 6 minutes. thank you all',
  ])('%s', (text) => {
    const result = classify(text);
    expect(result.categories, why(text)).toContain('praise');
    expect(result.categories, why(text)).not.toContain('complaint');
  });

  it.each([
    'thanks for making me wait 4 hours',
    'they called me back after 3 weeks and it is still wrong. great',
    'they never called me back. thanks a lot',
    'great, another 3 hours on hold',
  ])('stays a complaint: %s', (text) => {
    const result = classify(text);
    expect(result.categories, why(text)).toContain('complaint');
    expect(result.categories, why(text)).not.toContain('praise');
  });
});

describe('time told as how fast or how long after is no wait', () => {
  it.each([
    'riverside ortho fixed my ACL and 6 months later im back on the field',
    'the code team was in our room within an hour of the call, he is home now',
  ])('%s', (text) => {
    expect(classify(text).reasons.join(' | '), why(text)).not.toMatch(/service-failure cues/);
  });

  it.each(['waited 3 hours in the ER', 'nobody has come in 40 minutes', 'my referral has not moved in 20 minutes of hold music'])('still a wait: %s', (text) => {
    expect(classify(text).reasons.join(' | '), why(text)).toMatch(/service-failure cues/);
  });
});

describe('a run of question marks asks only beside words that ask', () => {
  it.each(['they charged me a late fee??', '$22 for 2 hours??', 'cafeteria closes at 6pm??'])('exasperation: %s', (text) => {
    expect(classify(text).categories, why(text)).not.toContain('question');
  });

  it.each(['open on sunday?', 'is the lab open today??', 'urgent care or the ER??', 'metformin makes me sick, it gets better?? when', 'my toddler swallowed a button battery, which ER??'])(
    'asked: %s',
    (text) => {
      expect(classify(text).categories, why(text)).toContain('question');
    },
  );
});
