import { CRISIS_KIND_LABELS, type CrisisFlag, type CrisisKind, type CrisisTier } from '../domain/classification.js';
import type { PhraseKind } from './cue-kinds.js';
import { spanOf, type Evidence, type Found } from './found.js';
import type { PhraseMatch } from './phrase-index.js';
import { firstCurrent as current, measuresTime, readContext } from './read-context.js';
import type { VitalSign } from './read-vital-signs.js';

/** What one rule concluded, before the context is read. */
interface Candidate {
  kind: CrisisKind;
  tier: CrisisTier;
  /** The parts that made it, for the reason: "method + timing". */
  rule: string;
  /** The deciding evidence first: its sentence is where tense and negation are read. */
  evidence: Evidence[];
}

export interface CrisisReading {
  flag: CrisisFlag | undefined;
  /** Kinds set aside as a past event, a recovery or already handled: told, so still a health detail. */
  told: CrisisKind[];
  /** The evidence of crises set aside: its words say nothing about how the author feels about us now. */
  setAside: Evidence[];
  /** One per crisis kept ("crisis (self-harm): ...", "possible crisis (...): ...") and per one set aside. */
  reasons: string[];
}

type Part = PhraseMatch | Evidence | undefined;

/** Kinds in the order they lead when several fire: the one whose runbook matters most first. */
const PRIORITY: readonly CrisisKind[] = ['self-harm', 'overdose', 'violence', 'emergency', 'hazard'];

/**
 * The five crisis families, each a few rules that combine signals (a method with a time, a
 * substance with a quantity and a symptom, two stroke signs, a hazard at one of our places, a
 * weapon with a place or a threat with a target). A rule with its confirming part is a crisis; the
 * strong part alone is a possible crisis. The context then keeps, lowers or sets aside each one.
 */
export function detectCrisis(found: Found, vitals: readonly VitalSign[]): CrisisReading {
  const candidates: Candidate[] = [];
  const selfHarm = detectSelfHarm(found);
  if (selfHarm) candidates.push(selfHarm);
  const overdose = detectOverdose(found);
  if (overdose) candidates.push(overdose);
  const violence = detectViolence(found);
  // A weapon in a post about ending one's life is the method, not a threat to others.
  if (violence && !(selfHarm && violence.rule.startsWith('weapon') && !found.any('target') && !found.any('threat'))) candidates.push(violence);
  // Every emergency rule that fired: the context may set one aside (a past fall) and keep another.
  candidates.push(...detectEmergency(found, vitals));
  const hazard = detectHazard(found);
  if (hazard) candidates.push(hazard);

  const kept: Candidate[] = [];
  const reasons: string[] = [];
  const told: CrisisKind[] = [];
  const setAside: Evidence[] = [];
  for (const candidate of candidates) {
    const context = readContext(found, candidate.kind, candidate.evidence);
    if (context.effect === 'drop') {
      reasons.push(`crisis cues set aside, ${context.why}: ${CRISIS_KIND_LABELS[candidate.kind]} ${quote(found, candidate.evidence)}`);
      if (context.because === 'past' || context.because === 'recovery' || context.because === 'handled') told.push(candidate.kind);
      setAside.push(...candidate.evidence);
      continue;
    }
    if (context.effect === 'downgrade' && candidate.tier === 'crisis') {
      kept.push({ ...candidate, tier: 'possible', rule: `${candidate.rule}, but ${context.why}` });
    } else {
      kept.push(candidate);
    }
  }
  kept.sort((a, b) => (a.tier === b.tier ? PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind) : a.tier === 'crisis' ? -1 : 1));
  // One line per kind: the strongest rule of each.
  const shown = kept.filter((c, i) => kept.findIndex((d) => d.kind === c.kind) === i);
  const lead = shown[0];
  const lines = shown.map((c) => `${c.tier === 'crisis' ? 'crisis' : 'possible crisis'} (${CRISIS_KIND_LABELS[c.kind]}): ${c.rule} ${quote(found, c.evidence)}`);
  return { flag: lead ? { tier: lead.tier, kind: lead.kind } : undefined, told, setAside, reasons: [...lines, ...reasons] };
}

