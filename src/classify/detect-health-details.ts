import { kindIndex, type PhraseKind } from './cue-kinds.js';
import type { Found } from './found.js';
import type { PhraseMatch } from './phrase-index.js';

const FIRST_PERSON = new Set(['i', "i'm", "i've", "i'd", "i'll", 'me', 'myself']);
/** Relatives that are only someone's in particular after "my" or "our": "kids benadryl" is a product. */
const GENERIC_RELATIVES = new Set(['kids', 'kid', 'child', 'children', 'parents', 'parent', 'baby', 'babies', 'family']);
const POSSESSIVE_BEFORE = new Set(['my', 'our', 'his', 'her']);

/**
 * A health detail about the author or a relative told without a diagnosis word: a care setting
 * they are in ("my dad got moved from the ICU"), an injury to a body part ("broke my finger"), a
 * pregnancy or birth, a test or record, a treatment or plan, a medicine by name. Returns the words
 * for the reason, or undefined. A general question ("is the ICU open to visitors") has no owner.
 */
export function findHealthDetail(found: Found): string | undefined {
  for (const setting of found.all('hv.careSettings')) {
    const presence = found.all('hv.presence').find((p) => p.start < setting.start && setting.start - p.start <= 5 && sameSentence(found, p, setting));
    const owner = (presence && ownerBefore(found, presence.start, 8, setting)) ?? ownerAfter(found, setting, true, true);
    if (owner) return `${owner} + care setting "${found.text(setting)}"`;
  }
  // The ER and urgent care are where people complain about waits ("this wait at the ER is killing me"):
  // only someone's presence there says they are a patient ("my dad is in the ER", "spent the night at urgent care").
  for (const setting of found.all('hv.emergencySettings')) {
    const presence = found.all('hv.presence').find((p) => p.start < setting.start && setting.start - p.start <= 3 && sameSentence(found, p, setting));
    const owner = presence && (ownerBefore(found, presence.start, 6, setting) ?? authorByVerb(found, presence));
    if (owner) return `${owner} + care setting "${found.text(setting)}"`;
  }
  for (const clinician of found.all('hv.clinicians')) {
    // "my oncologist", "mom's surgeon", "her cardiologist": someone's own clinician says they are a patient.
    const owner = possessiveBefore(found, clinician.start);
    if (owner) return `${owner} + clinician "${found.text(clinician)}"`;
  }
  for (const injury of found.all('hv.injuries')) {
    const part = found.all('hv.bodyParts').find((p) => Math.abs(p.start - injury.start) <= 5 && sameSentence(found, p, injury));
    if (!part) continue;
    const from = Math.min(part.start, injury.start);
    const to = Math.max(part.start + part.entry.tokens.length, injury.start + injury.entry.tokens.length);
    const owner = ownerWithin(found, from, to) ?? ownerBefore(found, from, 6, injury) ?? authorByVerb(found, injury);
    if (owner) return `${owner} + injury "${found.tokens.slice(from, to).join(' ')}"`;
  }
  const kinds: ReadonlyArray<readonly [PhraseKind, string]> = [
    ['hv.pregnancy', 'pregnancy or birth'], ['hv.testsAndRecords', 'test or record'], ['hv.treatments', 'treatment'],
  ];
  for (const [kind, label] of kinds) {
    for (const match of found.all(kind)) {
      const end = match.start + match.entry.tokens.length;
      const owner =
        ownerWithin(found, match.start, end) ?? possessiveBefore(found, match.start) ?? ownerBefore(found, match.start, 6, match) ??
        ownerAfter(found, match, true) ?? authorByVerb(found, match);
      // "where can i park for the sleep study?" asks about a service; "is my mri back?" discloses.
      if (owner && !(owner === '"i"' && inQuestion(found, match) && !ownedInSentence(found, match))) return `${owner} + ${label} "${found.text(match)}"`;
    }
  }
  for (const medicine of found.all('medicine')) {
    const owner =
      possessiveBefore(found, medicine.start) ?? ownerBefore(found, medicine.start, 12, medicine) ?? ownerAfter(found, medicine, false) ??
      authorByVerb(found, medicine);
    if (owner) return `${owner} + medicine "${found.text(medicine)}"`;
  }
  return undefined;
}

