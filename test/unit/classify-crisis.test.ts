import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCrisisFlag } from '../../src/domain/classification.js';
import { classifier } from '../helpers/setup.js';

const classify = (text: string) => classifier().classify(text);
const reasonsOf = (text: string) => classify(text).reasons.join(' | ');

/** Confident: the `crisis` category, urgency critical, the tier and kind on the result, a reason naming the rule. */
function expectCrisis(text: string, kind: string, reason: RegExp) {
  const result = classify(text);
  expect(result.crisis, `${text}\n${result.reasons.join('\n')}`).toMatchObject({ tier: 'crisis', kind });
  expect(result.categories).toContain('crisis');
  expect(result.urgency).toBe('critical');
  expect(result.reasons.join(' | ')).toMatch(reason);
}

/** Possible: the `crisis` category and urgency critical, with a `possible crisis (...)` reason that says the tier once stored. */
function expectPossible(text: string, kind: string, reason: RegExp) {
  const result = classify(text);
  expect(result.crisis, `${text}\n${result.reasons.join('\n')}`).toMatchObject({ tier: 'possible', kind });
  expect(result.categories).toContain('crisis');
  expect(readCrisisFlag(result)).toEqual({ tier: 'possible', kind });
  expect(result.urgency).toBe('critical');
  expect(result.reasons.join(' | ')).toMatch(reason);
  expect(result.reasons).toContain('urgency critical: possible crisis, check now');
}

function expectNoCrisis(text: string) {
  const result = classify(text);
  expect(result.crisis, `${text}\n${result.reasons.join('\n')}`).toBeUndefined();
  expect(result.categories).not.toContain('crisis');
  expect(result.urgency).not.toBe('critical');
}

describe('crisis: self-harm', () => {
  it.each([
    ['counted out all my pills on the counter. tonight is the night', /crisis \(self-harm\): method \+ plan or decision \("all my pills", "tonight is the night"\)/],
    ['wrote letters to my parents. my mind is made up', /crisis \(self-harm\): farewell \+ farewell or decision \("wrote letters", "mind is made up"\)/],
    ['been giving away all my things this week and wont need any of it soon', /crisis \(self-harm\): giving things away \+ finality/],
    ['i really want to die. nobody is answering at the crisis line', /crisis \(self-harm\): intent/],
    ['my sister just texted that she is going to kill herself tonight', /crisis \(self-harm\): intent \+ timing \("kill herself", "tonight"\)/],
  ])('a method, plan, farewell, giveaway or intent with what confirms it is a crisis: %j', (text, reason) => {
    expectCrisis(text, 'self-harm', reason);
  });

  it.each([
    ['been looking at the bridge every day on the way home', /possible crisis \(self-harm\): method without intent or timing/],
    ['everyone would be better off without me honestly', /crisis \(self-harm\): intent/],
    ['i just want to sleep for a long time and not deal with anything', /possible crisis \(self-harm\): finality without intent or timing/],
  ])('a warning sign alone is at least a possible crisis: %j', (text, reason) => {
    const result = classify(text);
    expect(result.urgency).toBe('critical');
    expect(result.reasons.join(' | ')).toMatch(reason);
  });

  it('names a farewell without another sign only as a possible crisis', () => {
    expectPossible('see you on the other side everyone', 'self-harm', /farewell without intent or timing \("see you on the other side"\)/);
  });

  it('does not raise a plain goodbye, a giveaway contest or a decision about a clinic', () => {
    expectNoCrisis('goodbye @RiverbendHealth, switching to another clinic');
    expectNoCrisis('your lobby is giving away free flu shots today');
    expectNoCrisis("made up my mind, i'm booking with the other practice");
  });
});

