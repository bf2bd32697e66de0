import type { CrisisKind } from '../domain/classification.js';
import { CRISIS_CUES, INCIDENT_CUES, type PhraseKind } from './cue-kinds.js';
import { CLAUSE_SUBJECTS, spanOf, type Evidence, type Found, type KindRef } from './found.js';
import type { PhraseMatch } from './phrase-index.js';

/**
 * Negators that govern a cue standing at most three words after them in the same sentence: "not
 * suicidal", "no chest pain", "would never hurt myself", "did NOT swallow". Not "can't": it is part
 * of most symptoms ("can't breathe").
 */
const NEGATORS = new Set([
  'not', 'no', 'never', "don't", "didn't", "doesn't", "isn't", "wasn't", "aren't", "weren't", "won't",
  "wouldn't", "haven't", "hasn't", "hadn't", 'without',
]);
/** "not kidding", "not sure if he's breathing", "no idea what it was", "don't know if": not a negation. */
const NOT_NEGATING = new Set(['sure', 'kidding', 'joking', 'lying', 'idea', 'matter', 'one', 'just', 'only', 'know', 'even', 'knowing']);
/** Before "if": uncertainty about a present event, not a hypothetical ("idk if she's breathing"). */
const NOT_HYPOTHETICAL = new Set(['know', 'sure', 'idk', 'wonder', 'wondering', 'check', 'see', 'tell', 'as', 'even', 'asking', 'unsure', 'unclear']);

const NEGATABLE: readonly PhraseKind[] = [
  ...CRISIS_CUES.filter((k) => !['place', 'target', 'child', 'infant', 'substance', 'householdPoison', 'alcohol', 'allergen', 'helpSeeking', 'secureUnit', 'vulnerableHint', 'sudden'].includes(k)),
  'timing',
  // "no drill announced", "this is not a drill": the framing itself is denied.
  'information',
  ...INCIDENT_CUES.filter((k) => ['expose', 'staffViolence', 'staffViolenceWeak', 'medicationOut', 'recording', 'discharge', 'unsafeDischarge'].includes(k)),
];
const IDIOM_COVERS: readonly PhraseKind[] = [...CRISIS_CUES, ...INCIDENT_CUES, 'timing'];

/**
 * Voids the cues that do not say what they seem to: those inside an idiom ("to die for", "stabbing
 * pain", "gave me chest pains"), those a negator governs, and times that point back ("a year ago
 * tonight", "clean today"). Run once per text before the rules.
 */
export function voidMisleadingCues(found: Found): void {
  const idioms = found.raw('idiom');
  if (idioms.length > 0) {
    for (const kind of IDIOM_COVERS) {
      for (const match of found.raw(kind)) {
        if (idioms.some((idiom) => overlaps(spanOf(idiom), spanOf(match)))) found.void(match);
      }
    }
  }
  for (const kind of NEGATABLE) {
    for (const match of found.raw(kind)) if (negated(found, match)) found.void(match);
  }
  // "the queue took 90 minutes for my omeprazole": a number of minutes is no quantity taken.
  for (const match of found.raw('quantity')) {
    const next = found.tokens[match.start + match.entry.tokens.length] ?? '';
    if (measuresTime(next)) found.void(match);
  }
  // "she says it was 'just to sleep'", "he claims it's fine": the patient waving it off has not
  // resolved it ("the neuro said all good" has).
  for (const match of found.raw('resolved')) if (wavedOff(found, match.start)) found.void(match);
  const pointsBack = [...found.raw('past'), ...found.raw('recovery'), ...found.all('resolved')].map(spanOf);
  for (const match of found.raw('timing')) {
    // "a year ago tonight" points back; "5 days ago, now fever 39.8" does not.
    const previous = found.clauseOf(match.start - 1) === found.clauseOf(match.start) ? found.tokens[match.start - 1] : undefined;
    const nowIts = found.text(match) === 'now' && /^it'?s$/.test(found.tokens[match.start + 1] ?? '');
    if (previous === 'ago' || nowIts || pointsBack.some((span) => overlaps(span, spanOf(match)))) found.void(match);
  }
}

const WAVED_OFF_BY = new Set(['says', 'said', 'claims', 'claimed', 'insists', 'insisted', 'swears']);
const THE_PATIENT = new Set(['he', 'she', 'they']);

function wavedOff(found: Found, start: number): boolean {
  // "she says it was just to sleep" matches "was just" as well as "it was just".
  const before = found.tokens[start - 1] === 'it' ? start - 1 : start;
  return WAVED_OFF_BY.has(found.tokens[before - 1] ?? '') && THE_PATIENT.has(found.tokens[before - 2] ?? '');
}

