import { CRISIS_KIND_LABELS, type CrisisFlag, type CrisisKind, type CrisisTier } from '../../domain/classification.js';
import type { SpanishCues } from './spanish-cues.js';

export interface SpanishCrisis {
  flag?: CrisisFlag;
  /** A crisis rule fired but the post tells it as past, information, fiction or a question. */
  setAside?: string;
  /** The kinds that fired, set aside or not (a past self-harm still tells one's health). */
  told: CrisisKind[];
  reasons: string[];
}

interface Fired {
  kind: CrisisKind;
  tier: CrisisTier;
  why: string;
}

/** Words that keep a crisis present even beside a memory ("otra vez", "esta noche"). */
const PRESENT = / (?:otra vez|de nuevo|esta noche|ahorita|ahora mismo|tonight|again) /;
const FIRST_PERSON_REPORT = / (?:mi|me|estoy|tengo|estamos|nos) /;
const SEE_YOU = / (?:nos vemos|hasta manana|hasta luego|hasta pronto|buenas noches|me voy a dormir) /;
const ORDINARY_CUT = / me corte (?:el pelo|el cabello|el fleco|las unas|el dedo|la mano cocinando|cocinando|con un papel|afeitando|rasurando)/;
const EXHAUSTED = new Set(['ya no aguanto', 'no aguanto mas', 'ya no puedo mas', 'no puedo mas', "i can't anymore"]);
/** Chest pain with a cause that is not the heart ("de tanto toser", "gripa"), and no cardiac sign. */
const BENIGN_CHEST = / (?:toser|tos|gripa|gripe|resfriado|ejercicio|gimnasio|golpe) /;

/**
 * The Spanish crisis rules, by structure as in English: self-harm (intent, a method, a farewell, a
 * decision, timing), overdose and poisoning (a substance taken with a quantity, a mixture or a child,
 * and a present sign), medical emergencies by their signs, on-site hazards at a place of ours,
 * violence (a weapon in use, a threat against our people). Told as past, information, fiction or a
 * hypothetical question, a rule is set aside.
 */
export function detectSpanishCrisis(cues: SpanishCues): SpanishCrisis {
  const fired = fire(cues);
  if (fired.length === 0) return { reasons: [], told: [] };
  const told = fired.map((f) => f.kind);
  const aside = setAsideBy(cues);
  if (aside) return { setAside: aside, reasons: [`crisis set aside: ${aside} (es)`], told };
  // The most serious kind leads, confident before possible.
  const order: CrisisKind[] = ['self-harm', 'overdose', 'violence', 'emergency', 'hazard'];
  fired.sort((a, b) => (a.tier === b.tier ? order.indexOf(a.kind) - order.indexOf(b.kind) : a.tier === 'crisis' ? -1 : 1));
  const lead = fired[0] as Fired;
  const reasons = fired.map((f) => `${f.tier === 'crisis' ? 'crisis' : 'possible crisis'} (${CRISIS_KIND_LABELS[f.kind]}): ${f.why} (es)`);
  return { flag: { tier: lead.tier, kind: lead.kind }, reasons, told };
}

function setAsideBy(cues: SpanishCues): string | undefined {
  const present = PRESENT.test(cues.text);
  if (cues.has('fiction')) return `fiction ${cues.quote('fiction')}`;
  if ((cues.has('past') || cues.has('recovery')) && !present) return `told as past ${cues.quote('past') || cues.quote('recovery')}`;
  if (cues.has('information') && !/ mi /.test(cues.text)) return `information ${cues.quote('information')}`;
  if (cues.has('hypothetical') && (cues.text.includes(' si ') || cues.has('question'))) return `a question ${cues.quote('hypothetical')}`;
  return undefined;
}