describe('crisis: overdose and poisoning', () => {
  it('a substance with a quantity and a present symptom is a crisis, and the reason says so', () => {
    expectCrisis('took like 15 of my trazodone an hour ago and now i cant stop shaking', 'overdose', /crisis \(overdose or poisoning\): substance \+ quantity \+ present symptom \("shaking", "trazodone"/);
    expectCrisis('my husband downed half a bottle of vodka with his xanax and he is barely breathing', 'overdose', /crisis \(overdose or poisoning\)/);
  });

  it('a child who got into medicine or a household poison is a crisis', () => {
    expectCrisis('my toddler swallowed a button battery ten minutes ago', 'overdose', /child \+ household poison/);
    expectCrisis('my 3yo ate some of my sertraline and is really drowsy', 'overdose', /child \+ medicine or poison \+ present symptom/);
  });

  it('without a symptom, or when the parent is unsure, it is possible', () => {
    expectPossible('took a bunch of extra ibuprofen tonight, feel fine', 'overdose', /substance \+ quantity, no symptom yet/);
    expectPossible('my son might have gotten into my purse, a few of my pills are missing', 'overdose', /child may have taken medicine/);
  });

  it('questions about dosing, and named overdoses in campaigns or memories, are not raised', () => {
    expectNoCrisis('how many advil can you take in a day for a migraine?');
    expectNoCrisis('overdose awareness day is saturday, come light a candle with us');
    expectNoCrisis('i overdosed back in 2016 and your ER gave me a second chance. 8 years sober');
    expectNoCrisis('what do i do if my kid ever swallows a magnet? asking to be ready');
  });

  it('an overdose "on" something that is no medicine or substance is a figure of speech', () => {
    expectNoCrisis('about to overdose on free cookies at the volunteer lunch');
    expectNoCrisis('overdosed on garlic in the dietitian\'s heart healthy pasta');
    expectCrisis('overdosed on tylenol again tonight', 'overdose', /crisis \(overdose or poisoning\)/);
    expectPossible('overdosed on 30 of my xanax', 'overdose', /overdose named, no present symptom/);
    expectCrisis('my son od\'d on something at a party, he is blue and not breathing', 'overdose', /crisis \(overdose or poisoning\)/);
  });

  it('classes, games and a mistaken fear are not raised', () => {
    expectNoCrisis('does your hospital do infant cpr classes? terrified of choking');
    expectNoCrisis('gonna kill myself in minecraft to respawn faster while i wait');
    expectNoCrisis('came in thinking i was having a heart attack, it was gas. 5 stars');
    expectNoCrisis('had a seizure 3 yrs ago, on keppra since, can you sign my dmv form');
  });
});

describe('crisis: medical emergency', () => {
  it.each([
    ['my mom cant lift her right arm and her speech is slurred', /two stroke signs/],
    ['my grandpa is slurring suddenly, should we call 911', /stroke sign \+ sudden onset or call for help/],
    ['crushing chest pain going down my left arm for the last 20 minutes', /chest pain \+ arm, jaw, sweat, breath or call for help/],
    ['ate a cookie with nuts and now my throat is closing', /airway swelling \+ allergy/],
    ['my dad just collapsed in your parking garage', /collapsed or unresponsive/],
    ['bp 230/140 and a pounding headache', /blood pressure out of range \("blood pressure 230\/140"\)/],
    ['his blood sugar is 41 and he is confused', /blood sugar out of range/],
    ['my 3 week old has a temp of 100.9', /temperature out of range/],
    ['my baby stopped breathing for a few seconds and turned blue', /not breathing properly/],
    ['kid fell off his bike, hit his head, now throwing up and confused', /head injury \+ red flags/],
  ])('signs and numbers, not names: %j', (text, reason) => {
    expectCrisis(text, 'emergency', reason);
  });

  it('one sign alone is a possible crisis', () => {
    expectPossible('the left side of my face feels droopy?', 'emergency', /one stroke sign/);
    expectPossible('chest pain on and off since lunch', 'emergency', /chest pain alone/);
    expectPossible('bp was 185/115 at the pharmacy kiosk just now', 'emergency', /blood pressure high or low, no symptom/);
  });

  it('idioms, hypotheticals, resolved and fictional emergencies are not raised', () => {
    expectNoCrisis('this billing department is giving me a heart attack lol');
    expectNoCrisis('that parking bill gave me chest pains');
    expectNoCrisis('how do you know if chest pain is a heart attack or anxiety?');
    expectNoCrisis('my son had a seizure last spring and neuro was wonderful, he is fine now');
    expectNoCrisis('in last night\'s episode the intern said the patient was not breathing, so dramatic');
    expectNoCrisis('not having a stroke, my face always looks this tired');
  });
});

describe('crisis: on-site hazard', () => {
  it.each([
    ['there are flames in the trash room on the 2nd floor', /fire at one of our places/],
    ['smells strongly like gas in the outpatient lobby', /gas at one of our places/],
    ['stuck in the elevator at the west garage with two other people', /lift stuck or falling/],
    ['part of the ceiling just collapsed in the cafeteria', /structure failing/],
    ['a dementia patient from memory care just walked out the front doors toward the road', /patient leaving a secure unit/],
  ])('%j', (text, reason) => {
    expectCrisis(text, 'hazard', reason);
  });

  it('a hedge or a weaker sign makes it possible', () => {
    expectPossible('kind of a gas smell near imaging?', 'hazard', /gas at one of our places, hedged/);
    expectPossible('water dripping from the ceiling tiles by the lab', 'hazard', /hazard sign without confirmation/);
  });

  it('drills, maintenance, idioms and stories are not raised', () => {
    expectNoCrisis('fire drill on the 4th floor at 10am today, it is only a drill');
    expectNoCrisis('the new chef is on fire, best cafeteria food in town');
    expectNoCrisis('remember when the elevator got stuck back in 2021? glad they replaced it');
    expectNoCrisis('is the gas station by the ER open late?');
  });
});

describe('crisis: violence', () => {
  it.each([
    ['a man in the waiting room just pulled a gun', /violence under way/],
    ['some guy is punching a nurse at the front desk', /violence under way/],
    ['i will find that doctor after my shift and she will regret it', /threat against our staff or place/],
    ['guy with a knife walking through the ER', /weapon \+ threat, place or time/],
    ['someone in the comments saying they will bomb the clinic friday', /threat against our staff or place/],
    ['ill come back with my bat and show those nurses. watch', /weapon \+ threat, place or time/],
    ["i swear if that dr tells my wife she's fine one more time i'm gonna wait for him in the lot and he wont walk out", /threat/],
    ['a man has been sending me pics of your nurse Kayla at her house. he says she\'s next', /threat/],
    ['hearing shouting and a gunshot from the lobby RIGHT NOW we\'re hiding in radiology', /violence/],
  ])('%j', (text, reason) => {
    expectCrisis(text, 'violence', reason);
  });

  it('a veiled threat against staff or a suspected weapon is possible', () => {
    expectPossible('if that nurse is rude to my dad again he will regret it', 'violence', /veiled threat against staff|conditional/);
    expectPossible('heard a loud bang in the garage and saw people ducking', 'violence', /weapon or gunfire suspected/);
  });

  it('hyperbole, pain words and medical tools are not violence', () => {
    expectNoCrisis("i'd kill for a parking spot at this place");
    expectNoCrisis('stabbing pain in my lower back since tuesday, need an appointment');
    expectNoCrisis('gamma knife radiosurgery went well for my mom');
    expectNoCrisis('your billing office is killing me with these letters');
    expectNoCrisis('the new food court is the bomb');
  });
});

describe('context: tense, negation and framing decide, not the word', () => {
  const seeds = [
    'i took all my pills',
    'i want to kill myself',
    'my dad collapsed and is unresponsive',
    'i overdosed on my oxys and cant feel my legs',
    'i cut myself',
  ];
  const pastMarkers = ['I used to think', 'Two years ago', 'Back in 2019', 'Years ago when i was 19'];

  it('a past marker turns a crisis off', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.constantFrom(...pastMarkers), (seed, marker) => {
        const result = classify(`${marker} ${seed}. thank you for being there`);
        expect(result.crisis, result.reasons.join('\n')).toBeUndefined();
        expect(result.urgency).not.toBe('critical');
      }),
      { numRuns: 60 },
    );
  });

  it('negation turns a crisis off', () => {
    for (const text of ["i would never kill myself, i'm just tired of waiting", "i'm not suicidal, just frustrated", 'no chest pain at all, just a cough', 'he is not unresponsive, just sleepy']) {
      expectNoCrisis(text);
    }
  });

  it('"again", "tonight" or "right now" after the past keeps it on', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.constantFrom(...pastMarkers), fc.constantFrom('and tonight i did it again', 'and right now it is happening again', 'but tonight it is back'), (seed, marker, now) => {
        const result = classify(`${marker} ${seed} ${now}`);
        expect(result.urgency, `${marker} ${seed} ${now}\n${result.reasons.join('\n')}`).toBe('critical');
        expect(result.crisis).toBeDefined();
      }),
      { numRuns: 60 },
    );
  });

  it('an anniversary ("a year ago tonight") is the past, not tonight', () => {
    expectNoCrisis('a year ago tonight my son stopped breathing and your PICU saved him');
  });

  it('leaves a reason for every crisis cue it sets aside', () => {
    expect(reasonsOf('two years ago i overdosed and your ER saved me')).toMatch(/crisis cues set aside, past event \("two years ago/);
    expect(reasonsOf('feeling suicidal? join our suicide prevention walk this saturday')).toMatch(/crisis cues set aside, information or a campaign/);
  });

  it('a joking tone lowers a crisis to possible rather than dropping it', () => {
    const result = classify('lol i have a gun in my car in your parking lot');
    expect(result.crisis?.tier).toBe('possible');
    expect(result.reasons.join(' ')).toMatch(/joking tone/);
  });

  it('surrounding noise, handles and links change nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom('@RiverbendHealth', 'hey', 'https://t.co/abc', '😭', 'pls'), fc.constantFrom(...seeds.slice(0, 3)), (noise, seed) => {
        expect(classify(`${noise} ${seed} right now ${noise}`).urgency).toBe('critical');
      }),
      { numRuns: 30 },
    );
  });

  it('the tier can be read back from what the store keeps', () => {
    for (const text of ['i want to kill myself tonight', 'chest pain on and off since lunch', 'the portal is down again']) {
      const result = classify(text);
      expect(readCrisisFlag(result)).toEqual(result.crisis);
    }
  });
});

