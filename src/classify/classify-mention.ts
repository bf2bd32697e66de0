import { CRISIS_KIND_LABELS, type Category, type Classification, type ClassifyContext, type Language, type Sentiment as SentimentLabel, type Urgency } from '../domain/classification.js';
import { ANCHOR, CONTEXT_CUES, CRISIS_CUES, HEALTH_VOCABULARY, INCIDENT_CUES, LIFE_SUSTAINING, SECOND_PASS, kindIndex, type PhraseKind } from './cue-kinds.js';
import { detectCrisis, type CrisisReading } from './detect-crisis.js';
import { createCategoryReader, type CategoryReading, type ModelLabel } from './category-model.js';
import { createCrisisBackstop, createKindReader, modelFeatures } from './crisis-model.js';
import { authorByVerb, findHealthDetail, insideCareSetting, storyDisclosure } from './detect-health-details.js';
import { detectIncidents, type Incident } from './detect-incidents.js';
import { Found, spanOf, type Evidence } from './found.js';
import type { Lexicon } from './lexicon.js';
import { detectLanguage, SPANISH_WORDS } from './detect-language.js';
import { createSpanishClassifier, mergeMixed } from './es/classify-spanish.js';
import { canonicalToken, normalizeText } from './normalize.js';
import { PhraseIndex, type PhraseMatch } from './phrase-index.js';
import { firstPastMarker, voidFailuresPutRight, voidMisleadingCues, voidTimesThatAreNoWait } from './read-context.js';
import { readVitalSigns, VITAL_WORDS } from './read-vital-signs.js';
import { Vocabulary } from './vocabulary.js';
import { createSentimentContribution, createSentimentScorer } from './score-sentiment.js';

export interface ClassifierOptions {
  /** Authors with at least this many followers make a complaint `high`. */
  influentialFollowers?: number;
}

export interface Classifier {
  classify(text: string, context?: ClassifyContext): Classification;
}

const FIRST_PERSON_SUBJECT = new Set(['i', "i'm", "i've", "i'd", "i'll", 'me', 'myself']);
const URL = /https?:\/\/\S+/g;
/** A link written without its scheme, as spam writes them: a shortener (`bit.ly/x`) or a throwaway domain (`claim-now.xyz`). */
const BARE_LINK = /(?<![\w./@-])(?:bit\.ly|tinyurl\.com|t\.me|wa\.me|[a-z0-9]+(?:-[a-z0-9]+)+\.[a-z]{2,6}|[a-z0-9-]+\.(?:xyz|top|click|link|site|online|shop|biz|info|live|win|co))(?:\/\S*)?(?![\w.-])/g;
const STAR_RATING = /\b(?:[0-5](?:\.5)?\s*(?:\/|out of)\s*(?:5|five)|(?:[0-9]|10)\s*(?:\/|out of)\s*(?:10|ten)|(?:zero|no|one|two|three|four|five|[0-5])[- ]stars?)\b|[\u2605\u2B50]/i;
const HASHTAG = /#\w+/g;
const SHOUTING_WORD = /\b[A-Z]{4,}\b/g;

/**
 * Builds the classifier from a lexicon. Pure: everything is compiled here once; `classify` does no
 * I/O and gives the same answer for the same text and context.
 */
