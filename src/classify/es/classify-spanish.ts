import type { Category, Classification, Sentiment, Urgency } from '../../domain/classification.js';
import { urgencyRank } from '../../domain/classification.js';
import { detectSpanishCrisis } from './detect-crisis-es.js';
import { blankIdioms, compileCues, compileGroup, foldSpanish, SpanishCues, type CueMatch } from './spanish-cues.js';
import type { SpanishLexicon } from './spanish-lexicon.js';

export interface SpanishClassifier {
  /** Classifies a Spanish (or Spanish and English) post; `language` is left to the caller. */
  classify(text: string): Classification;
}

const CATEGORY_ORDER: readonly Category[] = ['crisis', 'complaint', 'phi', 'question', 'review', 'praise', 'spam'];
// "mejor que nunca": only a negation before the word flips it.
const NEGATORS = new Set(['no', 'ni', 'tampoco']);
const RATING = / ([0-5]) estrellas? /;
const SHOUT = /\b[A-ZÁÉÍÓÚÑ]{4,}\b/g;

/**
 * The Spanish classifier, with the English one's structure: sentiment from a Spanish lexicon plus
 * domain phrases, categories, crisis in two tiers, critical incidents in plain words, health details
 * by vocabulary and relatives, urgency with reasons. Every reason it writes ends in "(es)".
 */
