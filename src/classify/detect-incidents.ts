import { LIFE_SUSTAINING, type PhraseKind } from './cue-kinds.js';
import { spanOf, type Found } from './found.js';
import type { PhraseMatch } from './phrase-index.js';

/** A patient-safety or privacy incident told in plain words. */
export interface Incident {
  urgency: 'critical' | 'high';
  /** For the reason line: `privacy breach ("nurse", "posted", "xray")`. */
  reason: string;
}

/**
 * Incidents a lead must see at once, whatever words carry them: someone's chart, photo, results or
 * story exposed by our staff or pages, or a health detail they let others learn; a discharge in an
 * unsafe state; staff violence against a patient; a life-sustaining medicine that ran out (running
 * low is `high`); care given wrong; a patient left in danger; equipment failing on a patient; a
 * recording about to be made public. Each needs its parts together, so "the nurse pushed my mom's
 * wheelchair" or "posted a pic of my new baby" are not incidents. Whether one told as past and put
 * right still counts is for the caller (`incidentAside` in classify-mention.ts).
 */
export function detectIncidents(found: Found): Incident[] {
  const out: Incident[] = [];
  const words = (...matches: Array<PhraseMatch | undefined>) =>
    [...new Set(matches.filter((m): m is PhraseMatch => m !== undefined).map((m) => `"${found.text(m)}"`))].join(', ');

  const info = found.first('protectedInfo');
  if (info && !found.any('consent')) {
    for (const expose of found.all('expose')) {
      const actor = found.all('staff').find((s) => s.start < expose.start && expose.start - s.start <= 8) ?? found.first('ourChannel') ?? found.first('wrongRecipient');
      if (actor) {
        out.push({ urgency: 'critical', reason: `privacy breach: ${words(actor, expose, info)}` });
        break;
      }
    }
  }

  // A health detail our people or pages let others learn: the actor, the detail and who learned it.
  const exposedTo = out.length === 0 && !found.any('consent') ? found.first('exposedTo') : undefined;
  if (exposedTo) {
    const actor = found.first('staff') ?? found.first('ourChannel') ?? found.first('wrongRecipient') ?? found.first('expose');
    const detail = found.first('protectedInfo') ?? found.first('medicine') ?? HEALTH_DETAILS.map((kind) => found.first(kind)).find((m) => m !== undefined);
    if (actor && detail) out.push({ urgency: 'critical', reason: `privacy breach: ${words(actor, detail, exposedTo)}` });
  }

  const discharge = found.first('discharge');
  const unsafe = found.first('unsafeDischarge');
  if (discharge && unsafe) out.push({ urgency: 'critical', reason: `unsafe discharge: ${words(discharge, unsafe)}` });

  const act = [...found.all('staffViolence'), ...found.all('staffViolenceWeak').filter(() => found.any('harm'))][0];
  if (act) {
    const actor = found.all('staff').find((s) => s.start < act.start && act.start - s.start <= 8);
    const victim = ['selfReference', 'stranger', 'child'].some((kind) => found.near(kind as PhraseKind, spanOf(act), 5));
    if (actor && victim) out.push({ urgency: 'critical', reason: `staff violence against a patient: ${words(actor, act, found.first('harm'))}` });
  }

  for (const group of LIFE_SUSTAINING) {
    const medicine = found.first(`life.${group}`);
    if (!medicine) continue;
    // Often told in the next sentence ("pharmacy lost his tacrolimus. he's missed 2 doses").
    const out_ = found.near('medicationOut', spanOf(medicine), 10) ?? withinTokens(found, 'medicationOut', medicine, 20);
    const low = found.near('medicationLow', spanOf(medicine), 12);
    if (out_) out.push({ urgency: 'critical', reason: `life-sustaining medicine ran out (${group}): ${words(medicine, out_)}` });
    else if (low) out.push({ urgency: 'high', reason: `life-sustaining medicine running low (${group}): ${words(medicine, low)}` });
    if (out_ || low) break;
  }

  const wrong = wrongCare(found);
  if (wrong) out.push({ urgency: 'critical', reason: `care given wrong: ${words(...wrong)}` });

  // A call no one answered beside a danger: the patient was left in it ("she was fine" after all is no incident).
  const unanswered = found.any('resolved') ? undefined : found.first('unanswered');
  const danger = unanswered && [...DANGERS.map((kind) => found.first(kind)), found.first('inDanger')].find((m) => m !== undefined);
  if (unanswered && danger) out.push({ urgency: 'critical', reason: `patient left in danger: ${words(unanswered, danger)}` });

  const equipment = found.first('lifeEquipment');
  const fault = equipment && (found.near('equipmentFault', spanOf(equipment), 6) ?? withinTokens(found, 'equipmentFault', equipment, 8));
  if (equipment && fault && !(unanswered && danger)) out.push({ urgency: 'critical', reason: `equipment failing on a patient: ${words(equipment, fault)}` });

  const recording = found.first('recording');
  const publish = found.first('publish');
  if (recording && publish) out.push({ urgency: 'critical', reason: `threat to go public with a recording: ${words(recording, publish)}` });
  return out;
}