/**
 * Posts drop the "I": "tore my acl", "started prednisone yesterday", "had a panic attack". A health
 * detail within four words of a sentence that opens with one of these verbs is the author's.
 */
const AUTHOR_VERBS = new Set(['had', 'got', 'tore', 'broke', 'sprained', 'started', 'finished', 'fighting', 'battling', 'beat', 'survived', 'diagnosed', 'spent', 'sat', 'took', 'taking', 'just', 'finally', 'been', 'starting', 'getting', 'having']);

export function authorByVerb(found: Found, match: PhraseMatch): string | undefined {
  const sentence = found.sentenceOf(match.start);
  let first = match.start;
  while (first > 0 && found.sentenceOf(first - 1) === sentence) first--;
  while (first < match.start && (found.tokens[first] as string).startsWith('@')) first++;
  const verb = found.tokens[first] as string;
  return match.start - first <= 4 && AUTHOR_VERBS.has(verb) && first < match.start ? `"${verb}" (the author)` : undefined;
}

function sameSentence(found: Found, a: PhraseMatch, b: PhraseMatch): boolean {
  return found.sentenceOf(a.start) === found.sentenceOf(b.start);
}

/** The author or a relative named before `at` in its sentence: within `window` words, "i"/"me" within 4. */
function ownerBefore(found: Found, at: number, window: number, of: PhraseMatch): string | undefined {
  const sentence = found.sentenceOf(of.start);
  for (const ref of found.all('selfReference')) {
    if (ref.start >= at || at - ref.start > window || found.sentenceOf(ref.start) !== sentence) continue;
    const word = found.text(ref);
    if (FIRST_PERSON.has(word) && at - ref.start > 4) continue;
    if (GENERIC_RELATIVES.has(word) && !POSSESSIVE_BEFORE.has(found.tokens[ref.start - 1] ?? '')) continue;
    return `"${word}"`;
  }
  return undefined;
}

/**
 * Whose it is, said right before it: "my", "our", "his", "her", "their", or a relative's ("mom's",
 * "my husband's"). "the surgeon", "a therapist" and "kids benadryl" have no owner.
 */
function possessiveBefore(found: Found, at: number): string | undefined {
  const before = found.tokens[at - 1];
  if (before === undefined) return undefined;
  if (OWNING.has(before)) return `"${before}"`;
  if (before.endsWith("'s") && found.all('selfReference').some((ref) => ref.start === at - 1 && !GENERIC_RELATIVES.has(before.slice(0, -2)))) {
    return `"${before}"`;
  }
  return undefined;
}
const OWNING = new Set(['my', 'our', 'his', 'her', 'their']);

/** "my" or "i'm" inside the phrase itself: "had my baby", "i'm 28 weeks". */
function ownerWithin(found: Found, from: number, to: number): string | undefined {
  for (let i = from; i < to; i++) {
    const token = found.tokens[i] as string;
    if (token === 'my' || FIRST_PERSON.has(token)) return `"${token}"`;
  }
  return undefined;
}

/**
 * The owner right after: the author ("started prednisone yesterday and i can't sleep"), or with
 * `relatives`, "for my dad", "of my mom" ("gamma knife treatment went smoothly for my dad").
 */
function ownerAfter(found: Found, match: PhraseMatch, relatives: boolean, cared = false): string | undefined {
  const end = match.start + match.entry.tokens.length;
  for (let i = end; i < end + 6 && i < found.tokens.length; i++) {
    if (found.sentenceOf(i) !== found.sentenceOf(match.start)) return undefined;
    const token = found.tokens[i] as string;
    if (i < end + 4 && FIRST_PERSON.has(token) && !relatives) return `"${token}"`;
    // "the burn unit nurses got me through it", "the nicu team took care of my son"
    if (cared && token === 'me') return '"me"';
    if (cared && token === 'my' && found.all('selfReference').some((ref) => ref.start === i + 1)) return `"my ${found.tokens[i + 1]}"`;
    if (relatives && (token === 'for' || token === 'of') && found.tokens[i + 1] === 'my') return `"my ${found.tokens[i + 2] ?? ''}"`;
  }
  return undefined;
}