export function createSpanishClassifier(lexicon: SpanishLexicon): SpanishClassifier {
  const cues = compileCues(lexicon);
  const idioms = cues.get('idiom') as RegExp;
  const words = new Map(Object.entries(lexicon.sentimentWords).map(([w, n]) => [foldSpanish(w).trim(), n]));
  const phrases = weightedGroups(lexicon.sentimentPhrases);
  const complaints = weightedGroups(lexicon.complaintPhrases);
  const questionStarts = new Set(lexicon.questionStarts.map((w) => foldSpanish(w).trim()));

  function classify(original: string): Classification {
    const folded = foldSpanish(original);
    const { text, idioms: idiomsFound } = blankIdioms(folded, idioms);
    const c = new SpanishCues(cues, text);
    const reasons: string[] = [];
    if (idiomsFound.length > 0) reasons.push(`idiom, not a crisis: ${idiomsFound.map((i) => `"${i}"`).join(', ')} (es)`);

    // --- sentiment -------------------------------------------------------------------------
    const tokens = text.trim().split(' ');
    let score = 0;
    const negative: string[] = [];
    const positive: string[] = [];
    tokens.forEach((token, i) => {
      let weight = words.get(token);
      if (weight === undefined || weight === 0) return;
      if (NEGATORS.has(tokens[i - 1] ?? '') || NEGATORS.has(tokens[i - 2] ?? '')) weight = weight > 0 ? -weight / 2 : weight;
      score += weight;
      (weight < 0 ? negative : positive).push(token);
    });
    // Idioms carry their own weight ("me muero de aburrimiento" is a complaint, "de muerte" praise).
    const phraseHits = matchWeighted(phrases, folded);
    score += phraseHits.reduce((sum, h) => sum + h.weight, 0);
    const complaintHits = matchWeighted(complaints, text);
    const complaintWeight = complaintHits.reduce((sum, h) => sum + h.weight, 0);
    const rating = RATING.exec(text);
    const stars = rating ? Number(rating[1]) : undefined;
    if (stars !== undefined) score += stars >= 4 ? 3 : stars <= 2 ? -3 : 0;
    score -= complaintWeight * 0.75;

    const crisis = detectSpanishCrisis(c);
    const flag = crisis.flag;
    const incidents = detectSpanishIncidents(c, score > 0 ? 'positive' : 'negative');
    if (incidents.length > 0 && score > -2) score = -2;
    if (flag?.tier === 'crisis' && score > -2) {
      score = -2;
      reasons.push('sentiment negative: crisis (es)');
    }
    score = Math.round(score * 100) / 100;
    const label: Sentiment = score <= -1 || (score < 0 && complaintWeight > 0) ? 'negative' : score > 0 ? 'positive' : 'neutral';
    if (negative.length > 0) reasons.push(`negative words: ${[...new Set(negative)].slice(0, 6).join(', ')} (es)`);
    if (positive.length > 0) reasons.push(`positive words: ${[...new Set(positive)].slice(0, 6).join(', ')} (es)`);
    if (complaintHits.length > 0) reasons.push(`service-failure cues: ${complaintHits.map((h) => `"${h.text}"`).join(', ')} (es)`);

    // --- categories ------------------------------------------------------------------------
    const categories = new Set<Category>();
    if (flag) categories.add('crisis');
    reasons.push(...crisis.reasons);
    const question = original.includes('?') || original.includes('¿');
    // A crisis, or one set aside (a memory, a campaign, a story), explains the dark words: it is also a
    // complaint only when it names a service failure.
    const explained = flag !== undefined || crisis.setAside !== undefined;
    if (explained ? complaintWeight >= 2 : label === 'negative' && (complaintWeight > 0 || stars !== undefined || (score <= -2 && !question)))
      categories.add('complaint');
    if (flag?.tier === 'possible' && (flag.kind === 'violence' || flag.kind === 'hazard')) categories.add('complaint');
    if (incidents.length > 0) categories.add('complaint');

    const first = tokens.find((t) => t !== '' && !t.startsWith('@') && t !== 'hola' && t !== 'hi' && t !== 'buenas' && t !== 'buenos');
    if (question) {
      categories.add('question');
      reasons.push('question: has "?" (es)');
    } else if (c.has('question')) {
      categories.add('question');
      reasons.push(`question: ${c.quote('question')} (es)`);
    } else if (first !== undefined && questionStarts.has(first) && !flag) {
      categories.add('question');
      reasons.push(`question: starts with "${first}" (es)`);
    }
    if (stars !== undefined) {
      categories.add('review');
      reasons.push(`review: "${rating?.[0].trim()}" (es)`);
    }
    const praiseBar = categories.has('question') ? 4 : 0;
    if (label === 'positive' && c.has('praise') && !categories.has('complaint') && !flag && score >= praiseBar && !(stars !== undefined && stars === 3)) {
      categories.add('praise');
      reasons.push(`praise: ${c.quote('praise')} (es)`);
    }
    const phi = healthDetail(c, flag?.kind ?? crisis.told[0], incidents.length > 0, flag === undefined && crisis.setAside !== undefined);
    if (phi) {
      categories.add('phi');
      reasons.push(`discloses health information: ${phi} (es)`);
    }

    // --- urgency ---------------------------------------------------------------------------
    let urgency: Urgency;
    if (flag) {
      urgency = 'critical';
      reasons.push(flag.tier === 'crisis' ? 'urgency critical: crisis (es)' : 'urgency critical: possible crisis, check now (es)');
    } else if (incidents.length > 0) {
      urgency = 'critical';
      reasons.push(`urgency critical: ${incidents.join('; ')} (es)`);
    } else if (categories.has('complaint') && ((original.match(SHOUT)?.length ?? 0) >= 3 || score <= -8)) {
      urgency = 'high';
      reasons.push(`urgency high: ${score <= -8 ? `strongly negative (${score})` : 'shouting'} (es)`);
    } else {
      const thanksOnly = categories.has('praise') && !categories.has('complaint') && !categories.has('question');
      urgency = categories.has('complaint') || categories.has('question') || categories.has('review') || (categories.has('phi') && !thanksOnly) ? 'normal' : 'low';
    }

    const result: Classification = { sentiment: label, score, categories: CATEGORY_ORDER.filter((k) => categories.has(k)), urgency, reasons };
    if (flag) result.crisis = flag;
    return result;
  }

  return { classify };
}

/**
 * Critical incidents told in plain words: a privacy breach by our staff or pages, a medication or
 * surgical error, an unsafe discharge, staff violence, a life-sustaining medicine that ran out, papers demanded before care,
 * a legal threat, a threat to go public with a recording.
 */
export function detectSpanishIncidents(c: SpanishCues, label: Sentiment): string[] {
  const out: string[] = [];
  if (c.has('privacyAct') && c.has('privacyWhat') && (c.has('privacyWhere') || c.has('staff')) && !c.text.includes(' con nuestro permiso ') && !c.text.includes(' con permiso '))
    out.push(`privacy breach: ${c.quote('privacyAct')} ${c.quote('privacyWhat')} ${c.quote('privacyWhere') || c.quote('staff')}`);
  if (c.has('safetyError')) out.push(`patient-safety incident: ${c.quote('safetyError')}`);
  if (c.has('dischargeAct') && c.has('dischargeUnsafe')) out.push(`unsafe discharge: ${c.quote('dischargeAct')} ${c.quote('dischargeUnsafe')}`);
  if (c.has('staff') && c.has('staffHarm')) out.push(`staff violence: ${c.quote('staff')} ${c.quote('staffHarm')}`);
  if (c.has('lifeMedicine') && c.has('medicationOut')) out.push(`life-sustaining medicine (${c.all('lifeMedicine')[0]?.text}) ran out: ${c.quote('medicationOut')}`);
  if (c.has('accessDemand') && c.has('accessBefore')) out.push(`care withheld: ${c.quote('accessDemand')} demanded ${c.quote('accessBefore')}`);
  if (c.has('legal') && label !== 'positive') out.push(`legal or regulatory threat ${c.quote('legal')}`);
  if (c.has('publish') && (c.has('recording') || c.text.includes(' video '))) out.push(`threat to go public ${c.quote('recording') || '"video"'} ${c.quote('publish')}`);
  return out;
}