function overlaps(a: Evidence, b: Evidence): boolean {
  return a.start < b.end && b.start < a.end;
}

function negated(found: Found, match: PhraseMatch): boolean {
  const sentence = found.sentenceOf(match.start);
  for (let back = match.start - 1; back >= 0 && back >= match.start - 3; back--) {
    if (found.sentenceOf(back) !== sentence) return false;
    const token = found.tokens[back] as string;
    if (NEGATORS.has(token)) return !NOT_NEGATING.has(found.tokens[back + 1] as string);
  }
  return false;
}

/** Why a crisis was set aside; a past event or a recovery still discloses the author's health. */
export type SetAsideBecause = 'general' | 'hypothetical' | 'past' | 'recovery' | 'handled' | 'framing';

/** What the context does to a crisis a rule found. */
export type ContextEffect =
  | { effect: 'keep' }
  | { effect: 'downgrade'; why: string }
  | { effect: 'drop'; why: string; because: SetAsideBecause };

/**
 * Reads the context of the deciding evidence (the first): tense and time in its sentence, then how
 * the whole post is framed. A time that points at now ("tonight", "again", "right now", "20 min
 * ago") after the last past marker keeps a crisis on; otherwise a past marker, a hypothetical, a
 * general question, a story of recovery, a campaign or a piece of fiction sets it aside. Laughter
 * only lowers confidence: people write "lol" in real trouble too.
 */
export function readContext(found: Found, kind: CrisisKind, evidence: readonly Evidence[]): ContextEffect {
  const primary = evidence[0];
  if (primary === undefined) return { effect: 'keep' };
  const sentence = found.sentenceOf(primary.start);
  const inSentence = (m: PhraseMatch) => found.sentenceOf(m.start) === sentence;
  const keepers = found.all('timing').filter(inSentence);

  const generic = found.all('generic').find(inSentence);
  if (generic) return drop('general', 'a general question', found.text(generic));

  // "what happens if you take a whole sheet": an "if" inside the cue is the cue's own.
  const hypothetical = found.all('hypothetical').find(
    (m) =>
      inSentence(m) && (m.start < primary.start || m.start >= primary.end) && m.start <= primary.start && primary.start - m.start <= 10 &&
      !NOT_HYPOTHETICAL.has(found.tokens[m.start - 1] ?? '') && !addressesTheReader(found, m),
  );
  if (hypothetical && keepers.length === 0) {
    // "if he shows up again he'll regret it" is a conditional threat, still worth a look.
    return kind === 'violence' ? { effect: 'downgrade', why: `conditional ("${found.text(hypothetical)}")` } : drop('hypothetical', 'hypothetical', found.text(hypothetical));
  }

  const past = pastMarkers(found, sentence).filter((marker) => !backstory(found, marker, primary));
  if (past.length > 0) {
    const last = Math.max(...past.map((p) => p.start));
    if (!keepers.some((k) => k.start > last)) return drop('past', 'past event', past.map((p) => found.text(p)).join('", "'));
  }
  if (keepers.length === 0) {
    const recovery = found.first('recovery');
    if (recovery) return drop('recovery', 'told as recovery or thanks', found.text(recovery));
    // "is stable", "got us out"; and for a medical crisis, already in care ("was admitted").
    const resolved = kind === 'self-harm' ? undefined : (found.first('resolved') ?? (kind === 'emergency' || kind === 'overdose' ? found.first('careUnderway') : undefined));
    if (resolved) return drop('handled', 'already handled', found.text(resolved));
  }

  const framing = found.first('fiction') ?? found.first('information');
  if (framing || found.headline) {
    const firstPerson = found.all('selfReference').some(inSentence);
    if (!(keepers.length > 0 && firstPerson)) {
      return framing ? drop('framing', framing.entry.kind === 'fiction' ? 'fiction or media' : 'information or a campaign', found.text(framing)) : drop('framing', 'information or a campaign', 'news:');
    }
  }

  const laughter = found.first('laughter');
  if (laughter) return { effect: 'downgrade', why: `joking tone ("${found.text(laughter)}")` };
  return { effect: 'keep' };
}

/**
 * A past marker told as backstory after a present crisis: in a later clause with a subject of its
 * own, while the crisis's clause is in the present ("heart rate is 35 and he feels faint, he had a
 * stent last month"). "tried to end it, back in 2019" and "i was in a dark place, that was years
 * ago" still tell a past event.
 */