/** Kinds that name a health detail by themselves: a condition, a treatment, a test, a pregnancy, a medicine. */
const MEDICINE = kindIndex('medicine');
const DETAIL_KINDS: readonly number[] = (['health', 'hv.treatments', 'hv.testsAndRecords', 'hv.pregnancy', 'medicine'] as const).map(kindIndex);
/** "i'm a nurse", "as a doctor", "i work in": someone speaking for the care, not about their own. */
const STAFF_VOICE = /\b(?:i'm an? (?:nurse|doctor|doc|physician|medic|paramedic|pharmacist|tech|therapist|cna|rn|np|pa|resident)|as an? (?:nurse|doctor|physician|rn|pharmacist)|i work (?:in|at|on|for)|i volunteer|my patients|our patients|we're hiring|we are hiring)\b/;

/**
 * Posts drop the owner altogether: "pap smear came back abnormal", "day 3 of chemo round 4 and the
 * nurses keep my ginger ale cold", "sertraline 50mg, month 2". A health detail in a post that tells
 * its author's own story (a first-person word or a relative anywhere in it) is theirs, unless the
 * post is information, fiction or a staff member speaking. Tried after the owned rules.
 */
export function storyDisclosure(found: Found, text: string, selfReferences: ReadonlySet<string>): string | undefined {
  if (!DETAIL_KINDS.some((kind) => found.any(kind))) return undefined;
  if (found.any('information') || found.any('fiction') || STAFF_VOICE.test(text.toLowerCase())) return undefined;
  const idioms = found.raw('idiom');
  const owner = found.tokens.find((t) => selfReferences.has(t) && !GENERIC_RELATIVES.has(t));
  if (owner === undefined) return undefined;
  for (const kind of DETAIL_KINDS) {
    for (const match of found.all(kind)) {
      if (idioms.some((idiom) => idiom.start <= match.start && idiom.start + idiom.entry.tokens.length > match.start)) continue;
      // "can i park for the sleep study?", "not having a stroke", "the cancer center's parking".
      if (inQuestion(found, match) || negatedDetail(found, match) || insideCareSetting(found, match)) continue;
      return `"${owner}" + ${kind === MEDICINE ? 'medicine' : 'health detail'} "${found.text(match)}"`;
    }
  }
  return undefined;
}

const NEGATORS = new Set(['not', 'no', 'never', "didn't", "don't", "wasn't", "isn't", "aren't"]);

function negatedDetail(found: Found, match: PhraseMatch): boolean {
  for (let back = match.start - 1; back >= 0 && back >= match.start - 3; back--) if (NEGATORS.has(found.tokens[back] as string)) return true;
  return false;
}

/** The sentence holding the match asks something: a question is not a disclosure by itself. */
function inQuestion(found: Found, match: PhraseMatch): boolean {
  return found.questionSentences.has(found.sentenceOf(match.start));
}

/** "cancer" in "cancer center", "labor" in "labor and delivery": a department, read by the care-setting rule. */
export function insideCareSetting(found: Found, match: PhraseMatch): boolean {
  return found.all('hv.careSettings').some((setting) => setting.start <= match.start && setting.start + setting.entry.tokens.length > match.start);
}

/** "my" or "our" earlier in the sentence: "where do i get my son's vaccine record?". */
function ownedInSentence(found: Found, match: PhraseMatch): boolean {
  const sentence = found.sentenceOf(match.start);
  for (let i = match.start - 1; i >= 0 && found.sentenceOf(i) === sentence; i--) if (OWNING.has(found.tokens[i] as string)) return true;
  return false;
}