function quote(found: Found, evidence: readonly Evidence[]): string {
  const words = [...new Set(evidence.map((e) => ('measure' in e ? `${(e as VitalSign).measure} ${(e as VitalSign).value}` : found.text(e))))];
  return `(${words.map((w) => `"${w}"`).join(', ')})`;
}

function evidence(...parts: Part[]): Evidence[] {
  const out: Evidence[] = [];
  for (const part of parts) if (part) out.push('entry' in part ? spanOf(part) : part);
  return out;
}

function crisis(kind: CrisisKind, rule: string, ...parts: Part[]): Candidate {
  return { kind, tier: 'crisis', rule, evidence: evidence(...parts) };
}

function possible(kind: CrisisKind, rule: string, ...parts: Part[]): Candidate {
  return { kind, tier: 'possible', rule, evidence: evidence(...parts) };
}

// --- self-harm -------------------------------------------------------------------------------

const WARNING_SIGNS: ReadonlyArray<readonly [PhraseKind, string]> = [
  ['method', 'method'], ['plan', 'plan or decision'], ['farewell', 'farewell'], ['giveaway', 'giving things away'],
  ['finality', 'finality'], ['methodQuery', 'looking up a method'],
];

/**
 * Intent said outright is a crisis. Otherwise the warning signs suicide-prevention services publish
 * (a method, a plan or decision, a farewell, giving things away, finality): two of them, or one with
 * a time, are a crisis; one alone is a possible crisis.
 */
function detectSelfHarm(found: Found): Candidate | undefined {
  const intent = current(found, 'intent');
  const signs: Array<readonly [PhraseMatch, string]> = WARNING_SIGNS.map(([kind, label]) => [current(found, kind), label] as const).filter((s): s is readonly [PhraseMatch, string] => s[0] !== undefined);
  const timing = current(found, 'timing');
  // "again" says it happened before, not that it is about to: one sign needs a time that is near.
  const soon = found.all('timing').find((m) => found.text(m) !== 'again');
  if (intent) {
    const weakSign = current(found, 'weakSign');
    const sign = signs[0] ?? (weakSign ? ([weakSign, 'farewell or decision'] as const) : undefined);
    if (sign) return crisis('self-harm', `intent + ${sign[1]}`, intent, sign[0]);
    return timing ? crisis('self-harm', 'intent + timing', intent, timing) : crisis('self-harm', 'intent', intent);
  }
  // "gave away all my stuff, moving to portland", "final post as your intern, goodbye everyone": a
  // farewell with a life event beside it is that event. A method or a plan still counts.
  if (found.any('lifeEvent')) {
    const kept = signs.filter(([, label]) => label === 'method' || label === 'plan or decision' || label === 'looking up a method');
    signs.length = 0;
    signs.push(...kept);
    if (signs.length === 0) return undefined;
  }
  // "goodbye", "sorry mom", "made up my mind" count beside another sign, never alone.
  // A weak sign inside another ("at the bridge" in "looking at the bridge") is that sign, not a second.
  const weak = found.all('weakSign').find((m) => !signs.some(([sign]) => m.start < sign.start + sign.entry.tokens.length && sign.start < m.start + m.entry.tokens.length));
  if (weak && signs.length > 0) signs.push([weak, 'farewell or decision']);
  const [first, second] = signs;
  if (first && second) return crisis('self-harm', `${first[1]} + ${second[1]}`, first[0], second[0], signs[2]?.[0]);
  if (first && soon && first[1] !== 'looking up a method') return crisis('self-harm', `${first[1]} + timing`, first[0], soon);
  if (first) return possible('self-harm', `${first[1]} without intent or timing`, first[0]);
  return undefined;
}

// --- overdose and poisoning ------------------------------------------------------------------

