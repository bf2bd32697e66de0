import type { Category, Classification, ClassifyContext, Sentiment as SentimentLabel, Urgency } from '../domain/classification.js';
import type { Lexicon } from './lexicon.js';
import { canonicalToken, normalizeText } from './normalize.js';
import { createSentimentScorer, tokenize } from './score-sentiment.js';
import { PHRASE_KINDS, PhraseIndex, type PhraseKind, type PhraseMatch } from './phrase-index.js';

export interface ClassifierOptions {
  /** Authors with at least this many followers make a complaint `high`. */
  influentialFollowers?: number;
}

export interface Classifier {
  classify(text: string, context?: ClassifyContext): Classification;
}

const FIRST_PERSON_SUBJECT = new Set(['i', "i'm", "i've", "i'd", "i'll", 'me', 'myself']);
const URL = /https?:\/\/\S+/g;
const STAR_RATING = /\b(?:[0-5](?:\.5)?\s*(?:\/|out of)\s*(?:5|five)|(?:[0-9]|10)\s*(?:\/|out of)\s*(?:10|ten)|(?:zero|no|one|two|three|four|five|[0-5])[- ]stars?)\b|[\u2605\u2B50]/i;
const HASHTAG = /#\w+/g;
const SHOUTING_WORD = /\b[A-Z]{4,}\b/g;

/**
 * Builds the classifier from a lexicon. Pure: everything is compiled here once; `classify` does no
 * I/O and gives the same answer for the same text and context.
 */