function fire(c: SpanishCues): Fired[] {
  const out: Fired[] = [];
  const add = (kind: CrisisKind, tier: CrisisTier, ...parts: string[]) => out.push({ kind, tier, why: parts.filter(Boolean).join(' + ') });
  const q = (label: string, cue: Parameters<SpanishCues['quote']>[0]) => (c.has(cue) ? `${label} ${c.quote(cue)}` : '');

  // --- self-harm ---------------------------------------------------------------------------
  // "adiós a todos, nos vemos mañana" is a goodbye until tomorrow, not a farewell.
  const seeYou = SEE_YOU.test(c.text);
  const strongFarewell = !seeYou && c.all('farewell').some((m) => m.text !== 'gracias por todo' && m.text !== 'adios');
  // "me corté el pelo hoy", "me corté el dedo cocinando": not self-injury.
  const selfCut = c.has('selfCut') && !ORDINARY_CUT.test(c.text);
  // "ya no aguanto más" beside a queue is exhaustion; it needs a method or a plan to count.
  const weakSign = c.all('weakSign').some((m) => !EXHAUSTED.has(m.text));
  if (c.has('thirdParty')) add('self-harm', 'crisis', q('someone else states intent', 'thirdParty'), q('method', 'method'));
  else if (c.has('intent')) add('self-harm', 'crisis', q('intent', 'intent'), q('method', 'method'), q('farewell', 'farewell'), q('timing', 'timing'));
  else if (strongFarewell && (c.has('giveaway') || c.has('decision') || c.has('method') || c.has('timing')))
    add('self-harm', 'crisis', q('farewell', 'farewell'), q('giving things away', 'giveaway'), q('decision', 'decision'), q('timing', 'timing'));
  else if (!seeYou && c.has('farewell') && (c.has('giveaway') || c.has('decision')))
    add('self-harm', 'crisis', q('farewell', 'farewell'), q('giving things away', 'giveaway'), q('decision', 'decision'));
  else if (selfCut && (c.has('timing') || c.has('bleeding') || c.has('weakSign')))
    add('self-harm', 'crisis', q('self-injury', 'selfCut'), q('timing', 'timing'), q('bleeding', 'bleeding'));
  else if (c.has('weakSign') && c.has('method') && (c.has('decision') || c.has('timing')))
    add('self-harm', 'crisis', q('warning sign', 'weakSign'), q('method', 'method'), q('decision', 'decision'), q('timing', 'timing'));
  else if (weakSign) add('self-harm', 'possible', q('warning sign without a plan', 'weakSign'));

  // --- overdose and poisoning ----------------------------------------------------------------
  if (c.has('ingest') && (c.has('substance') || c.has('householdPoison'))) {
    const what = q('substance', 'substance') || q('household poison', 'householdPoison');
    // "se tomó su medicina a tiempo" is no overdose: a quantity or a mixture is.
    const amount = c.has('quantity') || c.has('mixture');
    if (c.has('poisonSign')) add('overdose', 'crisis', q('took', 'ingest'), what, q('quantity', 'quantity'), q('mixture', 'mixture'), q('child', 'child'), q('present sign', 'poisonSign'));
    // Children and medicines or household poisons: poison control now, signs or not.
    else if (c.has('child') && (c.has('householdPoison') || c.has('quantity'))) add('overdose', 'crisis', q('child', 'child'), q('took', 'ingest'), what, q('quantity', 'quantity'));
    else if (amount) add('overdose', 'possible', q('took', 'ingest'), what, q('quantity', 'quantity'), q('mixture', 'mixture'), 'no present sign');
  }

  // --- medical emergency ---------------------------------------------------------------------
  const emergency = (tier: CrisisTier, ...parts: string[]) => add('emergency', tier, ...parts);
  if (c.has('stroke')) emergency('crisis', q('stroke sign', 'stroke'));
  else if (c.has('chestPain') && (c.has('cardiacSign') || !BENIGN_CHEST.test(c.text)))
    emergency(c.has('cardiacSign') ? 'crisis' : 'possible', q('chest pain', 'chestPain'), q('with', 'cardiacSign'));
  else if (c.has('airway')) emergency('crisis', q('airway', 'airway'), q('allergy', 'allergy'));
  else if (c.has('cyanosis')) emergency('crisis', q('blue lips or skin', 'cyanosis'));
  else if (c.has('collapse')) emergency('crisis', q('collapse', 'collapse'));
  else if (c.has('infant') && (c.has('fever') || c.has('infantRedFlag'))) emergency('crisis', q('young infant', 'infant'), q('fever', 'fever'), q('red flag', 'infantRedFlag'));
  else if (c.has('vomitGreen')) emergency('crisis', q('green (bilious) vomiting', 'vomitGreen'));
  else if (c.has('headInjury') && c.has('headRedFlag')) emergency('crisis', q('head injury', 'headInjury'), q('red flag', 'headRedFlag'));
  else if (c.has('headInjury') && FIRST_PERSON_REPORT.test(c.text)) emergency('possible', q('head injury', 'headInjury'));
  else if (c.has('seizure') && c.has('seizureOngoing')) emergency('crisis', q('seizure', 'seizure'), q('not stopping', 'seizureOngoing'));
  else if (c.has('bleeding') && !out.some((f) => f.kind === 'self-harm')) emergency('crisis', q('bleeding', 'bleeding'));
  else if (c.has('seizure') && FIRST_PERSON_REPORT.test(c.text)) emergency('possible', q('seizure', 'seizure'));
  const glucose = readGlucose(c);
  if (glucose !== undefined) emergency(glucose <= 60 ? 'crisis' : 'possible', `blood sugar ${glucose}`);

  // --- on-site hazard ------------------------------------------------------------------------
  const hazard = c.has('fire') || c.has('smoke') || c.has('gas') || c.has('liftStuck') || c.has('structure');
  if (hazard) {
    const what = [q('fire', 'fire'), q('smoke', 'smoke'), q('gas', 'gas'), q('lift', 'liftStuck'), q('structure', 'structure')].filter(Boolean).join(', ');
    // Smoke from a car in the street is not ours: a hazard counts at a place of ours.
    if (c.has('place') || c.has('liftStuck')) add('hazard', 'crisis', what, q('at', 'place'), q('alarm', 'alarmSilent'));
  }
  if (c.has('escape')) add('hazard', 'possible', q('vulnerable patient left a secure area', 'escape'));

  // --- violence ------------------------------------------------------------------------------
  if (c.has('weapon') && !out.some((f) => f.kind === 'self-harm') && (c.has('weaponActive') || c.has('place')))
    add('violence', 'crisis', q('weapon', 'weapon'), q('in use or on site', 'weaponActive') || q('at', 'place'));
  if (c.has('threat')) add('violence', 'possible', q('threat', 'threat'), q('against', 'target'));
  return out;
}

const GLUCOSE = / (?:azucar|glucosa)(?: \S+){0,4}? en (\d{2,3}) /;

function readGlucose(c: SpanishCues): number | undefined {
  const m = GLUCOSE.exec(c.text);
  if (!m) return undefined;
  const value = Number(m[1]);
  return value <= 70 || value >= 400 ? value : undefined;
}