/** How a child gets at a medicine or a household poison (not "took", which is their own dose). */
const CHILD_ACCESS = new Set(['ate', 'eaten', 'swallowed', 'drank', 'licked', 'chewed', 'bitten', 'bit', 'chewing', 'sucking', 'put', 'got into', 'gotten into', 'in her mouth', 'in his mouth', 'in their mouth']);
const NUMBER_WORDS: Readonly<Record<string, number>> = { four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12, fifteen: 15, twenty: 20, thirty: 30, forty: 40, fifty: 50, several: 5, many: 5 };

/**
 * A medicine or substance taken in a dangerous amount (a quantity, a mixture with alcohol, or
 * named as an overdose) with a present symptom is a crisis; without the symptom, a possible one.
 * A child who got into medicine or a household poison is a crisis when there is a symptom, an
 * amount or a poison; otherwise, or when the parent is unsure it happened, a possible one.
 */
function detectOverdose(found: Found): Candidate | undefined {
  const named = overdoseOfSomething(found, current(found, 'overdose'));
  const substance = current(found, 'medicine') ?? current(found, 'substance') ?? current(found, 'householdPoison');
  const poison = current(found, 'householdPoison');
  const ingest = current(found, 'ingest');
  const amount = current(found, 'quantity') ?? countBefore(found) ?? current(found, 'alcohol');
  const symptom = current(found, 'poisonSign') ?? current(found, 'collapse') ?? current(found, 'breathing') ?? current(found, 'seizure');
  const child = current(found, 'child') ?? current(found, 'infant') ?? childAge(found);
  // "ate a", "drank some": the longest phrase at a place wins, so read the verb that opens it.
  const access = found.all('ingest').find((m) => CHILD_ACCESS.has(found.text(m)) || CHILD_ACCESS.has(m.entry.tokens[0] as string));
  if (symptom && (named || (substance && amount && (ingest || found.any('quantity'))))) {
    return crisis('overdose', named ? 'overdose + present symptom' : `substance + ${found.any('alcohol') && !found.any('quantity') ? 'mixture' : 'quantity'} + present symptom`, symptom, named ?? substance, amount, ingest);
  }
  if (child && substance && access) {
    const sure = !found.any('uncertain');
    if (symptom) return crisis('overdose', 'child + medicine or poison + present symptom', access, substance, symptom);
    if ((poison || amount) && sure) return crisis('overdose', `child + ${poison ? 'household poison' : 'medicine in quantity'}`, access, poison ?? substance, amount);
    return possible('overdose', sure ? 'child + medicine, no symptom or amount' : 'child may have taken medicine', access, substance);
  }
  // A household poison swallowed, drunk or breathed in, at any age: "mixed bleach and the toilet cleaner and my chest is burning".
  if (poison && ingest) return symptom ? crisis('overdose', 'household poison + present symptom', ingest, poison, symptom) : possible('overdose', 'household poison taken, no symptom yet', ingest, poison);
  // "he OD'd again", "she's overdosing right now"; not "I'll overdose on pretzels today".
  const event = found.all('overdose').find((m) => OVERDOSE_EVENT.test(found.text(m)) && overdoseOfSomething(found, m) !== undefined);
  if (event && found.any('timing')) return crisis('overdose', 'overdose + timing', event, current(found, 'timing'));
  if (substance && ingest && amount) return possible('overdose', `substance + ${found.any('alcohol') && !found.any('quantity') ? 'mixture' : 'quantity'}, no symptom yet`, ingest, substance, amount);
  if (named) return possible('overdose', 'overdose named, no present symptom', named);
  return undefined;
}

