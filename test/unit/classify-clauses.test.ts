import { describe, expect, it } from 'vitest';
import { rulesOnly } from '../helpers/setup.js';

// The rules alone, without either model: each case here must hold by the reading it names.
const classify = (text: string) => rulesOnly().classify(text);
const why = (text: string) => `${text}\n${classify(text).reasons.join('\n')}`;

describe('a past marker reaches as far as its clause', () => {
  it.each([
    "husband's heart rate is 35 on his watch and he feels faint, he had a stent at our clinic last month",
    "she can't move her left side and her face is drooping, she had a stroke two years ago",
    "17. the scars from last year are fading and i'm thinking about making new ones",
  ])('backstory beside a present crisis keeps it on: %j', (text) => {
    expect(classify(text).urgency, why(text)).toBe('critical');
  });

  it.each([
    'i overdosed on my pills, back in 2019. now 5 years clean',
    'two years ago my son stopped breathing and your PICU saved him',
    'last month my dad had a stroke, he is doing great now',
    'i tried to end it last year, i was in a dark place and your team got me through',
  ])('a past event stays past: %j', (text) => {
    expect(classify(text).urgency, why(text)).not.toBe('critical');
  });
});

describe('words that looked like a qualifier and are not', () => {
  it('"if anyone sees this" addresses a farewell, it is no condition', () => {
    const text = 'if anyone from cedar point sees this the apartment key is under the mat. someone should go in before my kids get home';
    expect(classify(text).crisis, why(text)).toMatchObject({ kind: 'self-harm' });
    expect(classify('if you see smoke on the roof its the controlled burn, per facilities').urgency).not.toBe('critical');
  });

  it('a patient waving a symptom off has not resolved it; a clinician saying so has', () => {
    const text = "my sister swallowed a handful of her lithium, she's shaking and throwing up and she says it was just to sleep";
    expect(classify(text).crisis, why(text)).toMatchObject({ kind: 'overdose' });
    const checked = 'thought i had a seizure but it was a weird eyelid twitch from too much coffee. the neuro said all good';
    expect(classify(checked).urgency, why(checked)).not.toBe('critical');
  });

  it('being discharged is not being in care: present danger after it is still a crisis', () => {
    const text = 'newborn (9 days) is breathing really fast and grunting and looks kind of blue around the mouth. the nicu discharged us tuesday';
    expect(classify(text).crisis, why(text)).toMatchObject({ kind: 'emergency' });
  });

  it('the subject of a collapse may stand well before it', () => {
    const text = 'the man next to me on the hawthorne regional shuttle just went unresponsive, doing cpr';
    expect(classify(text).crisis, why(text)).toMatchObject({ kind: 'emergency' });
    expect(classify('my phone went unresponsive again').urgency).not.toBe('critical');
  });
});

describe('a threat to go public', () => {
  it('without a recording is for a lead today, not critical', () => {
    const text = "i've called 7 times and emailed twice, still no answer about my bill. going to the local news next week";
    const result = classify(text);
    expect(result.urgency, why(text)).toBe('high');
    expect(result.reasons.join(' ')).toMatch(/urgency high: .*threat to go public "(the )?local news"/);
  });

  it('with a recording stays critical', () => {
    const text = 'i have your receptionist on video screaming at my mom and it goes to the local news tonight';
    expect(classify(text).urgency, why(text)).toBe('critical');
  });

  it('news about us is no threat', () => {
    expect(classify('local news: water main break near the clinic, roads closed on elm st').urgency).toBe('low');
  });
});