export function createClassifier(lexicon: Lexicon, options: ClassifierOptions = {}): Classifier {
  const influential = options.influentialFollowers ?? 10_000;
  // One vocabulary for both indexes and the scorers: a text's tokens are looked up once.
  const vocabulary = new Vocabulary();
  const [index, secondIndex] = buildIndexes(lexicon, vocabulary);
  const questionStarts = new Set(lexicon.questionStarts.map(canonicalToken));
  const selfReferences = new Set(lexicon.selfReferences.map(canonicalToken));
  // "my", "mom's", "husband": these may stand a few words before the health term; "i" and "me" must be near.
  const possessive = new Set([...selfReferences].filter((w) => !FIRST_PERSON_SUBJECT.has(w)));

  const scoreSentiment = createSentimentScorer(lexicon.sentimentWords, vocabulary);
  const contribution = createSentimentContribution(lexicon.sentimentWords, vocabulary);
  // classify is synchronous and keeps nothing of it, so one Found serves every call.
  const reused = new Found();
  const spanish = lexicon.spanish ? createSpanishClassifier(lexicon.spanish) : undefined;
  const kindOf = lexicon.crisisModel ? createKindReader(lexicon.crisisModel) : undefined;
  const backstop = lexicon.crisisModel ? createCrisisBackstop(lexicon.crisisModel, kindOf) : undefined;
  const readCategories = lexicon.categoryModel ? createCategoryReader(lexicon.categoryModel, vocabulary) : undefined;

  function classify(text: string, context: ClassifyContext = {}): Classification {
    const normalized = normalizeText(text);
    const { tokens, ids } = vocabulary.tokenize(normalized);
    const matches = index.match(tokens, ids);
    // The Spanish rules run only for Spanish and Spanglish; the detector only for posts with a Spanish word.
    let language: Language = 'en';
    if (spanish !== undefined) {
      for (let i = 0; i < matches.length; i++) {
        if ((matches[i] as PhraseMatch).entry.kindIndex === SPANISH_WORD) {
          language = detectLanguage(tokens, normalized);
          break;
        }
      }
    }
    if (spanish !== undefined && (language === 'es' || language === 'mixed')) {
      const es = spanish.classify(normalized);
      const result = language === 'es' ? es : mergeMixed(classifyEnglish(normalized, tokens, ids, matches, context, language), es);
      result.language = language;
      return result;
    }
    return classifyEnglish(normalized, tokens, ids, matches, context, language);
  }

  function classifyEnglish(normalized: string, tokens: string[], ids: number[], matches: PhraseMatch[], context: ClassifyContext, language: Language): Classification {
    const sentiment = scoreSentiment(tokens, ids);
    const found = reused.reset(matches, tokens, normalized);
    const reasons: string[] = [];

    // --- crisis, incidents and health details: most posts have no anchor and skip all of it ------
    const vitalWord = found.any(K.vitalWord) && DIGIT.test(normalized);
    let secondPass = found.anchors !== 0 || vitalWord;
    if (secondPass) found.add(secondIndex.match(tokens, ids));
    if (found.any(K.idiom) && found.any(K.safetyIncident)) voidInsideIdioms(found, K.safetyIncident);
    const crisisCue = (found.anchors & ANCHOR.crisis) !== 0;
    const incidentCue = (found.anchors & ANCHOR.incident) !== 0;
    const vitals = vitalWord ? readVitalSigns(tokens, youngInfant(found)) : [];
    if (crisisCue || incidentCue || (found.anchors & ANCHOR.care) !== 0 || vitals.length > 0) voidMisleadingCues(found);
    const crisis: CrisisReading | undefined = crisisCue || vitals.length > 0 ? detectCrisis(found, vitals) : undefined;
    let flag = crisis?.flag;
    let incidents: readonly Incident[] = incidentCue || (found.anchors & ANCHOR.care) !== 0 ? detectIncidents(found) : NO_INCIDENTS;
    // A cue the rules could not complete, nothing set aside and nothing that qualifies it (past,
    // handled, a campaign, a story, a joke, a general question): the model trained on our writers'
    // posts takes a second look, and may raise a possible crisis or incident for a person to check.
    let modelReason: string | undefined;
    if (backstop && flag === undefined && (crisisCue || incidentCue) && !crisis?.setAside.length && incidents.length === 0 && !QUALIFIERS.some((k) => found.any(k))) {
      const reading = backstop(normalized);
      if (reading) {
        const words = reading.words.map((w) => `"${w}"`).join(', ');
        if (reading.kind === 'incident') {
          incidents = [...incidents, { urgency: 'critical', reason: `possible critical incident: resembles critical posts (${words})` }];
        } else {
          flag = { tier: 'possible', kind: reading.kind };
          modelReason = `possible crisis (${CRISIS_KIND_LABELS[reading.kind]}): resembles crisis posts (${words})`;
        }
      }
    }

    // The category model's reading, once per post: it adds only what the rules did not give.
    const model = readCategories?.(ids);
    // Read on every post (a crisis told in none of the lexicon's words is what it is for), but only
    // where nothing already made the post critical or set a cue aside, and nothing qualifies it.
    // Whether a crisis, a critical incident or a legal, privacy, safety or going-public cue is there
    // (read again below, after the model may have added one).
    const somethingCritical = () => flag !== undefined || incidents.some((i) => i.urgency === 'critical') || CRITICAL_KINDS.some((kind) => found.any(K[kind]));
    if (model?.passes('critical') && kindOf && !somethingCritical() && !crisis?.setAside.length && !QUALIFIERS.some((k) => found.any(k))) {
      const kind = kindOf(modelFeatures(normalized));
      const why = said(model, 'critical');
      if (kind === 'incident') {
        incidents = [...incidents, { urgency: 'critical', reason: `possible critical incident: resembles critical posts (${why})` }];
      } else {
        flag = { tier: 'possible', kind };
        modelReason = `possible crisis (${CRISIS_KIND_LABELS[kind]}): resembles crisis posts (${why})`;
      }
    }

    // --- sentiment -------------------------------------------------------------------------
    const stars = mayHaveRating(normalized) ? STAR_RATING.exec(normalized) : null;
    const rating = stars ? starSentiment(stars[0], normalized) : 0;
    let score = sentiment.score + found.weight(K.sentiment) + rating;
    // Words inside an idiom ("to die for", "killing it", "gave me chest pains") or describing a crisis
    // that was set aside (a memory, a campaign, a story) do not say how the author feels about us:
    // the idiom's own weight among the sentiment phrases says that instead.
    const explained = explainedSentiment(found, crisis);
    if (explained.length > 0) score -= explained.reduce((sum, span) => sum + contribution(tokens, span.start, span.end), 0);
    if (found.any(K.complaint)) {
      voidTimesThatAreNoWait(found, K.complaint);
      voidFailuresPutRight(found, K.complaint, K.remedy, K.praise, K.gratitude);
    }
    const complaintWeight = found.complaintWeight(sentiment.score < 0);
    let sarcasm = false;
    if (sentiment.positive > 0 && complaintWeight >= 2 && sentiment.positive <= 8 && rating <= 0) {
      // Praise words beside a service failure read as sarcasm far more often than as thanks.
      sarcasm = true;
      score -= sentiment.positive;
    }
    let finalScore = round(score - complaintWeight * 0.75);
    if (flag?.tier === 'crisis' && finalScore > -2) {
      // Whatever words surround it ("thank u nurses for trying"), a crisis is never good news.
      finalScore = -2;
      reasons.push('sentiment negative: crisis');
    }
    // A lone mildly negative word ("limited", "damaged") is not a complaint; a service failure is.
    const label: SentimentLabel =
      finalScore <= -1 || (finalScore < 0 && complaintWeight > 0) ? 'negative' : finalScore > 0 ? 'positive' : 'neutral';

    if (sentiment.negativeWords.length > 0) reasons.push(`negative words: ${unique(sentiment.negativeWords).join(', ')}`);
    if (sentiment.positiveWords.length > 0 && !sarcasm) reasons.push(`positive words: ${unique(sentiment.positiveWords).join(', ')}`);
    if (found.any(K.sentiment)) reasons.push(`phrases: ${found.quoted(K.sentiment)}`);
    if (complaintWeight > 0) reasons.push(`service-failure cues: ${found.quoted(K.complaint)}`);
    if (sarcasm) reasons.push(`sarcasm: positive words (${unique(sentiment.positiveWords).join(', ')}) beside a service failure`);

    // --- categories ------------------------------------------------------------------------
    const categories = new Set<Category>();
    // Both tiers are crises; the reasons say which (readCrisisFlag).
    if (flag) categories.add('crisis');
    if (crisis) reasons.push(...crisis.reasons);
    if (modelReason) reasons.push(modelReason);

    let spamScore = found.weight(K.spam);
    const hashtags = normalized.includes('#') ? (normalized.match(HASHTAG)?.length ?? 0) : 0;
    // Links count only towards spam, out of reach without a spam cue or five hashtags; links without
    // a scheme are looked for only beside a spam cue.
    const urls = spamScore === 0 && hashtags < 5 ? 0 : (normalized.includes('http') ? (normalized.match(URL)?.length ?? 0) : 0) + (spamScore > 0 && normalized.includes('.') ? (normalized.match(BARE_LINK)?.length ?? 0) : 0);
    if (urls >= 2) spamScore += 1;
    if (hashtags >= 5) spamScore += hashtags >= 7 ? 3 : 2;
    if (spamScore >= 3 && (urls > 0 || spamScore >= 4 || hashtags >= 5)) {
      categories.add('spam');
      const cues = [found.any(K.spam) ? found.quoted(K.spam) : '', urls >= 2 ? `${urls} links` : '', hashtags >= 5 ? `${hashtags} hashtags` : '']
        .filter(Boolean)
        .join(', ');
      reasons.push(`spam: ${cues}`);
    }

    const strongNegative = finalScore <= -2 || complaintWeight >= 2;
    // A crisis, a crisis told as past, a campaign or a story explains the dark words: it is also a
    // complaint only when it names a service failure ("on hold for 40 min").
    // Thanks for care ("the nurse sat with me", "got me through it") is praise even when the story
    // around it is dark; "thanks for making me wait 4 hours" is sarcasm and stays a complaint.
    const thanked = found.any(K.gratitude) && !sarcasm;
    const explainedAway =
      flag !== undefined || (crisis?.setAside.length ?? 0) > 0 || found.any(K.information) || found.any(K.fiction) || thanked;
    if (explainedAway ? complaintWeight >= 2 : label === 'negative' && (complaintWeight > 0 || strongNegative)) {
      categories.add('complaint');
    } else if (found.any(K.safetyIncident) || found.any(K.privacy) || (found.any(K.legal) && label !== 'positive')) {
      categories.add('complaint');
    }
    // An incident is a complaint however it is worded ("i want it down NOW").
    if (incidents.some((i) => i.urgency === 'critical')) categories.add('complaint');

    const questionStart = firstContentToken(tokens);
    const critical = flag !== undefined || incidents.some((i) => i.urgency === 'critical');
    if (normalized.includes('?') && (critical || asks(normalized, questionStarts))) {
      // "$22 for 2 hours??" is exasperation; "closest ER??" in an emergency is asked.
      categories.add('question');
      reasons.push('question: has "?"');
    } else if (found.any(K.question)) {
      categories.add('question');
      reasons.push(`question: ${found.quoted(K.question)}`);
    } else if (questionStart !== undefined && questionStarts.has(questionStart) && !opensAClause(tokens, questionStart)) {
      categories.add('question');
      reasons.push(`question: starts with "${questionStart}"`);
    }

    if (stars || found.any(K.review)) {
      categories.add('review');
      reasons.push(`review: ${stars ? `"${stars[0]}"` : found.quoted(K.review)}`);
    }

    // A "thanks!" at the end of a question is politeness, not praise.
    const praiseBar = categories.has('question') ? 4 : 0;
    // A middling rating with good words in it is a review, not praise.
    const mixedReview = stars !== null && rating === 0;
    // Warm words in a campaign or a story ("share this graphic 💚") are not praise of us without a thanks.
    const praiseWords = found.any(K.praise) || (finalScore >= 4 && !found.any(K.information) && !found.any(K.fiction));
    const thanks = thanked && !categories.has('question');
    if ((label === 'positive' || thanks) && !mixedReview && !categories.has('complaint') && !flag && (thanks || (finalScore >= praiseBar && praiseWords))) {
      categories.add('praise');
      if (found.any(K.praise)) reasons.push(`praise: ${found.quoted(K.praise)}`);
      else if (thanks) reasons.push(`praise: ${found.quoted(K.gratitude)}`);
    }

    // A health, crisis or incident word: the writers' posts all have one, so to the model a post
    // without one ("my flight", "both lounges are disgusting") reads like none of theirs.
    const healthWord = () => (found.anchors & ANCHOR.health) !== 0 || found.any(K.health) || crisisCue || incidentCue;
    const phiCue = found.any(K.phi)
      ? found.quoted(K.phi)
      : (healthNearSelf(found, tokens, selfReferences, possessive) ??
        ((found.anchors & ANCHOR.health) !== 0 ? findHealthDetail(found) : undefined) ??
        crisisDisclosure(found, crisis) ??
        incidentDisclosure(found, incidents) ??
        storyDisclosure(found, normalized, selfReferences));
    if (phiCue) {
      categories.add('phi');
      reasons.push(`discloses health information: ${phiCue}`);
    } else if (model?.passes('phi') && healthWord() && (!categories.has('question') || found.any('selfReference'))) {
      // Only beside some health word: without one, "my flight", "my bags" read like the writers'
      // first-person posts and would all be flagged. A question names whose health it is, or it
      // asks about a service ("what floor is oncology on").
      categories.add('phi');
      reasons.push(`discloses health information: resembles posts that do (${said(model, 'phi')})`);
    }
    if (model?.passes('praise') && !categories.has('praise') && !categories.has('complaint') && !flag && label !== 'negative') {
      categories.add('praise');
      reasons.push(`praise: resembles praise (${said(model, 'praise')})`);
    }
    if (model?.passes('complaint') && !categories.has('complaint') && !categories.has('praise') && label !== 'positive') {
      categories.add('complaint');
      reasons.push(`complaint: resembles complaints (${said(model, 'complaint')})`);
    }
    // A complaint on negative words alone (no service-failure cue, and no crisis, incident or threat
    // behind it) that reads like none of the writers' complaints is taken back: grief, fear, a bad
    // result, an idiom ("my shift is gonna kill me") are negative without being about us. Its
    // sentiment stays. A named failure ("on hold", "lost my bag") is a complaint however it reads,
    // and so is one with no health or crisis word: the writers' posts are all about health care, so
    // a post about anything else ("both lounges are disgusting") reads like none of theirs.
    const complaintOnWords = categories.has('complaint') && complaintWeight === 0 && !somethingCritical() && healthWord();
    if (model && complaintOnWords && model.doubtsComplaint()) {
      categories.delete('complaint');
      reasons.push(`not a complaint: unlike complaints (${model.probability('complaint').toFixed(2)})`);
    }

    if (categories.has('spam')) categories.delete('praise');
    if (categories.has('spam') && (categories.has('complaint') || categories.has('crisis') || flag)) {
      // A real complaint or crisis that happens to contain a link is not spam.
      if (spamScore < 6 || flag) categories.delete('spam');
    }

    // --- urgency ---------------------------------------------------------------------------
    const urgency = decideUrgency();

    function decideUrgency(): Urgency {
      if (flag) {
        // Both tiers go to the urgent route; a possible crisis is for a person to confirm or clear now.
        reasons.push(flag.tier === 'crisis' ? 'urgency critical: crisis' : 'urgency critical: possible crisis, check now');
        return 'critical';
      }
      if (categories.has('spam')) {
        reasons.push('urgency ignore: spam');
        return 'ignore';
      }
      // "the local news did a story on our trauma team" is news about us, not a threat to go to the news;
      // a reporter asking for stories ("doing a story for channel 4") is a media inquiry, not a threat.
      const present = (kind: (typeof CRITICAL_KINDS)[number] | 'viral') =>
        found.any(K[kind]) && (kind !== 'viral' || (!found.any(K.information) && !found.any(K.media) && !found.headline)) && ((kind !== 'viral' && kind !== 'legal') || !found.any(K.fiction));
      // Legal threats and privacy breaches count unless the post is praise.
      const seriousAlone = (present('legal') || present('privacy')) && label !== 'positive';
      // An incident told as a story, news, a worry that proved wrong, or past and put right is no
      // incident now; a legal threat or a recording about to go public still is.
      const anyIncident = incidents.some((i) => i.urgency === 'critical') || ((found.any(K.privacy) || found.any(K.safetyIncident)) && (present('privacy') || present('safetyIncident')));
      // A privacy or safety phrase alone anchors nothing: its context is read only now, when it counts.
      if (anyIncident && !secondPass) {
        found.add(secondIndex.match(tokens, ids));
        secondPass = true;
      }
      const aside = anyIncident ? incidentAside(found) : undefined;
      let why: string[] | undefined;
      if (categories.has('complaint') || label === 'negative' || seriousAlone) {
        for (const kind of CRITICAL_KINDS) if (present(kind) && (kind === 'legal' || !aside)) (why ??= []).push(`${CRITICAL_LABEL[kind]} ${found.quoted(K[kind])}`);
      }
      for (const incident of incidents) {
        if (incident.urgency === 'critical' && (!aside || incident.reason.startsWith('threat to go public'))) (why ??= []).push(incident.reason);
      }
      if (aside && why === undefined) {
        reasons.push(`not critical: incident ${aside}`);
      }
      if (why !== undefined) {
        reasons.push(`urgency critical: ${why.join('; ')}`);
        return 'critical';
      }
      let high: string[] | undefined;
      for (const incident of incidents) if (incident.urgency === 'high') (high ??= []).push(incident.reason);
      // "going to the local news next week": a threat to go public is for a lead today; with a
      // recording it is an incident, critical above.
      if (present('viral') && (label !== 'positive' || categories.has('complaint'))) {
        (high ??= []).push(`threat to go public ${found.quoted(K.viral)}`);
      }
      if (categories.has('complaint')) {
        if (finalScore <= -8) (high ??= []).push(`strongly negative (${finalScore})`);
        if (found.any(K.anger)) (high ??= []).push(`anger: ${found.quoted(K.anger)}`);
        if (shouting(normalized)) (high ??= []).push('shouting');
        if ((context.recentComplaints ?? 0) >= 2) (high ??= []).push(`${context.recentComplaints} complaints this week`);
        if ((context.followers ?? 0) >= influential) (high ??= []).push(`influential author (${context.followers} followers)`);
        if (found.any(K.accessibility)) (high ??= []).push(`accessibility: ${found.quoted(K.accessibility)}`);
      }
      if (high !== undefined) {
        reasons.push(`urgency high: ${high.join('; ')}`);
        return 'high';
      }
      if (found.any(K.media)) {
        reasons.push(`urgency high: media inquiry ${found.quoted(K.media)}`);
        return 'high';
      }
      // Thanks that mention one's care ("the NICU nurses explained everything") need no clock.
      const thanksOnly = categories.has('praise') && !categories.has('complaint') && !categories.has('question');
      if (categories.has('complaint') || categories.has('question') || categories.has('review') || (categories.has('phi') && !thanksOnly)) {
        return 'normal';
      }
      return 'low';
    }

    const result: Classification = {
      sentiment: label,
      score: finalScore,
      categories: CATEGORY_ORDER.filter((c) => categories.has(c)),
      urgency,
      reasons,
      language,
    };
    if (flag) result.crisis = flag;
    return result;
  }

  return { classify };
}

