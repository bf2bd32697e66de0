import { ES_CONTEXT_CUES, ES_CRISIS_CUES, ES_HEALTH, ES_INCIDENT_CUES, type EsCue, type SpanishLexicon } from './spanish-lexicon.js';

const MARKS = /\p{M}/gu;
const DECIMAL = /(\d)[.,](\d)/g;
const NOT_WORD = /[^\p{L}\p{N}\p{Extended_Pictographic}_']+/gu;

/**
 * Spanish text as the rules read it: lower case, accents dropped (people skip them: "mama", "esta",
 * "dialisis"), punctuation as spaces, a decimal point kept inside its number ("38.5" → "38_5").
 * Padded with a space at each end so every phrase is matched on word boundaries.
 */
export function foldSpanish(text: string): string {
  const folded = text.toLowerCase().normalize('NFD').replace(MARKS, '').replace(DECIMAL, '$1_$2').replace(NOT_WORD, ' ');
  return ` ${folded.trim()} `;
}

/** One phrase as a regular-expression source: `*` any word, `word*` a prefix, `<n>` a number. */
function phraseSource(phrase: string): string {
  return foldSpanish(phrase.replaceAll('<n>', 'qnumq'))
    .trim()
    .split(' ')
    .map((token) => {
      if (token === '*') return '\\S+';
      if (token.includes('qnumq')) return token.split('qnumq').map(escape).join('\\d+(?:_\\d+)?');
      if (token.length > 1 && token.endsWith('*')) return `${escape(token.slice(0, -1))}\\S*`;
      return escape(token);
    })
    .join(' ');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A compiled phrase group: one alternation, longest phrases first, matched on word boundaries. */
export function compileGroup(phrases: readonly string[]): RegExp {
  const sources = [...new Set(phrases.map(phraseSource))].filter(Boolean).sort((a, b) => b.length - a.length);
  // The lookbehind/lookahead leave the spaces unconsumed, so adjacent phrases both match.
  return new RegExp(`(?<= )(?:${sources.join('|') || '(?!)'})(?= )`, 'g');
}

const NEGATED = / (?:no (?:tiene|tengo|tuvo|tenia|hay)|sin|ya no tiene|nunca ha tenido) $/;
/** Crisis signs can be denied; incident cues cannot ("no tengo inhalador" is the incident). */
const NEGATABLE: ReadonlySet<EsCue> = new Set(ES_CRISIS_CUES);

export interface CueMatch {
  text: string;
  index: number;
}

export type CompiledCues = ReadonlyMap<EsCue, RegExp>;

export function compileCues(lexicon: SpanishLexicon): CompiledCues {
  const cues = new Map<EsCue, RegExp>();
  for (const key of ES_CRISIS_CUES) cues.set(key, compileGroup(lexicon.crisisCues[key]));
  for (const key of ES_CONTEXT_CUES) cues.set(key, compileGroup(lexicon.contextCues[key]));
  for (const key of ES_INCIDENT_CUES) cues.set(key, compileGroup(lexicon.incidentCues[key]));
  for (const key of ES_HEALTH) cues.set(key, compileGroup(lexicon.health[key]));
  cues.set('praise', compileGroup(lexicon.praisePhrases));
  cues.set('legal', compileGroup(lexicon.legal));
  cues.set('question', compileGroup(lexicon.questionPhrases));
  return cues;
}

/**
 * The cues found in one folded text, each group matched on first use (Spanish posts only reach
 * here, and most rules stop after a group or two).
 */
export class SpanishCues {
  private readonly found = new Map<EsCue, CueMatch[]>();

  constructor(
    private readonly compiled: CompiledCues,
    /** Folded, with idioms blanked out (see {@link blankIdioms}). */
    readonly text: string,
  ) {}

  all(cue: EsCue): readonly CueMatch[] {
    let list = this.found.get(cue);
    if (list === undefined) {
      list = [];
      const pattern = this.compiled.get(cue) as RegExp;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(this.text); m !== null; m = pattern.exec(this.text)) {
        // "no tiene dolor de pecho", "sin fiebre": a sign denied is no sign.
        if (!NEGATABLE.has(cue) || !NEGATED.test(this.text.slice(Math.max(0, m.index - 16), m.index))) list.push({ text: m[0], index: m.index });
      }
      this.found.set(cue, list);
    }
    return list;
  }

  has(cue: EsCue): boolean {
    return this.all(cue).length > 0;
  }

  /** The first match, quoted for a reason: `"me despido"`. */
  quote(cue: EsCue): string {
    const first = this.all(cue)[0];
    return first ? `"${first.text}"` : '';
  }
}

/** Idioms ("esta espera me está matando") blanked out so the crisis rules do not see their words. */
export function blankIdioms(folded: string, idioms: RegExp): { text: string; idioms: string[] } {
  const found: string[] = [];
  idioms.lastIndex = 0;
  const text = folded.replace(idioms, (m) => {
    found.push(m);
    return ' '.repeat(m.length);
  });
  return { text: text.replace(/ {2,}/g, ' | '), idioms: found };
}