function backstory(found: Found, marker: Evidence, primary: Evidence): boolean {
  const clause = found.clauseOf(primary.start);
  // "the scars from last year are fading and i'm thinking about making new ones"
  // "gave birth 4 days ago, soaking a pad every 30 min": a clause that opens on a participle is in the present too.
  if (found.clauseOf(marker.end - 1) < clause) {
    const opening = found.clauseOpening(primary.start);
    return PRESENT_SUBJECTS.has(opening) || (opening.length > 4 && opening.endsWith('ing') && !NOT_PARTICIPLES.has(opening));
  }
  if (found.clauseOf(marker.start) <= found.clauseOf(primary.end - 1)) return false;
  if (!CLAUSE_SUBJECTS.has(found.clauseOpening(marker.start))) return false;
  const { start, end } = found.clauseSpan(primary.start);
  return found.tokens.slice(start, end).some((token) => PRESENT.has(token));
}

const PRESENT_SUBJECTS = new Set(["i'm", "he's", "she's", "they're", "we're"]);
const NOT_PARTICIPLES = new Set(['during', 'nothing', 'something', 'anything', 'everything', 'morning', 'evening', 'thing', 'things', 'spring', 'bring', 'ceiling', 'building', 'wedding', 'feeling', 'being']);
/** Words that put a clause in the present. */
const PRESENT = new Set([
  'is', 'are', 'am', "i'm", "he's", "she's", "it's", "they're", "we're", "you're", "can't", "won't", 'keeps',
  'feels', 'looks', 'seems', 'says', 'still', 'currently',
]);

/** "if anyone from cedar point sees this", "if you're reading this": how a farewell is addressed, no condition. */
function addressesTheReader(found: Found, condition: PhraseMatch): boolean {
  const end = Math.min(found.tokens.length - 1, condition.start + 7);
  for (let i = condition.start + 2; i <= end; i++) if (found.tokens[i] === 'this' && READS.has(found.tokens[i - 1] as string)) return true;
  return false;
}

const READS = new Set(['sees', 'see', 'seeing', 'reads', 'read', 'reading', 'finds', 'find', 'found', 'gets']);

function drop(because: SetAsideBecause, label: string, words: string): ContextEffect {
  return { effect: 'drop', why: `${label} ("${words}")`, because };
}

/**
 * The first match of `kind` in a sentence that is not told as past ("fell off the swing last week.
 * today he hit his head"), else the first: the rules' deciding evidence is then where the present is.
 */
export function firstCurrent(found: Found, kind: PhraseKind): PhraseMatch | undefined {
  const all = found.all(kind);
  if (all.length < 2) return all[0];
  return all.find((m) => !toldAsPast(found, found.sentenceOf(m.start))) ?? all[0];
}

function toldAsPast(found: Found, sentence: number): boolean {
  const past = pastMarkers(found, sentence);
  if (past.length === 0) return false;
  const last = Math.max(...past.map((p) => p.start));
  return !found.all('timing').some((k) => found.sentenceOf(k.start) === sentence && k.start > last);
}

/** The first past marker anywhere in the post ("last year", "back in 2019"). */
export function firstPastMarker(found: Found): Evidence | undefined {
  const sentences = new Set(found.tokens.map((_, i) => found.sentenceOf(i)));
  for (const sentence of sentences) {
    const [first] = pastMarkers(found, sentence);
    if (first) return first;
  }
  return undefined;
}

/** Past markers in a sentence: the lexicon's, and a year after "in", "since", "back" or "from". */
function pastMarkers(found: Found, sentence: number): Evidence[] {
  const out: Evidence[] = found.all('past').filter((m) => found.sentenceOf(m.start) === sentence).map(spanOf);
  for (let i = 1; i < found.tokens.length; i++) {
    if (found.sentenceOf(i) !== sentence) continue;
    if (/^(?:19|20)\d\d$/.test(found.tokens[i] as string) && YEAR_BEFORE.has(found.tokens[i - 1] as string)) out.push({ start: i - 1, end: i + 1 });
  }
  return out;
}

const YEAR_BEFORE = new Set(['in', 'since', 'back', 'from', 'of']);

/**
 * Voids the service-failure cues of a failure since put right, and those inside thanks: every cue
 * told before a remedy ("i complained last week and they called me back", "after my complaint the
 * advocate fixed the bill"), a cue inside a praise or a thanks ("never got to say thank you",
 * "didn't even hurt"), and a span of time right after a thanks ("sat with us for hours"). A failure
 * told after the remedy ("they called back but it's still wrong") stays, and so does a remedy
 * denied ("never called me back").
 */