describe('self-harm told as a decision or a farewell', () => {
  it('a decision beside a farewell is a crisis', () => {
    expectCrisis("i think everyone at the clinic did what they could. i'm just done now. please tell dr. aziz it wasnt her fault", 'self-harm', /farewell \+ farewell or decision/);
  });

  it.each([
    ['discharged from psych yesterday and honestly i dont plan on being around for the follow up appt', /finality without intent or timing/],
    ["roommate hasn't come out of her room in 2 days and her last text said 'this is the last one, love you'", /farewell without intent or timing/],
  ])('%j alone is a possible crisis', (text, reason) => {
    expectPossible(text, 'self-harm', reason);
  });
});

describe('what does not set a crisis aside', () => {
  it('a patient waving it off ("says it\'s indigestion") is a red flag, not a crisis handled', () => {
    expect(classify("husband has crushing pressure in his chest going down his left arm and he's sweating buckets. says it's indigestion").urgency).toBe('critical');
  });

  it('a show one is at is no fiction', () => {
    expect(classify("bro snorted something at the show and hes blue around the mouth, breathing weird. we're 5 min away").urgency).toBe('critical');
  });
});

describe('posts typed in a hurry', () => {
  it.each([
    ['newborn turning gray n blue when she breathes we r 10 min away', 'emergency'],
    ["omg my sons lips r blue n hes gasping", 'emergency'],
    ['my brother texted me goodbye n his phone is off, he was just discharged from psych', 'self-harm'],
  ])('%j reads its shorthand ("n", "r") as the words', (text, kind) => {
    expect(classify(text).crisis).toMatchObject({ tier: 'crisis', kind });
  });

  it('keeps shorthand jokes inert', () => {
    expectNoCrisis('the hospital gala rock n roll night was da bomb, u guys r the best');
  });
});