export function createClassifier(lexicon: Lexicon, options: ClassifierOptions = {}): Classifier {
  const influential = options.influentialFollowers ?? 10_000;
  const index = buildIndex(lexicon);
  const questionStarts = new Set(lexicon.questionStarts.map(canonicalToken));
  const selfReferences = new Set(lexicon.selfReferences.map(canonicalToken));
  // "my", "mom's", "husband": these may stand a few words before the health term; "i" and "me" must be near.
  const possessive = new Set([...selfReferences].filter((w) => !FIRST_PERSON_SUBJECT.has(w)));

  const scoreSentiment = createSentimentScorer(lexicon.sentimentWords);

  function classify(text: string, context: ClassifyContext = {}): Classification {
    const normalized = normalizeText(text);
    const tokens = tokenize(normalized);
    const sentiment = scoreSentiment(tokens);
    const found = new Found(index.match(tokens), tokens);
    const reasons: string[] = [];

    // --- sentiment -------------------------------------------------------------------------
    const stars = mayHaveRating(normalized) ? STAR_RATING.exec(normalized) : null;
    const rating = stars ? starSentiment(stars[0], normalized) : 0;
    let score = sentiment.score + found.weight('sentiment') + rating;
    const complaintWeight = found.complaintWeight(sentiment.score < 0);
    let sarcasm = false;
    if (sentiment.positive > 0 && complaintWeight >= 2 && sentiment.positive <= 8 && rating <= 0) {
      // Praise words beside a service failure read as sarcasm far more often than as thanks.
      sarcasm = true;
      score -= sentiment.positive;
    }
    const finalScore = round(score - complaintWeight * 0.75);
    // A lone mildly negative word ("limited", "damaged") is not a complaint; a service failure is.
    const label: SentimentLabel =
      finalScore <= -1 || (finalScore < 0 && complaintWeight > 0) ? 'negative' : finalScore > 0 ? 'positive' : 'neutral';

    if (sentiment.negativeWords.length > 0) reasons.push(`negative words: ${unique(sentiment.negativeWords).join(', ')}`);
    if (sentiment.positiveWords.length > 0 && !sarcasm) reasons.push(`positive words: ${unique(sentiment.positiveWords).join(', ')}`);
    if (found.any('sentiment')) reasons.push(`phrases: ${found.quoted('sentiment')}`);
    if (complaintWeight > 0) reasons.push(`service-failure cues: ${found.quoted('complaint')}`);
    if (sarcasm) reasons.push(`sarcasm: positive words (${unique(sentiment.positiveWords).join(', ')}) beside a service failure`);

    // --- categories ------------------------------------------------------------------------
    const categories = new Set<Category>();

    const crisisKinds: PhraseKind[] = ['selfHarm', 'emergency', 'safety'];
    for (const kind of crisisKinds) {
      if (found.any(kind)) {
        categories.add('crisis');
        reasons.push(`crisis (${CRISIS_LABEL[kind]}): ${found.quoted(kind)}`);
      }
    }

    const urls = normalized.includes('http') ? (normalized.match(URL)?.length ?? 0) : 0;
    const hashtags = normalized.includes('#') ? (normalized.match(HASHTAG)?.length ?? 0) : 0;
    let spamScore = found.weight('spam');
    if (urls >= 2) spamScore += 1;
    if (hashtags >= 5) spamScore += hashtags >= 7 ? 3 : 2;
    if (spamScore >= 3 && (urls > 0 || spamScore >= 4 || hashtags >= 5)) {
      categories.add('spam');
      const cues = [found.any('spam') ? found.quoted('spam') : '', urls >= 2 ? `${urls} links` : '', hashtags >= 5 ? `${hashtags} hashtags` : '']
        .filter(Boolean)
        .join(', ');
      reasons.push(`spam: ${cues}`);
    }

    const strongNegative = finalScore <= -2 || complaintWeight >= 2;
    if (label === 'negative' && (complaintWeight > 0 || strongNegative)) {
      categories.add('complaint');
    } else if (found.any('safetyIncident') || found.any('privacy') || (found.any('legal') && label !== 'positive')) {
      categories.add('complaint');
    }

    const questionStart = firstContentToken(tokens);
    if (normalized.includes('?')) {
      categories.add('question');
      reasons.push('question: has "?"');
    } else if (found.any('question')) {
      categories.add('question');
      reasons.push(`question: ${found.quoted('question')}`);
    } else if (questionStart !== undefined && questionStarts.has(questionStart)) {
      categories.add('question');
      reasons.push(`question: starts with "${questionStart}"`);
    }

    if (stars || found.any('review')) {
      categories.add('review');
      reasons.push(`review: ${stars ? `"${stars[0]}"` : found.quoted('review')}`);
    }

    // A "thanks!" at the end of a question is politeness, not praise.
    const praiseBar = categories.has('question') ? 4 : 0;
    // A middling rating with good words in it is a review, not praise.
    const mixedReview = stars !== null && rating === 0;
    if (label === 'positive' && !mixedReview && !categories.has('complaint') && finalScore >= praiseBar && (found.any('praise') || finalScore >= 4)) {
      categories.add('praise');
      if (found.any('praise')) reasons.push(`praise: ${found.quoted('praise')}`);
    }

    let phiCue = found.any('phi') ? found.quoted('phi') : healthNearSelf(found, tokens, selfReferences, possessive);
    if (!phiCue && (found.any('emergency') || found.any('selfHarm'))) {
      // Describing one's own or a relative's emergency discloses their health.
      const who = tokens.find((t) => possessive.has(t) || FIRST_PERSON_SUBJECT.has(t));
      if (who !== undefined) phiCue = `"${who}" with ${found.quoted(found.any('emergency') ? 'emergency' : 'selfHarm')}`;
    }
    if (phiCue) {
      categories.add('phi');
      reasons.push(`discloses health information: ${phiCue}`);
    }

    if (categories.has('spam')) categories.delete('praise');
    if (categories.has('spam') && (categories.has('complaint') || categories.has('crisis'))) {
      // A real complaint or crisis that happens to contain a link is not spam.
      if (spamScore < 6) categories.delete('spam');
    }

    // --- urgency ---------------------------------------------------------------------------
    const urgency = decideUrgency();

    function decideUrgency(): Urgency {
      if (categories.has('crisis')) {
        reasons.push('urgency critical: crisis');
        return 'critical';
      }
      if (categories.has('spam')) {
        reasons.push('urgency ignore: spam');
        return 'ignore';
      }
      const criticalKinds: PhraseKind[] = ['legal', 'privacy', 'safetyIncident', 'viral'];
      const critical = criticalKinds.filter((kind) => found.any(kind));
      // Legal threats, privacy breaches and threats to go public count unless the post is praise.
      const seriousAlone = critical.some((kind) => kind !== 'safetyIncident') && label !== 'positive';
      if (critical.length > 0 && (categories.has('complaint') || label === 'negative' || seriousAlone)) {
        reasons.push(`urgency critical: ${critical.map((kind) => `${CRITICAL_LABEL[kind]} ${found.quoted(kind)}`).join('; ')}`);
        return 'critical';
      }
      if (categories.has('complaint')) {
        const why: string[] = [];
        if (finalScore <= -8) why.push(`strongly negative (${finalScore})`);
        if (found.any('anger')) why.push(`anger: ${found.quoted('anger')}`);
        if (shouting(normalized)) why.push('shouting');
        if ((context.recentComplaints ?? 0) >= 2) why.push(`${context.recentComplaints} complaints this week`);
        if ((context.followers ?? 0) >= influential) why.push(`influential author (${context.followers} followers)`);
        if (found.any('accessibility')) why.push(`accessibility: ${found.quoted('accessibility')}`);
        if (why.length > 0) {
          reasons.push(`urgency high: ${why.join('; ')}`);
          return 'high';
        }
      }
      if (found.any('media')) {
        reasons.push(`urgency high: media inquiry ${found.quoted('media')}`);
        return 'high';
      }
      if (categories.has('complaint') || categories.has('question') || categories.has('review') || categories.has('phi')) {
        return 'normal';
      }
      return 'low';
    }

    return {
      sentiment: label,
      score: finalScore,
      categories: CATEGORY_ORDER.filter((c) => categories.has(c)),
      urgency,
      reasons,
    };
  }

  return { classify };
}

const CATEGORY_ORDER: readonly Category[] = ['crisis', 'complaint', 'phi', 'question', 'review', 'praise', 'spam'];
const CRISIS_LABEL: Partial<Record<PhraseKind, string>> = { selfHarm: 'self-harm', emergency: 'medical emergency', safety: 'safety hazard' };
const CRITICAL_LABEL: Partial<Record<PhraseKind, string>> = {
  legal: 'legal or regulatory threat',
  privacy: 'privacy breach',
  safetyIncident: 'patient-safety incident',
  viral: 'threat to go public',
};

