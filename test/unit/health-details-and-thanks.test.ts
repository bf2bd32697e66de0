import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/digest/redact.js';
import { createReplyGuard } from '../../src/triage/reply-guard.js';
import { classifier, lexicon } from '../helpers/setup.js';

const classify = (text: string) => classifier().classify(text);
const reasons = (text: string) => classify(text).reasons.join(' | ');

describe('thanks for care told beside a dark story', () => {
  it.each([
    'had a panic attack in the lobby and the receptionist sat with me. small thing, meant everything',
    'my dad coded twice last spring and your team brought him back. thank you forever',
    'tysm to whoever left the coffee cart open late in the ED waiting area',
  ])('is praise: %j', (text) => {
    expect(classify(text).categories).toContain('praise');
  });

  it.each([
    ['sarcasm beside a service failure', 'thanks for making us wait 6 hours in the ER with a broken arm'],
    ['thanks for nothing', 'thanks for nothing, 3 calls and still no callback about my referral'],
    ['a polite question', 'thanks in advance, does the lab on 5th take walk ins?'],
  ])('is not praise when it is %s', (_why, text) => {
    expect(classify(text).categories).not.toContain('praise');
  });

  it('names the thanks in its reason when no praise word is there', () => {
    expect(reasons('tysm to the overnight desk crew')).toContain('praise: "tysm"');
  });
});

describe('slang praise', () => {
  it.each(['the night nurses on 4 west are goated', 'the phlebotomist was a rockstar, one stick and done', 'your pharmacy team is elite, chef\'s kiss'])(
    'is praise: %j',
    (text) => {
      const result = classify(text);
      expect(result.sentiment).toBe('positive');
      expect(result.categories).toContain('praise');
    },
  );

  it('"legend has it" is not praise', () => {
    expect(classify('legend has it the parking machine on level 2 has never once taken a card').categories).not.toContain('praise');
  });
});

describe('health details by structure', () => {
  it.each([
    ['my neurologist moved my appointment again', 'clinician "neurologist"'],
    ["i recorded my surgeon's instructions so i wouldn't forget", "clinician \"surgeon's\""],
    ["her cardiologist finally called back", 'clinician "cardiologist"'],
    ['his eliquis refill is stuck at the pharmacy', 'medicine "eliquis"'],
    ['the burn unit nurses got me through it', 'care setting "burn unit"'],
    ['the nicu team took care of my son for six weeks', 'care setting "nicu"'],
    ["my dad's on hemodialysis three days a week", 'treatment "hemodialysis"'],
    ['gf got her IUD there today and nobody offered anything for the pain', 'treatment "iud"'],
    ['my dad is in the ER right now', 'care setting "er"'],
    ['my kid just got her ear tubes out', 'treatment "ear tubes"'],
  ])('%j discloses a health detail', (text, why) => {
    const result = classify(text);
    expect(result.categories).toContain('phi');
    expect(result.reasons.join(' ')).toContain(why);
  });

  it.each([
    'the surgeon on the news said flu season is early',
    'is the icu open to visitors after 8',
    'call my doctor, they said, and the nurse line told me to call my doctor',
    'the icu nurses held my hand all night, you are heroes',
    // Waits at the ER are complaints about a place; only someone's presence there says they are a patient.
    'this wait at the urgent care is killing me',
    'the ER parking lot is a nightmare, took me 20 min to find a spot',
    'got my referral for the new job sorted, thanks hr',
  ])('%j has no owner of a health detail', (text) => {
    expect(classify(text).categories).not.toContain('phi');
  });
});

describe('crisis signs counted once', () => {
  it('overlapping phrases for one sign are one red flag', () => {
    const result = classify('fell and hit my head on the ice, now my vision is a little blurry');
    expect(result.crisis?.tier).toBe('possible');
    expect(result.reasons.join(' ')).toContain('one red flag');
  });

  it('two different red flags make it a crisis', () => {
    expect(classify('fell and hit my head on the ice, now my vision is a little blurry and i threw up twice').crisis?.tier).toBe('crisis');
  });

  it('"almost died laughing" is not a safety incident; "almost died" in our garage is', () => {
    expect(classify('we almost died laughing at the waiting room tv show').urgency).not.toBe('critical');
    expect(reasons('i almost died in your parking garage when the barrier came down on my car')).toContain('patient-safety incident');
  });
});

describe('the reply guard and the digest redactor know the whole health vocabulary', () => {
  const guard = createReplyGuard(lexicon);
  const redact = createRedactor(lexicon);

  it.each([
    ['a medicine', 'my eliquis refill is stuck', 'So sorry about the eliquis delay, please DM us.', '"eliquis"'],
    ['a care setting', 'my mom is in the nicu and nobody calls us back', 'We are sorry the NICU has not called back. Please DM us.', '"nicu"'],
    ['a clinician', 'my oncologist cancelled again', 'Sorry your oncologist had to reschedule, please DM us.', '"oncologist"'],
  ])('refuses a reply that repeats %s from the mention', (_what, mention, reply, term) => {
    const verdict = guard.check(reply, mention);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join(' ')).toContain(term);
  });

  it('lets a reply without the details through', () => {
    expect(guard.check("We're sorry for the trouble. Please send us a direct message so we can help.", 'my eliquis refill is stuck').ok).toBe(true);
  });

  it('masks medicines, care settings and clinicians in digest quotes', () => {
    const masked = redact('Eliquis refill lost, mom stuck in the NICU hallway, her oncologist never called');
    expect(masked).not.toMatch(/eliquis|nicu|oncologist/i);
    expect(masked).toContain('[health detail]');
  });
});