/**
 * A health term after a relative or the author ("mi suegro ... vesicula", "me recetaron
 * metformina"), or a crisis about them: the same health details the English rules protect.
 */
function healthDetail(c: SpanishCues, crisisKind: string | undefined, incident: boolean, setAside: boolean): string | undefined {
  const told = setAside ? ' (told as past, information or a story)' : '';
  if (c.has('selfDisclosure')) return c.quote('selfDisclosure');
  const owners = c.all('owners');
  const terms: CueMatch[] = [...c.all('careSettings'), ...c.all('procedures'), ...c.all('conditions'), ...c.all('medicines')];
  for (const owner of owners) {
    const term = terms.find((t) => t.index > owner.index && t.index - owner.index <= 80);
    if (term) return `"${owner.text}" + "${term.text}"`;
    // "mañana le hacen la colonoscopia a mi papá": a procedure, condition or medicine just before.
    const before = terms.find((t) => t.index < owner.index && owner.index - t.index <= 40 && !c.all('careSettings').includes(t));
    if (before) return `"${before.text}" + "${owner.text}"`;
  }
  // The most specific owner names them: "mi suegro" before a bare "mi".
  const owner = [...owners].sort((a, b) => b.text.length - a.text.length)[0]?.text;
  if (owner !== undefined && (crisisKind === 'self-harm' || crisisKind === 'overdose' || crisisKind === 'emergency')) return `"${owner}" in a crisis${told}`;
  if (owner !== undefined && incident) return `"${owner}" in an incident`;
  if (crisisKind === 'self-harm') return `self-harm${told}`;
  if (crisisKind === 'overdose') return `the author with an overdose or poisoning${told}`;
  return undefined;
}

interface Weighted {
  pattern: RegExp;
  weight: number;
}

function weightedGroups(phrases: Record<string, number>): Weighted[] {
  return Object.entries(phrases).map(([phrase, weight]) => ({ pattern: compileGroup([phrase]), weight }));
}

function matchWeighted(groups: readonly Weighted[], text: string): Array<{ text: string; weight: number }> {
  const out: Array<{ text: string; weight: number }> = [];
  for (const { pattern, weight } of groups) {
    pattern.lastIndex = 0;
    const m = pattern.exec(text);
    if (m) out.push({ text: m[0], weight });
  }
  return out;
}

/**
 * Spanish and English together ("mi hermano mezcló xanax con alcohol, what do i do??"): both
 * classifiers' findings, the more urgent first; the sentiment scores add up.
 */
export function mergeMixed(english: Classification, spanish: Classification): Classification {
  const [lead, other] = urgencyRank(spanish.urgency) <= urgencyRank(english.urgency) ? [spanish, english] : [english, spanish];
  const score = Math.round((english.score + spanish.score) * 100) / 100;
  const complaint = english.categories.includes('complaint') || spanish.categories.includes('complaint');
  const categories = new Set([...english.categories, ...spanish.categories]);
  if (complaint || categories.has('crisis')) categories.delete('praise');
  const crises = [english.crisis, spanish.crisis].filter((f) => f !== undefined);
  const crisis = crises.find((f) => f.tier === 'crisis') ?? crises[0];
  if (crisis) categories.add('crisis');
  const sentiment: Sentiment = crisis?.tier === 'crisis' || score <= -1 || (score < 0 && complaint) ? 'negative' : score > 0 ? 'positive' : 'neutral';
  const result: Classification = {
    sentiment,
    score: crisis?.tier === 'crisis' ? Math.min(score, -2) : score,
    categories: CATEGORY_ORDER.filter((k) => categories.has(k)),
    urgency: lead.urgency,
    reasons: [...lead.reasons, ...other.reasons],
  };
  if (crisis) result.crisis = crisis;
  return result;
}