const CATEGORY_ORDER: readonly Category[] = ['crisis', 'complaint', 'phi', 'question', 'review', 'praise', 'spam'];
const CRITICAL_KINDS = ['legal', 'privacy', 'safetyIncident'] as const;
const NO_INCIDENTS: readonly Incident[] = [];
const CRITICAL_LABEL: Partial<Record<PhraseKind, string>> = {
  legal: 'legal or regulatory threat',
  privacy: 'privacy breach',
  safetyIncident: 'patient-safety incident',
};
/** The model's view of a label, for a reason: its probability and the words that weighed most. */
function said(model: CategoryReading, label: ModelLabel): string {
  return `${model.probability(label).toFixed(2)}: ${model.words(label).map((w) => `"${w}"`).join(', ')}`;
}
const DIGIT = /\d/;
const SPANISH_WORD = kindIndex('spanishWord');

/** Context that tells a cue is not a present danger: where any is found, the model does not look. */
const QUALIFIERS = (['past', 'recovery', 'resolved', 'careUnderway', 'hypothetical', 'generic', 'information', 'fiction', 'idiom', 'laughter'] as const).map(kindIndex);

/** Kinds the per-post path asks about, resolved to indices once. */
const K = {
  sentiment: kindIndex('sentiment'), complaint: kindIndex('complaint'), spam: kindIndex('spam'), legal: kindIndex('legal'),
  privacy: kindIndex('privacy'), safetyIncident: kindIndex('safetyIncident'), viral: kindIndex('viral'), media: kindIndex('media'),
  accessibility: kindIndex('accessibility'), question: kindIndex('question'), review: kindIndex('review'), praise: kindIndex('praise'),
  gratitude: kindIndex('gratitude'), remedy: kindIndex('remedy'),
  health: kindIndex('health'), phi: kindIndex('phi'), anger: kindIndex('anger'), idiom: kindIndex('idiom'),
  information: kindIndex('information'), fiction: kindIndex('fiction'), vitalWord: kindIndex('vitalWord'),
} as const;

