import { createRequire } from 'node:module';
import Sentiment from 'sentiment';
import type { Category, Classification, ClassifyContext, Sentiment as SentimentLabel, Urgency } from '../domain/classification.js';
import type { Lexicon } from './lexicon.js';
import { canonicalToken, normalizeText } from './normalize.js';
import { PhraseIndex, type PhraseKind, type PhraseMatch } from './phrase-index.js';

export interface ClassifierOptions {
  /** Authors with at least this many followers make a complaint `high`. */
  influentialFollowers?: number;
}

export interface Classifier {
  classify(text: string, context?: ClassifyContext): Classification;
}

const require = createRequire(import.meta.url);
const AFINN: Record<string, number> = require('sentiment/languages/en/labels.json');

const NEGATORS = new Set([
  'not', 'no', 'never', 'none', 'nothing', 'without', 'hardly', 'barely', 'neither', 'nor',
  "can't", 'cant', 'cannot', "don't", 'dont', "doesn't", 'doesnt', "didn't", 'didnt', "won't", 'wont',
  "isn't", 'isnt', "aren't", 'arent', "wasn't", 'wasnt', "weren't", 'werent', "haven't", 'havent',
  "hasn't", 'hasnt', "couldn't", 'couldnt', "wouldn't", 'wouldnt', "shouldn't", 'shouldnt', "ain't", 'aint',
]);
const INTENSIFIERS = new Set([
  'very', 'so', 'really', 'extremely', 'super', 'absolutely', 'totally', 'incredibly', 'truly', 'completely',
  'utterly', 'beyond', 'highly', 'seriously', 'insanely', 'terribly',
]);
// Words that may stand between a negator and the word it negates: "not very good", "never been so happy".
const SKIPPABLE = new Set(['very', 'so', 'really', 'that', 'too', 'a', 'the', 'be', 'been', 'at', 'all', 'even', 'quite', 'as']);

const FIRST_PERSON_SUBJECT = new Set(['i', "i'm", "i've", "i'd", "i'll", 'me', 'myself']);
const URL = /https?:\/\/\S+/g;
const STAR_RATING = /\b(?:[0-5](?:\.5)?\s*(?:\/|out of)\s*(?:5|five)|(?:[0-9]|10)\s*(?:\/|out of)\s*(?:10|ten)|(?:zero|no|one|two|three|four|five|[0-5])[- ]stars?)\b|[\u2605\u2B50]/i;
const HASHTAG = /#\w+/g;
const SHOUTING_WORD = /\b[A-Z]{4,}\b/g;

let languageCounter = 0;

