import { describe, expect, it } from 'vitest';
import { classifier, rulesOnly } from '../helpers/setup.js';

const classify = (text: string) => classifier().classify(text);

describe('critical incidents in plain words', () => {
  it.each([
    ['the tech at @RiverbendHealth posted my daughters mri on his instagram', /urgency critical: .*privacy breach: "tech", "posted"/],
    ['your clinic faxed my hiv results to my employer', /privacy breach: "to my employer"/],
    ['they discharged my grandma at midnight still confused and with no ride home', /unsafe discharge: "discharged", "at midnight"/],
    ['the night nurse slapped my father when he asked for water', /staff violence against a patient: "night nurse|nurse", "slapped"/],
    ['my insulin ran out yesterday and the pharmacy says the refill is still pending', /life-sustaining medicine ran out \(insulin\): "insulin", "ran out"/],
    ['i have your receptionist on video screaming at my mom and it goes on tiktok tonight', /threat to go public with a recording: "on video", "(goes on )?tiktok"/],
  ])('%j is critical, a complaint, and says why', (text, reason) => {
    const result = classify(text);
    expect(result.urgency, result.reasons.join('\n')).toBe('critical');
    expect(result.categories).toContain('complaint');
    expect(result.categories).not.toContain('crisis');
    expect(result.reasons.join(' | ')).toMatch(reason);
  });

  it.each([
    ['the tech was on speakerphone in the hallway reading my husbands biopsy results to someone. whole waiting room heard'],
    ['the clinic emailed my whole family group the bloodwork results instead of just me, cc not bcc'],
    ['discharged my aunt to a shelter 3 days after hip surgery. she has no one'],
    ['sent home with a concussion and told to drive myself. i was seeing double'],
    ['my mother was restrained to the bed for 2 days by the night staff and nobody told us. wrists raw'],
    ['the pharmacy says my tacrolimus wont be in until next week. i had a kidney transplant 8 months ago'],
    ['grandpa was left in a soiled bed for 7 hours, call light on the whole time'],
    ['my dashcam caught your ambulance crew dropping my uncle on the stretcher. this will be public by friday'],
  ])('%j, told as families write it, is critical', (text) => {
    expect(classify(text).urgency, classify(text).reasons.join('\n')).toBe('critical');
  });

  it.each([
    'gma fell and broke her wrist, the clinic casted it in like 40 min. she picked purple',
    'sprained my ankle stepping off the curb while dropping my kid off. the irony',
  ])('%j is not an incident', (text) => {
    expect(classify(text).urgency).not.toBe('critical');
  });

  it('a life-sustaining medicine running low is high, not critical', () => {
    const result = classify('only 4 pills left of my keppra and no one calls back about the refill');
    expect(result.urgency).toBe('high');
    expect(result.reasons.join(' ')).toMatch(/life-sustaining medicine running low \(anticonvulsant\)/);
  });

  it.each([
    'the nurse pushed my dads wheelchair to the car and waited with us',
    'the doctor grabbed me a pillow, so thoughtful',
    'they discharged my wife this morning and she is home resting',
    'my story was shared on your page with my permission and i love it',
    'ran out of parking validation stickers at the front desk again',
    'recorded my physical therapy exercises so i can do them at home',
  ])('%j is not an incident', (text) => {
    const result = classify(text);
    expect(result.urgency, result.reasons.join('\n')).not.toBe('critical');
    expect(result.reasons.join(' ')).not.toMatch(/privacy breach|unsafe discharge|staff violence|life-sustaining|recording/);
  });

  it('the author posting their own photo is no breach by the rules', () => {
    // The crisis model, trained on writers' posts where staff posted patients' photos, still gives
    // this one to a person to check ("possible critical incident: resembles critical posts").
    const result = rulesOnly().classify('posted a photo of my newborn on facebook, born at riverbend tuesday');
    expect(result.urgency, result.reasons.join('\n')).not.toBe('critical');
  });
});

describe('health details by vocabulary', () => {
  it.each([
    ['my mom got moved to the icu last night', /icu/],
    ['my son is in the nicu and the nurses are amazing', /care setting "nicu"/],
    ['fractured my wrist skating', /injury "fractured my wrist"/],
    ['im 30 weeks pregnant and my ob appointment moved again', /pregnant/],
    ['where do i get my sons vaccine record?', /test or record "vaccine record"/],
    ['grandpa starts dialysis on monday', /dialysis/],
    ['my dad takes eliquis and the pharmacy is out', /medicine "eliquis"/],
    ['started prednisone today and i feel wired', /medicine "prednisone"/],
  ])('%j discloses health information', (text, reason) => {
    const result = classify(text);
    expect(result.categories, result.reasons.join('\n')).toContain('phi');
    expect(result.reasons.find((r) => r.startsWith('discloses health information'))).toMatch(reason);
  });

  it.each([
    'what are the ER hours at the north campus?',
    'is the icu family lounge open at night?',
    'can visitors bring food to the nicu?',
    'how much does an mri cost without insurance',
    'do you sell kids benadryl at the pharmacy?',
    'what floor is oncology on',
  ])('%j is a question about a service, not a disclosure', (text) => {
    const result = classify(text);
    expect(result.categories, result.reasons.join('\n')).not.toContain('phi');
  });

  it('a crisis told as the past is still a health detail, but not a crisis', () => {
    const result = classify('i used to self harm in college, your counseling center got me through it');
    expect(result.crisis).toBeUndefined();
    expect(result.categories).toContain('phi');
    expect(result.reasons.join(' ')).toMatch(/told as past/);
  });
});