const OVERDOSE_EVENT = /^(?:overdosed|overdosing|od'd|oding|o d'd)$/;
const OVERDOSE_WORD = /^(?:overdose|overdosed|overdosing|od|od'd|oding)$/;
/** What follows "on" that still names a drug without being one of ours: "od'd on something", "on pills". */
const DRUG_WORDS = new Set(['something', 'pills', 'meds', 'drugs', 'medication', 'medications', 'medicine', 'sleeping', 'pain', 'heart', 'blood', 'prescription', 'insulin', 'whatever', 'everything', 'all', 'her', 'his', 'my', 'their', 'them', 'it', 'purpose', 'accident']);

/**
 * An overdose named of something that is no medicine or substance ("overdosed on garlic", "about to
 * overdose on free cookies", "overdosing on soap operas") is a figure of speech: undefined then.
 */
function overdoseOfSomething(found: Found, named: PhraseMatch | undefined): PhraseMatch | undefined {
  if (named === undefined || !OVERDOSE_WORD.test(found.text(named))) return named;
  const at = named.start + named.entry.tokens.length;
  if (found.tokens[at] !== 'on') return named;
  const object = found.tokens[at + 1];
  if (object === undefined || DRUG_WORDS.has(object) || /^\d/.test(object)) return named;
  const drug = (kind: 'medicine' | 'substance' | 'householdPoison' | 'alcohol' | 'quantity') => found.all(kind).some((m) => m.start <= at + 4 && m.start + m.entry.tokens.length > at + 1);
  return drug('medicine') || drug('substance') || drug('householdPoison') || drug('alcohol') || drug('quantity') ? named : undefined;
}

/**
 * "12 tylenol", "8 of my klonopin", "30 of her adderall": a count of four or more before a medicine;
 * or right after taking ("already took 20", "swallowed like 15").
 */
function countBefore(found: Found): Evidence | undefined {
  for (const verb of found.all('ingest')) {
    const end = verb.start + verb.entry.tokens.length;
    const at = found.tokens[end] === 'like' ? end + 1 : end;
    const token = found.tokens[at] ?? '';
    const n = /^\d{1,3}$/.test(token) ? Number(token) : NUMBER_WORDS[token];
    // "took 90 minutes": a time, not a count.
    if (n !== undefined && n >= 4 && !measuresTime(found.tokens[at + 1] ?? '')) return { start: verb.start, end: at + 1 };
  }
  for (const match of [...found.all('medicine'), ...found.all('substance')]) {
    for (let back = match.start - 1; back >= 0 && back >= match.start - 3; back--) {
      const token = found.tokens[back] as string;
      const n = /^\d{1,3}$/.test(token) ? Number(token) : NUMBER_WORDS[token];
      if (n !== undefined && n >= 4) return { start: back, end: match.start + match.entry.tokens.length };
      if (token !== 'of' && token !== 'my' && token !== 'her' && token !== 'his' && token !== 'the' && token !== 'like') break;
    }
  }
  return undefined;
}

/** "2yo", "4yo", "(4)" after a relative: a child's age written the short way. */
function childAge(found: Found): Evidence | undefined {
  for (let i = 0; i < found.tokens.length; i++) if (/^\d{1,2}(?:yo|y|mo|m)$/.test(found.tokens[i] as string)) return { start: i, end: i + 1 };
  return undefined;
}

// --- medical emergency -----------------------------------------------------------------------

const PRONOUNS = new Set(['he', 'she', "he's", "she's", 'hes', 'shes', 'him', 'her', 'they', "they're", 'i', "i'm", 'me']);

/** How far back the subject of a collapse may stand: "the man next to me on the shuttle just went unresponsive". */
const SUBJECT_WINDOW = 10;

/** A person is the subject of a collapse ("my mom just collapsed", "guy went down"), not a ceiling or a portal. */
function personBefore(found: Found, match: PhraseMatch): boolean {
  const sentence = found.sentenceOf(match.start);
  for (let back = match.start - 1; back >= 0 && back >= match.start - SUBJECT_WINDOW; back--) {
    if (found.sentenceOf(back) !== sentence) break;
    if (PRONOUNS.has(found.tokens[back] as string)) return true;
  }
  // "my phone went unresponsive": a possessive alone names no person.
  return SUBJECT_KINDS.some((kind) =>
    found.all(kind).some((m) => m.start < match.start && m.start >= match.start - SUBJECT_WINDOW && found.sentenceOf(m.start) === sentence && !POSSESSIVES.has(found.text(m))),
  );
}

const SUBJECT_KINDS: readonly PhraseKind[] = ['selfReference', 'stranger', 'child', 'infant'];
const POSSESSIVES = new Set(['my', 'mine']);

/**
 * First-aid guidance, by signs and numbers: stroke (two FAST signs, or one that came on suddenly or
 * with a call for help), cardiac (chest pain with arm, jaw, sweat or breathlessness), anaphylaxis
 * (airway swelling with an allergen or hives), breathing, collapse, seizure, heavy bleeding, a baby
 * not moving in pregnancy, head injury with red flags, a glucose meter reading LO, and readings out
 * of range. One sign alone is a possible crisis. Every rule that fired is returned.
 */
function detectEmergency(found: Found, vitals: readonly VitalSign[]): Candidate[] {
  const out: Candidate[] = [];
  const add = (candidate: Candidate | undefined) => candidate && out.push(candidate);

  const fast = [current(found, 'faceDroop'), current(found, 'armWeakness'), current(found, 'speech')].filter((m): m is PhraseMatch => m !== undefined);
  const onset = current(found, 'sudden') ?? current(found, 'helpSeeking') ?? current(found, 'vision');
  const [sign, second] = fast;
  if (sign && second) add(crisis('emergency', 'two stroke signs', sign, second, fast[2]));
  else if (sign && onset) add(crisis('emergency', 'stroke sign + sudden onset or call for help', sign, onset));
  else if (current(found, 'thunderclap')) add(crisis('emergency', 'sudden worst headache', current(found, 'thunderclap')));
  else if (current(found, 'strokeNamed')) add(crisis('emergency', 'stroke under way', current(found, 'strokeNamed')));
  else if (sign) add(possible('emergency', 'one stroke sign', sign));

  const chest = current(found, 'chestPain');
  const cardiac = current(found, 'cardiacSign') ?? current(found, 'breathingMild') ?? current(found, 'breathing') ?? current(found, 'helpSeeking');
  if (chest && cardiac) add(crisis('emergency', 'chest pain + arm, jaw, sweat, breath or call for help', chest, cardiac));
  else if (current(found, 'heartAttack')) add(crisis('emergency', 'heart attack under way', current(found, 'heartAttack')));
  else if (chest) add(possible('emergency', 'chest pain alone', chest));

  const airway = found.all('airway');
  const allergy = current(found, 'allergicSign') ?? current(found, 'allergen');
  const wheeze = found.all('breathingMild').find((m) => found.text(m).startsWith('wheez'));
  if ((airway[0] ?? wheeze) && (allergy || distinct(found, airway) >= 2)) add(crisis('emergency', 'airway swelling + allergy', airway[0] ?? wheeze, allergy ?? airway[1]));
  else if (airway[0]) add(possible('emergency', 'airway symptom alone', airway[0]));
  else if (current(found, 'allergen') && current(found, 'allergicSign')) add(possible('emergency', 'allergic reaction, airway not said', current(found, 'allergicSign'), current(found, 'allergen')));

  // "choking the nurse" is an attack, not a breathing problem.
  const breathing = found.all('breathing').find((m) => !found.touching('attack', spanOf(m)));
  if (breathing) add(crisis('emergency', 'not breathing properly', breathing));
  const infant = current(found, 'infant');
  if (infant && !breathing && current(found, 'breathingMild')) add(possible('emergency', 'baby breathing fast', infant, current(found, 'breathingMild')));
  const collapse = found.all('collapse').find((m) => personBefore(found, m) || infant !== undefined);
  if (collapse) add(crisis('emergency', 'collapsed or unresponsive', collapse));
  if (current(found, 'seizure')) add(crisis('emergency', 'seizure under way', current(found, 'seizure')));
  if (current(found, 'bleeding')) add(crisis('emergency', 'heavy bleeding', current(found, 'bleeding')));
  // A baby not moving is a sign by itself; a headache, spots or swelling only in pregnancy (pre-eclampsia).
  const pregnancySign = found.all('pregnancy').find((m) => !PREGNANCY_ONLY.has(found.text(m)) || found.any('hv.pregnancy'));
  if (pregnancySign) add(crisis('emergency', 'pregnancy warning sign', pregnancySign));
  if (current(found, 'glucoseMeter')) add(crisis('emergency', 'glucose meter out of range', current(found, 'glucoseMeter')));

  const head = current(found, 'headInjury');
  const flags = distinctSigns(found, found.all('headRedFlag'));
  if (head && flags.length >= 2) add(crisis('emergency', 'head injury + red flags', head, flags[0], flags[1]));
  else if (head && flags[0]) add(possible('emergency', 'head injury + one red flag', head, flags[0]));

  const symptom = ['headRedFlag', 'vision', 'cardiacSign', 'poisonSign', 'collapse', 'speech', 'chestPain', 'breathing', 'breathingMild']
    .map((kind) => current(found, kind as PhraseKind)).find((m) => m !== undefined);
  // Sepsis as public guidance describes it: a fever with confusion, shaking chills, a racing heart
  // or mottled skin; a fever during chemotherapy is for the oncology line at once.
  const fever = vitals.find((v) => v.level === 'fever');
  const sepsis = fever && current(found, 'sepsisSign');
  if (fever && sepsis) add(crisis('emergency', 'fever + signs of sepsis', fever, sepsis));
  else if (fever && found.all('hv.treatments').some((m) => found.text(m).startsWith('chemo'))) add(possible('emergency', 'fever during chemotherapy', fever));
  for (const vital of vitals) {
    if (vital.level === 'fever') continue;
    if (vital.level === 'critical') add(crisis('emergency', `${vital.measure} out of range`, vital));
    else if (symptom) add(crisis('emergency', `${vital.measure} out of range + symptom`, vital, symptom));
    else add(possible('emergency', `${vital.measure} high or low, no symptom`, vital));
  }
  return out;
}

/**
 * Signs told in different words: "throat is tight" and "lips are huge" are two, one phrase twice is
 * one, and so are overlapping phrases ("blurry" inside "vision is a little blurry").
 */
function distinct(found: Found, matches: readonly PhraseMatch[]): number {
  return distinctSigns(found, matches).length;
}

function distinctSigns(found: Found, matches: readonly PhraseMatch[]): PhraseMatch[] {
  const seen = new Set<string>();
  const signs: PhraseMatch[] = [];
  let end = -1;
  for (const match of [...matches].sort((a, b) => a.start - b.start)) {
    const text = found.text(match);
    if (match.start >= end && !seen.has(text)) {
      seen.add(text);
      signs.push(match);
    }
    end = Math.max(end, match.start + match.entry.tokens.length);
  }
  return signs;
}

const PREGNANCY_ONLY = new Set(['seeing spots', 'splitting headache and', 'feet really swollen', 'face and hands swollen', 'seeing sparkles', 'head is pounding', 'feet super swollen']);

// --- on-site hazard --------------------------------------------------------------------------

/**
 * Fire, smoke, gas, water, lifts, structural failure and a vulnerable patient leaving a secure unit,
 * at a place of ours (named, or the post is addressed to us). A hedge ("kinda smells like gas",
 * "is it just me") or the weaker sign alone (a burning smell, a sagging ceiling, a patient in a gown
 * outside) makes it possible.
 */
function detectHazard(found: Found): Candidate | undefined {
  const place = current(found, 'place') ?? handle(found);
  const hedge = current(found, 'hedge');
  const alarm = current(found, 'alarm');
  const sure = (rule: string, ...parts: Part[]) => (hedge ? possible('hazard', `${rule}, hedged`, ...parts, hedge) : crisis('hazard', rule, ...parts));

  // "the stairwell is on fire", not "the new chef is on fire".
  const fire = found.all('fire').find((m) => found.text(m) !== 'on fire' || found.all('place').some((p) => p.start < m.start && m.start - (p.start + p.entry.tokens.length) <= 4));
  if (fire) return place || alarm ? sure('fire at one of our places', fire, place, alarm) : possible('hazard', 'fire, place unclear', fire);
  const smoke = current(found, 'smoke');
  if (smoke) return place || alarm ? sure('smoke at one of our places', smoke, place, alarm) : possible('hazard', 'smoke, place unclear', smoke);
  const gas = current(found, 'gas');
  if (gas) return sure('gas at one of our places', gas, place);
  const lift = current(found, 'liftStuck');
  if (lift) return sure('lift stuck or falling', lift);
  const structure = current(found, 'structureFailure');
  if (structure) return sure('structure failing', structure, place);
  const secure = current(found, 'secureUnit');
  const leaving = current(found, 'leaving');
  if (leaving && secure) return sure('patient leaving a secure unit', leaving, secure);
  const wet = found.all('waterStrong');
  if (wet[0] && (distinct(found, wet) >= 2 || found.any('fireWeak'))) return sure('flooding', wet[0], wet[1] ?? current(found, 'fireWeak'));
  const burning = found.all('fireWeak');
  if (burning[0] && (distinct(found, burning) >= 2 || alarm)) return sure('burning or sparks', burning[0], burning[1] ?? alarm);

  const weak = burning[0] ?? current(found, 'smokeWeak') ?? wet[0] ?? current(found, 'water') ?? current(found, 'liftFault') ?? current(found, 'structureWeak');
  if (weak) return possible('hazard', 'hazard sign without confirmation', weak);
  if (alarm && place) return possible('hazard', 'alarm at one of our places', alarm, place);
  const vulnerable = current(found, 'vulnerableHint');
  if (leaving && vulnerable) return possible('hazard', 'vulnerable person leaving, unit unclear', leaving, vulnerable);
  return undefined;
}

/** A post addressed to one of our accounts is about one of our places unless it names another. */
function handle(found: Found): Evidence | undefined {
  for (let i = 0; i < found.tokens.length; i++) if ((found.tokens[i] as string).startsWith('@')) return { start: i, end: i + 1 };
  return undefined;
}

// --- violence --------------------------------------------------------------------------------

/** Words that put a weapon in someone's hands: "has a gun", "with a rifle", "pulled a knife". */
const POSSESSION = new Set([
  'has', 'have', 'had', 'with', 'holding', 'waving', 'pulled', 'pulling', 'carrying', 'got', 'brought', 'bring',
  'bringing', 'armed', 'pointing', 'pointed', "there's", 'theres', "he's", "she's", 'hes', 'shes', 'grabbed',
]);

/**
 * Violence under way is a crisis; so is a weapon in someone's hands with a place, a time or a
 * threat, and a threat against our staff or places. A weapon or a threat alone, a veiled threat
 * against staff, or a sound like gunfire is a possible crisis.
 */
function detectViolence(found: Found): Candidate | undefined {
  const attack = current(found, 'attack');
  if (attack) return crisis('violence', 'violence under way', attack, current(found, 'place'));
  const weapon = found.all('weapon').find((m) => armed(found, m));
  const threat = current(found, 'threat');
  const target = current(found, 'target');
  const place = current(found, 'place');
  const timing = current(found, 'timing');
  if (weapon && (threat || target || place || timing)) return crisis('violence', 'weapon + threat, place or time', weapon, threat ?? target ?? place ?? timing);
  if (threat && (target || place)) return crisis('violence', 'threat against our staff or place', threat, target ?? place);
  if (weapon) return possible('violence', 'weapon, nothing else yet', weapon);
  if (threat) return possible('violence', 'threat, target unclear', threat);
  const vague = current(found, 'threatVague');
  if (vague && (target || place)) return possible('violence', target ? 'veiled threat against staff' : 'warning that someone will get hurt here', vague, target ?? place);
  const hint = current(found, 'weaponHint') ?? current(found, 'gunfire');
  if (hint) return possible('violence', 'weapon or gunfire suspected', hint);
  return undefined;
}

function armed(found: Found, match: PhraseMatch): boolean {
  if (match.entry.tokens.length > 1) return true;
  for (let back = match.start - 1; back >= 0 && back >= match.start - 3; back--) {
    if (POSSESSION.has(found.tokens[back] as string)) return true;
  }
  return false;
}