/** Spans whose sentiment words are explained away: idioms, and the evidence of crises set aside. */
function explainedSentiment(found: Found, crisis: CrisisReading | undefined): Evidence[] {
  const idioms = found.raw(K.idiom);
  if (idioms.length === 0 && (crisis === undefined || crisis.setAside.length === 0)) return [];
  const spans = [...idioms.map(spanOf), ...(crisis?.setAside ?? [])].sort((a, b) => a.start - b.start);
  // Merged, so a word inside two spans is taken out once.
  const merged: Evidence[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

/** "we almost died laughing": the idiom holds the words, no one was harmed. */
function voidInsideIdioms(found: Found, kind: number): void {
  const idioms = found.raw(K.idiom);
  for (const match of found.raw(kind)) {
    const end = match.start + match.entry.tokens.length;
    if (idioms.some((idiom) => idiom.start < end && match.start < idiom.start + idiom.entry.tokens.length)) found.void(match);
  }
}

/** A baby under three months, for whom a fever of 100.4 °F is an emergency. */
function youngInfant(found: Found): boolean {
  return found.all('infant').some((m) => {
    const words = found.text(m);
    return words === 'newborn' || words === 'preemie' || /\b(?:week|weeks|day|days)\b/.test(words) || /^[12] month/.test(words);
  });
}

/**
 * A crisis about the author or someone of theirs discloses their health: self-harm always (the
 * author, or a relative they name), an overdose or emergency when the post names no stranger as
 * the one in trouble. A hazard or violence on its own does not.
 */
function crisisDisclosure(found: Found, crisis: CrisisReading | undefined): string | undefined {
  const kind = crisis?.flag?.kind ?? crisis?.told.find((k) => k === 'self-harm' || k === 'overdose' || k === 'emergency');
  if (kind === undefined) return undefined;
  const told = crisis?.flag === undefined ? ' (told as past)' : '';
  if (kind === 'self-harm') return `self-harm${told}`;
  if (kind !== 'overdose' && kind !== 'emergency') return undefined;
  const what = kind === 'overdose' ? 'an overdose or poisoning' : 'a medical emergency';
  const owner = found.first('selfReference') ?? found.first('child') ?? found.first('infant');
  if (owner) return `"${found.text(owner)}" with ${what}${told}`;
  return found.any('stranger') ? undefined : `the author with ${what}${told}`;
}

/**
 * An incident about oneself or a relative tells their health: a discharge, staff violence, a breach
 * of their chart, results or diagnosis (not of a photo or account details). A life-sustaining
 * medicine that ran out is someone's medication whoever is named.
 */
function incidentDisclosure(found: Found, incidents: readonly Incident[]): string | undefined {
  if (incidents.length === 0) return undefined;
  const medicine = incidents.find((i) => i.reason.startsWith('life-sustaining'));
  if (medicine) return `a life-sustaining medicine (${medicine.reason.slice(medicine.reason.indexOf('(') + 1, medicine.reason.indexOf(')'))})`;
  const healthBreach = found.all('protectedInfo').some((m) => !NOT_HEALTH.has(found.text(m)));
  const telling = incidents.some((i) => (i.reason.startsWith('privacy breach') ? healthBreach : !i.reason.startsWith('threat to go public')));
  if (!telling) return undefined;
  const owner = found.all('selfReference').find((m) => !GENERIC_OWNER.has(found.text(m)) || found.tokens[m.start - 1] === 'my');
  return owner ? `"${found.text(owner)}" in an incident` : undefined;
}

/**
 * Why an incident in a post is not one now: told as fiction about no one we know, or as news
 * ("the wrong patient was on the table - best line in tonight's episode"), shared by consent ("we
 * said yes"), past and put right ("back in 2019 ... they sorted it in an hour"), no harm done, or a
 * worry that proved wrong ("i thought she gave me the wrong vaccine but nope"). Undefined when it
 * stands.
 */
function incidentAside(found: Found): string | undefined {
  // A story about no one we know; "a doctor discussed my wife's cancer on a podcast" is a breach.
  const fiction = found.first(K.fiction);
  if (fiction && !found.tokens.some((t) => OWNERS.has(t))) return `told as fiction or media ("${found.text(fiction)}")`;
  if (found.headline) return 'told as news';
  const consent = found.first('consent');
  if (consent) return `shared with consent ("${found.text(consent)}")`;
  const recovery = found.first('recovery');
  const past = firstPastMarker(found) ?? (recovery ? spanOf(recovery) : undefined);
  const putRight = found.first(K.remedy) ?? found.first('resolved');
  if (past && putRight && putRight.start > past.start) return `past and put right ("${found.tokens.slice(past.start, past.end).join(' ')}", "${found.text(putRight)}")`;
  const harmless = found.all('resolved').find((m) => found.text(m).startsWith('no harm'));
  if (harmless) return `no harm done ("${found.text(harmless)}")`;
  const worry = found.tokens.findIndex((t) => t === 'thought' || t === 'worried');
  const butNot = worry >= 0 ? found.tokens.findIndex((t, i) => i > worry && (t === 'nope' || t === 'turns' || t === 'turned')) : -1;
  if (worry >= 0 && butNot >= 0) return `a worry that proved wrong ("${found.tokens[worry]} ... ${found.tokens[butNot]}")`;
  return undefined;
}

const OWNERS = new Set(['my', 'our', 'me', 'us', 'mine']);

/** What a privacy breach may expose that is not itself a health detail. */
const NOT_HEALTH = new Set(['photo', 'photos', 'pic', 'pics', 'picture', 'pictures', 'face', 'name visible', 'his name', 'her name', 'account details', 'story']);

const GENERIC_OWNER = new Set(['i', "i'm", "i've", "i'd", "i'll", 'me', 'myself', 'kids', 'kid', 'child', 'baby', 'parents', 'parent']);

/** The first-pass index (every post) and the second (posts with an anchor); see {@link SECOND_PASS}. */
function buildIndexes(lexicon: Lexicon, vocabulary: Vocabulary): [PhraseIndex, PhraseIndex] {
  const first = new PhraseIndex(vocabulary);
  const second = new PhraseIndex(vocabulary);
  const add = (kind: PhraseKind, phrase: string, weight?: number) => (SECOND_PASS.has(kind) ? second : first).add(kind, phrase, weight);
  const lists: Array<[PhraseKind, readonly string[]]> = [
    ['legal', lexicon.legal],
    ['privacy', lexicon.privacy],
    ['safetyIncident', lexicon.safetyIncident],
    ['viral', lexicon.viral],
    ['media', lexicon.media],
    ['accessibility', lexicon.accessibility],
    ['question', lexicon.questionPhrases],
    ['review', lexicon.reviewPhrases],
    ['praise', lexicon.praisePhrases],
    ['gratitude', lexicon.gratitudePhrases],
    ['remedy', lexicon.remedyPhrases],
    ['health', lexicon.healthTerms],
    ['phi', lexicon.phiPhrases],
    ['anger', lexicon.angerCues],
    ['selfReference', lexicon.selfReferences],
    ['medicine', lexicon.medicines.medicines],
    ['vitalWord', VITAL_WORDS],
  ];
  if (lexicon.spanish) lists.push(['spanishWord', [...SPANISH_WORDS]]);
  for (const kind of CRISIS_CUES) lists.push([kind, lexicon.crisisCues[kind]]);
  for (const kind of CONTEXT_CUES) lists.push([kind, lexicon.contextCues[kind]]);
  for (const kind of INCIDENT_CUES) lists.push([kind, lexicon.incidentCues[kind]]);
  for (const kind of HEALTH_VOCABULARY) lists.push([`hv.${kind}`, lexicon.healthVocabulary[kind]]);
  for (const kind of LIFE_SUSTAINING) lists.push([`life.${kind}`, lexicon.medicines.lifeSustaining[kind]]);
  for (const [kind, phrases] of lists) for (const phrase of phrases) add(kind, phrase);
  const weighted: Array<[PhraseKind, Record<string, number>]> = [
    ['sentiment', lexicon.sentimentPhrases],
    ['complaint', lexicon.complaintPhrases],
    ['spam', lexicon.spamPhrases],
  ];
  for (const [kind, phrases] of weighted) for (const [phrase, weight] of Object.entries(phrases)) add(kind, phrase, weight);
  return [first, second];
}

/**
 * A health term shortly after a reference to the author or a relative: "my mom's chemo", "I have
 * diabetes", "gave me antibiotics".
 */
function healthNearSelf(found: Found, tokens: readonly string[], selfReferences: ReadonlySet<string>, possessive: ReadonlySet<string>): string | undefined {
  const idioms = found.raw(K.idiom);
  for (const match of found.all(K.health)) {
    // "giving me a stroke", "fighting cancer" said of a queue: not a disclosure.
    if (idioms.some((idiom) => idiom.start <= match.start && idiom.start + idiom.entry.tokens.length > match.start)) continue;
    // "my service dog into the cancer center": a department, which the care-setting rule reads.
    if (insideCareSetting(found, match)) continue;
    for (let back = match.start - 1; back >= 0 && back >= match.start - 6; back--) {
      const token = tokens[back] as string;
      const near = match.start - back <= 4;
      // "kids benadryl", "a kid from the peds psych unit": no one in particular.
      if (GENERIC_RELATIVES.has(token) && !OWNING.has(tokens[back - 1] ?? '')) continue;
      if (possessive.has(token) || (near && selfReferences.has(token))) {
        return `"${tokens.slice(back, match.start + match.entry.tokens.length).join(' ')}"`;
      }
    }
    // "had a panic attack in the waiting room", "fighting cancer for 3 years": the author, unnamed.
    const author = authorByVerb(found, match);
    if (author) return `${author} + "${found.text(match)}"`;
  }
  return undefined;
}

const GENERIC_RELATIVES = new Set(['kids', 'kid', 'child', 'baby', 'parents', 'parent']);
const OWNING = new Set(['my', 'our', 'his', 'her']);

/** A rating's pull on sentiment: 4–5 of 5 (8–10 of 10) is good, 0–2 of 5 (0–4 of 10) is bad. */
function starSentiment(rating: string, text: string): number {
  if (/[\u2605\u2B50]/.test(rating)) {
    const count = text.match(/[\u2605\u2B50]/g)?.length ?? 0;
    return count >= 4 ? 3 : count <= 2 ? -3 : 0;
  }
  const lower = rating.toLowerCase();
  const words: Record<string, number> = { zero: 0, no: 0, one: 1, two: 2, three: 3, four: 4, five: 5 };
  const first = lower.match(/^(\d+(?:\.5)?|zero|no|one|two|three|four|five)/)?.[1] ?? '';
  const value = words[first] ?? Number(first);
  const outOfTen = /(?:\/|out of)\s*(?:10|ten)/.test(lower);
  const fraction = outOfTen ? value / 10 : value / 5;
  if (Number.isNaN(fraction)) return 0;
  return fraction >= 0.8 ? 3 : fraction <= 0.4 ? -3 : 0;
}

/** Cheap pre-check so the rating pattern runs only on texts that could hold one. */
function mayHaveRating(text: string): boolean {
  // A rating's slash follows a digit ("4/5", "9 / 10"); most slashes are in links.
  return (text.includes('/') && DIGIT_SLASH.test(text)) || text.includes('star') || text.includes('out of') || text.includes('\u2605') || text.includes('\u2B50');
}

const DIGIT_SLASH = /\d\s*\//;

function firstContentToken(tokens: readonly string[]): string | undefined {
  for (const token of tokens) {
    if (token.startsWith('@') || token === 'rt' || token === 'hi' || token === 'hey' || token === 'hello') continue;
    return token;
  }
  return undefined;
}

/** "when i was 19 ...", "how they treated my mom ...": a clause that opens a statement, not a question. */
const CLAUSE_WORDS = new Set(['when', 'where', 'how', 'what', 'who', 'why']);
const CLAUSE_SUBJECTS = new Set(['i', "i'm", 'im', "i've", 'we', "we're", 'my', 'our', 'they', 'he', 'she', "he's", "she's", 'his', 'her', 'their']);

function opensAClause(tokens: readonly string[], start: string): boolean {
  if (!CLAUSE_WORDS.has(start)) return false;
  const next = tokens[tokens.indexOf(start) + 1];
  return next !== undefined && CLAUSE_SUBJECTS.has(next);
}

/** Words that end a question put as a statement ("it gets better?? when", "is that normal"). */
const QUESTION_TAILS = new Set(['is', 'are', 'should', 'can', 'do', 'does', 'when', 'where', 'how', 'what', 'who', 'why', 'which', 'right', 'normal', 'ok', 'okay', 'yet']);
/** Openings that ask beside the lexicon's question starts ("was that normal??", "isnt that illegal??"). */
const ASKING_OPENINGS = new Set(['was', 'were', 'has', 'have', 'would', 'isnt', "isn't", 'doesnt', "doesn't", 'dont', "don't", 'cant', "can't", 'wont', "won't", 'whos', 'hows', 'wheres']);
/** Questions no one expects an answer to ("who are you and what have you done with billing"). */
const RHETORICAL = /^(?:who are you|who knew|who did this|are you serious|are you kidding|who does that)\b/;
const RUN_MARK = new Set(['?', '!']);
const SENTENCE_ENDS = /(\?[?!]*|[.!\n]+)/;

/**
 * Whether some "?" asks something: a single one does ("open sunday?"); a run of them ("??", "?!")
 * only after words that ask (a question word near the start or the end, or an "or": "ER or 911??").
 * Without them the marks are exasperation ("charged me a late fee??").
 */
function asks(text: string, questionStarts: ReadonlySet<string>): boolean {
  // Most posts have only single marks: one of them asks, and the runs need no reading.
  for (let i = text.indexOf('?'); i >= 0; i = text.indexOf('?', i + 1)) {
    if (!RUN_MARK.has(text[i - 1] ?? '') && !RUN_MARK.has(text[i + 1] ?? '')) return true;
  }
  // Sentences and the runs of marks that end them, in turn: "text", "??", "text", ".", ...
  const parts = text.toLowerCase().split(SENTENCE_ENDS);
  const opensAsking = (words: readonly string[]) => !RHETORICAL.test(words.join(' ')) && words.slice(0, 3).some((w) => questionStarts.has(w) || ASKING_OPENINGS.has(w));
  for (let k = 1; k < parts.length; k += 2) {
    if (!(parts[k] as string).startsWith('?')) continue;
    const words = wordsOf(parts[k - 1] as string);
    if (words.includes('or') || opensAsking(words) || words.slice(-3).some((w) => QUESTION_TAILS.has(w))) return true;
    // "ASCUS?? what does that mean": the question follows the marks.
    const after = wordsOf(parts[k + 1] ?? '');
    if (opensAsking(after) || (after.length <= 2 && after.some((w) => QUESTION_TAILS.has(w)))) return true;
  }
  return false;
}

function wordsOf(part: string): string[] {
  return part.split(/\s+/).map((w) => w.replace(/[^a-z']/g, '')).filter((w) => w !== '');
}

function shouting(text: string): boolean {
  return (text.match(SHOUTING_WORD)?.length ?? 0) >= 3;
}

/** The first six distinct words: a scan of a few, where a Set and two arrays were built per post. */
function unique(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length && out.length < 6; i++) if (!out.includes(words[i] as string)) out.push(words[i] as string);
  return out;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