function buildIndex(lexicon: Lexicon): PhraseIndex {
  const index = new PhraseIndex();
  const lists: Array<[PhraseKind, readonly string[]]> = [
    ['selfHarm', lexicon.crisisSelfHarm],
    ['emergency', lexicon.crisisEmergency],
    ['safety', lexicon.crisisSafety],
    ['legal', lexicon.legal],
    ['privacy', lexicon.privacy],
    ['safetyIncident', lexicon.safetyIncident],
    ['viral', lexicon.viral],
    ['media', lexicon.media],
    ['accessibility', lexicon.accessibility],
    ['question', lexicon.questionPhrases],
    ['review', lexicon.reviewPhrases],
    ['praise', lexicon.praisePhrases],
    ['health', lexicon.healthTerms],
    ['phi', lexicon.phiPhrases],
    ['anger', lexicon.angerCues],
  ];
  for (const [kind, phrases] of lists) for (const phrase of phrases) index.add(kind, phrase);
  const weighted: Array<[PhraseKind, Record<string, number>]> = [
    ['sentiment', lexicon.sentimentPhrases],
    ['complaint', lexicon.complaintPhrases],
    ['spam', lexicon.spamPhrases],
  ];
  for (const [kind, phrases] of weighted) for (const [phrase, weight] of Object.entries(phrases)) index.add(kind, phrase, weight);
  return index;
}

/** Matches grouped by kind (arrays indexed by kind, no per-call maps), with the helpers the rules need. */
class Found {
  private readonly byKind: Array<PhraseMatch[] | undefined> = new Array(PHRASE_KINDS.length);

  constructor(matches: readonly PhraseMatch[], private readonly tokens: readonly string[]) {
    for (const match of matches) {
      const k = match.entry.kindIndex;
      const list = this.byKind[k];
      if (list) list.push(match);
      else this.byKind[k] = [match];
    }
  }

  any(kind: PhraseKind): boolean {
    return this.byKind[KIND_INDEX[kind]] !== undefined;
  }

  all(kind: PhraseKind): readonly PhraseMatch[] {
    return this.byKind[KIND_INDEX[kind]] ?? NONE;
  }

  weight(kind: PhraseKind): number {
    let total = 0;
    for (const match of this.all(kind)) total += match.entry.weight;
    return total;
  }

  /**
   * Service-failure evidence. Cues under weight 1 ("again", "still") only count beside a real cue or
   * negative words: on their own they are everyday language.
   */
  complaintWeight(negativeWords: boolean): number {
    let strong = 0;
    let amplifiers = 0;
    for (const match of this.all('complaint')) {
      if (match.entry.weight >= 1) strong += match.entry.weight;
      else amplifiers += match.entry.weight;
    }
    return strong > 0 || negativeWords ? strong + amplifiers : 0;
  }

  /** The words as they stood in the text, quoted, for reasons: `"on hold", "3 hours"`. */
  quoted(kind: PhraseKind): string {
    let out = '';
    let count = 0;
    for (const match of this.all(kind)) {
      if (match.entry.weight === 0) continue;
      const words = match.entry.tokens.length === 1 ? this.tokens[match.start] : this.tokens.slice(match.start, match.start + match.entry.tokens.length).join(' ');
      const quoted = `"${words}"`;
      if (out.includes(quoted)) continue;
      out += count === 0 ? quoted : `, ${quoted}`;
      if (++count === 5) break;
    }
    return out;
  }
}

const NONE: readonly PhraseMatch[] = [];
const KIND_INDEX = Object.fromEntries(PHRASE_KINDS.map((kind, i) => [kind, i])) as Record<PhraseKind, number>;

/**
 * A health term shortly after a reference to the author or a relative: "my mom's chemo", "I have
 * diabetes", "gave me antibiotics".
 */
function healthNearSelf(found: Found, tokens: readonly string[], selfReferences: ReadonlySet<string>, possessive: ReadonlySet<string>): string | undefined {
  for (const match of found.all('health')) {
    for (let back = match.start - 1; back >= 0 && back >= match.start - 6; back--) {
      const token = tokens[back] as string;
      const near = match.start - back <= 4;
      if (possessive.has(token) || (near && selfReferences.has(token))) {
        return `"${tokens.slice(back, match.start + match.entry.tokens.length).join(' ')}"`;
      }
    }
  }
  return undefined;
}

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
  return text.includes('/') || text.includes('star') || text.includes('out of') || text.includes('\u2605') || text.includes('\u2B50');
}

function firstContentToken(tokens: readonly string[]): string | undefined {
  for (const token of tokens) {
    if (token.startsWith('@') || token === 'rt' || token === 'hi' || token === 'hey' || token === 'hello') continue;
    return token;
  }
  return undefined;
}

function shouting(text: string): boolean {
  return (text.match(SHOUTING_WORD)?.length ?? 0) >= 3;
}

function unique(words: readonly string[]): string[] {
  return [...new Set(words)].slice(0, 6);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