export function voidFailuresPutRight(found: Found, complaint: KindRef, remedy: KindRef, praise: KindRef, gratitude: KindRef): void {
  if (found.raw(remedy).length === 0 && found.raw(praise).length === 0 && found.raw(gratitude).length === 0) return;
  const put = found.raw(remedy).find((match) => !negated(found, match));
  const kind = [...found.raw(praise), ...found.raw(gratitude)];
  for (const match of found.raw(complaint)) {
    const span = spanOf(match);
    const before = put !== undefined && span.end <= put.start;
    const inside = kind.some((thanks) => overlaps(spanOf(thanks), span));
    const longFor = kind.some((thanks) => {
      const end = thanks.start + thanks.entry.tokens.length;
      return span.start >= end && span.start <= end + 1 && found.clauseOf(span.start) === found.clauseOf(end - 1) && isTimeSpan(match.entry.tokens);
    });
    if (before || inside || longFor) found.void(match);
  }
}

function deniedBefore(found: Found, index: number): boolean {
  for (let back = index - 1; back >= 0 && back >= index - 4; back--) {
    if (found.sentenceOf(back) !== found.sentenceOf(index)) return false;
    if (DENIED_BY.has(found.tokens[back] as string)) return true;
  }
  return false;
}

/** "for hours", "2 hours", "for 3 days": a phrase that measures time. */
function isTimeSpan(tokens: readonly string[]): boolean {
  return tokens.some((token) => TIME_UNITS.has(token));
}

const TIME_UNITS = new Set(['minutes', 'mins', 'hour', 'hours', 'hrs', 'days', 'weeks', 'wks', 'months']);
const SHORT_TIME_WORDS = new Set(['min', 'hr', 'seconds', 'secs']);

/** A word after a number that makes it a span of time ("took 90 minutes"), not a count. */
export function measuresTime(token: string): boolean {
  return TIME_UNITS.has(token) || SHORT_TIME_WORDS.has(token);
}
const LONG_UNITS = new Set(['days', 'weeks', 'wks', 'months']);
/** After a span of time: an age, a pregnancy, a time since ("3 weeks old", "26 weeks pregnant", "6 months post op"). */
const NOT_A_WAIT_AFTER = new Set(['old', 'pregnant', 'along', 'postpartum', 'pp', 'post', 'postop', 'clean', 'sober', 'free', 'seizure', 'later', 'after']);
const SHORT_UNITS = new Set(['minutes', 'mins', 'hour']);
/** Words that deny what follows within a few tokens: "nobody came in 40 minutes" is a wait. */
const DENIED_BY = new Set([...NEGATORS, 'nobody', 'noone', "can't", "couldn't"]);

/**
 * Voids the spans of time among the service-failure cues that measure no wait: an age, a
 * pregnancy, a rhythm, a date days or more ahead ("mine is 3 weeks old", "at 26 weeks", "every 2
 * wks", "6 months post transplant", "follow up in 2 weeks"), a time after ("6 months later", "3
 * months after his stroke"), or how fast ("at our door in 6 minutes"). "waited 3 hours", "a
 * waitlist of 8 months", "16 days since i applied", "two weeks ago, no word since" and "hasn't
 * moved in 20 minutes" stay.
 */
export function voidTimesThatAreNoWait(found: Found, complaint: KindRef): void {
  for (const match of found.raw(complaint)) {
    const tokens = match.entry.tokens;
    const unit = tokens[1] as string;
    // "6 months later": the time after, however it is cut into phrases.
    if (tokens[1] === 'later' && LONG_UNITS.has(tokens[0] as string) && /^\d+$/.test(found.tokens[match.start - 1] ?? '')) {
      found.void(match);
      continue;
    }
    if (tokens.length !== 2 || (tokens[0] !== '<n>' && tokens[0] !== 'an') || !TIME_UNITS.has(unit)) continue;
    const before = found.tokens[match.start - 1] ?? '';
    const after = found.tokens[match.start + 2] ?? '';
    const inLike = before === 'like' && found.tokens[match.start - 2] === 'in';
    // "in 2 weeks" is ahead; "the 2nd time in 4 days" counts how often.
    const often = /^(?:time|times|twice|thrice)$/.test(found.tokens[match.start - 2] ?? '');
    const ahead = LONG_UNITS.has(unit) && (before === 'in' || before === 'within') && !often;
    const stage = before === 'every' || (before === 'at' && (unit === 'weeks' || unit === 'wks'));
    // "at our door in 6 minutes", "scoped within an hour": how fast, unless denied ("hasn't moved in 20 minutes").
    const fast = SHORT_UNITS.has(unit) && (before === 'in' || before === 'within') && !deniedBefore(found, match.start - 1);
    if (NOT_A_WAIT_AFTER.has(after) || stage || inLike || ahead || fast) found.void(match);
  }
}