/** The health vocabulary a breach may expose beside the lexicon's protected information. */
const HEALTH_DETAILS = ['health', 'hv.treatments', 'hv.testsAndRecords', 'hv.pregnancy', 'hv.careSettings'] as const;

/** What puts a patient left alone in danger: the emergency signs the crisis rules read. */
const DANGERS = ['breathing', 'airway', 'collapse', 'bleeding', 'chestPain', 'seizure', 'allergicSign', 'headInjury', 'faceDroop', 'armWeakness'] as const;

const GIVING = new Set(['gave', 'given', 'giving', 'hung']);

/** Words that end the reach of "wrong": "nothing wrong with my meds" names no wrong medicine. */
const WRONG_STOPS = new Set(['with', 'w', 'for', 'about', 'on', 'at', 'to', 'in', 'and', 'but', 'if', 'when', 'or']);
/** Before "wrong" as it names the thing given: "got the wrong pill", "gave him wrong dose"; not "went wrong", "nothing wrong". */
const NAMES_THE_THING = new Set(['the', 'a', 'an', 'my', 'his', 'her', 'their', 'your', 'our', 'gave', 'given', 'got', 'get', 'gets', 'getting', 'received', 'hung', 'sent', 'into']);
/** Words that make the wrong a worry, not an event: "thought she got the wrong pill". */
const WORRIED = new Set(['thought', 'worried', 'afraid', 'if', 'whether', 'scared']);

/**
 * Care given wrong: "wrong" or "someone else's" with a care object (a medicine, a treatment, a
 * dose, a limb, a patient) at most two words after it, and no preposition between ("hung the
 * wrong bag on my IV", "the wrong kind of insulin", "someone else's pills"); or a staff member who
 * gave a medicine twice. "the wrong building", "nothing wrong with my meds" are not.
 */
function wrongCare(found: Found): readonly PhraseMatch[] | undefined {
  const objects = [...found.all('careObject'), ...found.all('medicine'), ...found.all('hv.treatments')];
  for (const wrong of found.all('wrongCare')) {
    // "twice" is among these cues so that a dose given twice reaches the rules; it is read below.
    if (found.text(wrong) === 'twice') continue;
    if (found.text(wrong) === 'wrong' && !NAMES_THE_THING.has(found.tokens[wrong.start - 1] ?? '')) continue;
    if (found.tokens.slice(Math.max(0, wrong.start - 6), wrong.start).some((t) => WORRIED.has(t))) continue;
    const end = wrong.start + wrong.entry.tokens.length;
    const object = objects.find((m) => m.start >= end && m.start <= end + 2 && found.sentenceOf(m.start) === found.sentenceOf(wrong.start) && !found.tokens.slice(end, m.start).some((t) => WRONG_STOPS.has(t)));
    if (object) return [wrong, object];
  }
  const twice = found.tokens.indexOf('twice');
  if (twice < 0 || !found.tokens.slice(Math.max(0, twice - 6), twice).some((t) => GIVING.has(t))) return undefined;
  const object = objects.find((m) => m.start < twice && twice - m.start <= 5);
  const staff = found.all('staff').find((m) => m.start < twice);
  return object && staff ? [staff, object] : undefined;
}

/** A match of `kind` within `window` tokens after `near`, in any sentence. */
function withinTokens(found: Found, kind: PhraseKind, near: PhraseMatch, window: number): PhraseMatch | undefined {
  return found.all(kind).find((m) => m.start > near.start && m.start - near.start <= window);
}