/** Per-call accumulators filled by the scoring strategy (classification is synchronous). */
interface ScoreState {
  positive: number;
  negative: number;
  positiveWords: string[];
  negativeWords: string[];
}

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

  const state: ScoreState = { positive: 0, negative: 0, positiveWords: [], negativeWords: [] };
  const language = `en-triage-${++languageCounter}`;
  const sentiment = new Sentiment();
  sentiment.registerLanguage(language, {
    labels: { ...AFINN, ...lexicon.sentimentWords },
    scoringStrategy: {
      apply(tokens: string[], cursor: number, tokenScore: number): number {
        const score = scoreInContext(tokens, cursor, tokenScore);
        const word = tokens[cursor] as string;
        if (score > 0) {
          state.positive += score;
          state.positiveWords.push(word);
        } else if (score < 0) {
          state.negative += score;
          state.negativeWords.push(word);
        }
        return score;
      },
    },
  });

  function classify(text: string, context: ClassifyContext = {}): Classification {
    state.positive = 0;
    state.negative = 0;
    state.positiveWords = [];
    state.negativeWords = [];
    const normalized = normalizeText(text);
    const analysis = sentiment.analyze(normalized, { language });
    const tokens = analysis.tokens.filter((t) => t.length > 0).map(canonicalToken);
    const found = new Found(index.match(tokens), tokens);
    const reasons: string[] = [];

    // --- sentiment -------------------------------------------------------------------------
    let score = analysis.score + found.weight('sentiment');
    const complaintWeight = found.weight('complaint');
    let sarcasm = false;
    if (state.positive > 0 && complaintWeight >= 3 && state.positive <= 6) {
      // Praise words beside a service failure read as sarcasm far more often than as thanks.
      sarcasm = true;
      score -= state.positive;
    }
    const finalScore = round(score - complaintWeight * 0.75);
    // A lone mildly negative word ("limited", "damaged") is not a complaint; a service failure is.
    const label: SentimentLabel =
      finalScore <= -2 || (finalScore < 0 && complaintWeight > 0) ? 'negative' : finalScore > 0 ? 'positive' : 'neutral';

    if (state.negativeWords.length > 0) reasons.push(`negative words: ${unique(state.negativeWords).join(', ')}`);
    if (state.positiveWords.length > 0 && !sarcasm) reasons.push(`positive words: ${unique(state.positiveWords).join(', ')}`);
    if (found.any('sentiment')) reasons.push(`phrases: ${found.quoted('sentiment')}`);
    if (complaintWeight > 0) reasons.push(`service-failure cues: ${found.quoted('complaint')}`);
    if (sarcasm) reasons.push(`sarcasm: positive words (${unique(state.positiveWords).join(', ')}) beside a service failure`);

    // --- categories ------------------------------------------------------------------------
    const categories = new Set<Category>();

    const crisisKinds: PhraseKind[] = ['selfHarm', 'emergency', 'safety'];
    for (const kind of crisisKinds) {
      if (found.any(kind)) {
        categories.add('crisis');
        reasons.push(`crisis (${CRISIS_LABEL[kind]}): ${found.quoted(kind)}`);
      }
    }

    const urls = normalized.match(URL)?.length ?? 0;
    const hashtags = normalized.match(HASHTAG)?.length ?? 0;
    let spamScore = found.weight('spam');
    if (urls >= 2) spamScore += 1;
    if (hashtags >= 5) spamScore += 2;
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

    const stars = STAR_RATING.exec(normalized);
    if (stars || found.any('review')) {
      categories.add('review');
      reasons.push(`review: ${stars ? `"${stars[0]}"` : found.quoted('review')}`);
    }

    // A "thanks!" at the end of a question is politeness, not praise.
    const praiseBar = categories.has('question') ? 4 : 0;
    if (label === 'positive' && !categories.has('complaint') && finalScore >= praiseBar && (found.any('praise') || finalScore >= 3)) {
      categories.add('praise');
      if (found.any('praise')) reasons.push(`praise: ${found.quoted('praise')}`);
    }

    const phiCue = found.any('phi') ? found.quoted('phi') : healthNearSelf(found, tokens, selfReferences, possessive);
    if (phiCue) {
      categories.add('phi');
      reasons.push(`discloses health information: ${phiCue}`);
    }

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
      if (critical.length > 0 && (categories.has('complaint') || label === 'negative' || critical.includes('legal') || critical.includes('privacy'))) {
        reasons.push(`urgency critical: ${critical.map((kind) => `${CRITICAL_LABEL[kind]} ${found.quoted(kind)}`).join('; ')}`);
        return 'critical';
      }
      if (categories.has('complaint')) {
        const why: string[] = [];
        if (finalScore <= -6) why.push(`strongly negative (${finalScore})`);
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

/** Negation ("not good", "never been so happy") and intensifiers ("very rude") around a scored word. */
function scoreInContext(tokens: readonly string[], cursor: number, tokenScore: number): number {
  let score = tokenScore;
  let back = cursor - 1;
  let intensified = false;
  while (back >= 0 && back >= cursor - 3) {
    const previous = tokens[back] as string;
    if (NEGATORS.has(previous)) {
      // "not bad" is mildly good; "not good" is as bad as "good" is good.
      return score < 0 ? -score * 0.5 : -score;
    }
    if (INTENSIFIERS.has(previous)) intensified = true;
    if (!SKIPPABLE.has(previous) && !INTENSIFIERS.has(previous)) break;
    back--;
  }
  if (intensified) score *= 1.5;
  return score;
}

/** Matches grouped by kind, with the helpers the rules need. */
class Found {
  private readonly byKind = new Map<PhraseKind, PhraseMatch[]>();

  constructor(matches: readonly PhraseMatch[], private readonly tokens: readonly string[]) {
    for (const match of matches) {
      const list = this.byKind.get(match.entry.kind);
      if (list) list.push(match);
      else this.byKind.set(match.entry.kind, [match]);
    }
  }

  any(kind: PhraseKind): boolean {
    return this.byKind.has(kind);
  }

  all(kind: PhraseKind): readonly PhraseMatch[] {
    return this.byKind.get(kind) ?? [];
  }

  weight(kind: PhraseKind): number {
    let total = 0;
    for (const match of this.all(kind)) total += match.entry.weight;
    return total;
  }

  /** The words as they stood in the text, quoted, for reasons: `"on hold", "3 hours"`. */
  quoted(kind: PhraseKind): string {
    const seen = new Set<string>();
    for (const match of this.all(kind)) {
      if (match.entry.weight === 0) continue;
      seen.add(`"${this.tokens.slice(match.start, match.start + match.entry.tokens.length).join(' ')}"`);
    }
    return [...seen].slice(0, 5).join(', ');
  }
}

/**
 * A health term shortly after a reference to the author or a relative: "my mom's chemo", "I have
 * diabetes", "gave me antibiotics".
 */
function healthNearSelf(found: Found, tokens: readonly string[], selfReferences: ReadonlySet<string>, possessive: ReadonlySet<string>): string | undefined {
  for (const match of found.all('health')) {
    for (let back = match.start - 1; back >= 0 && back >= match.start - 5; back--) {
      const token = tokens[back] as string;
      const near = match.start - back <= 3;
      if (possessive.has(token) || (near && selfReferences.has(token))) {
        return `"${tokens.slice(back, match.start + match.entry.tokens.length).join(' ')}"`;
      }
    }
  }
  return undefined;
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