describe('the reply guard on the ways people write replies', () => {
  const guard = createReplyGuard(lexicon);
  const mention = 'my son waited 6 hours in the ER';

  it.each([
    ['a care verb on a relative', 'It was an honor to care for your twins!', /confirms the author is a patient/],
    ["a relative's visit", "We're looking into what happened with your son's visit.", /confirms the author is a patient/],
    ['being seen here', 'We see you were seen in our ER last month.', /confirms the author is a patient/],
    ['a relative in one of our units', 'We have let the 4th floor nurses know your mom needs help.', /confirms the author is a patient/],
    ['thanks for coming to a clinic', 'Thanks for visiting our orthopedic clinic! Glad you are healing.', /confirms the author is a patient/],
    ['a named clinician beside "you"', 'Dr. Kim and the team are so proud of you.', /names a member of staff: "Dr. Kim"/],
    ['a time of care', "We've spoken with the front desk about your check-in this morning.", /gives a time of someone's care/],
    ['a medicine the mention did not name', 'The Adderall shortage is hitting us too.', /names a medicine: "adderall"/],
    ['a condition owned by the reader', "We are sorry about your wife's miscarriage.", /ties a health detail to the author/],
  ])('refuses %s', (_what, reply, problem) => {
    const verdict = guard.check(reply, mention);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join(' | ')).toMatch(problem);
  });

  it.each([
    'Our ER is open 24/7 and parking is free in Garage B.',
    'Free flu shots at our community clinic, Saturdays 9am-1pm through December.',
    "Thank you for the kind words about our nurses! We'll share them with the team.",
    'If you ever need urgent care, our Main St clinic takes walk-ins until 8pm.',
    'Please call or text 988 any time, or 911 if you are in danger now.',
    'We appreciate your patience and your feedback. Please call 555-0100 so we can learn more.',
  ])('lets a general reply through: %j', (reply) => {
    const verdict = guard.check(reply, mention);
    expect(verdict.problems).toEqual([]);
  });
});

describe('the reply guard reads a reply sentence by sentence', () => {
  const guard = createReplyGuard(lexicon);
  const problems = (reply: string, mention = 'thank you all so much') => guard.check(reply, mention).problems.join(' | ');

  it.each([
    ['a treatment spoken to the person', 'So proud of you! Keep up those hip replacement exercises!', /speaks of a health detail to the person: "hip replacement"/],
    ['a unit by the name staff give it', 'We will share the shoutout with everyone up on 5 North.', /names a unit beside the person: "5 North"/],
    ['a care setting with its team', 'Our Labor & Delivery nurses live for updates like this.', /names a unit beside the person/],
    ['a nurse by first name', 'Our nurse Carlos has a voice like an angel, we will make sure he sees this!', /names a member of staff: "Our nurse Carlos"/],
    ['a doctor by name', 'Dr. Patel is a legend. We will make sure he sees this. Feel better!', /names a member of staff: "Dr\. Patel"/],
    ['what we found in their records', 'We looked into this and your account shows the claim was resubmitted.', /tells what we found in their records/],
    ['a time of care', 'Everyone is a little grumpy at a 6am check-in!', /gives a time of someone's care: "6am"/],
    ['time spent with us', 'Thank you for your patience while you and your daughter waited with us.', /confirms the author is a patient: "waited with us"/],
    ['a date of birth', 'The wallet with the license for Michael Torres, DOB 6/2/1970 is at the desk.', /posts personal data/],
    ['being trusted with a relative', 'Thanks for trusting us with your dad! Love hearing he is back out in the garden.', /confirms the author is a patient: "trusting us with"/],
    ['a welcome back', 'Welcome back! Let us know if there is anything we can do.', /confirms the author is a patient: "Welcome back"/],
    ['getting someone seen', 'Glad we could get your son seen, and we hope he is healing well.', /confirms the author is a patient/],
    ['a busy night in the ER', "We're sorry Friday night was so busy in the ER. Please DM us.", /gives a time of someone's care: "Friday night"/],
    ['a treatment after a dash', "Glad it's over! Ice and rest help a lot after a knee replacement—hang in there.", /"knee replacement"/],
  ])('refuses %s', (_what, reply, problem) => {
    expect(problems(reply)).toMatch(problem);
  });

  it.each([
    ['public directions that use the post\'s words', 'The Outpatient Surgery Center is at 2200 Harmon Rd, behind the main hospital. Park in Lot C.', 'where is the outpatient surgery center?'],
    ['general advice in a condolence', "We're so deeply sorry for your loss and for the pain you're feeling. Please call 555-0100 whenever you're ready.", 'i had a miscarriage and the staff were cold'],
    ['clinic hours with a time', 'Screening mammograms at our Breast Imaging Center are by appointment, with evening slots until 7pm.', 'does the mammography center take walk-ins?'],
    ['crisis guidance', "If you're ever in severe pain, don't wait: call 911 or go to the nearest ER.", 'on hold 40 min while i was in pain'],
    ['advice to call one\'s own doctor', "We can't give medical advice here. Please call your doctor's office or our 24/7 nurse line at 555-0150.", 'had surgery last week and my incision looks red'],
    ['a public health fair', "Yes! The community health fair is this Saturday 10–2 at the Riverside campus, with free blood pressure checks and kids' activities.", 'is there a health fair this weekend?'],
    ['staff working a holiday', 'Thank you for thinking of our staff! Many of our team members are working tonight.', 'thinking of everyone working thanksgiving tonight'],
  ])('lets %s through', (_what, reply, mention) => {
    expect(guard.check(reply, mention).problems).toEqual([]);
  });
});
