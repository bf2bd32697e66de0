import { z } from 'zod';
import type { SpanishLexicon } from './es/spanish-lexicon.js';
import { CONTEXT_CUES, CRISIS_CUES, HEALTH_VOCABULARY, INCIDENT_CUES, LIFE_SUSTAINING } from './cue-kinds.js';

export const phraseList = z.array(z.string().min(1));
export const weightedPhrases = z.record(z.string().min(1), z.number());

/** An object with exactly these keys, each a phrase list: a misspelt or missing group is an error. */
export function cueGroup<const K extends readonly string[]>(keys: K) {
  return z.strictObject(Object.fromEntries(keys.map((key) => [key, phraseList])) as { [P in K[number]]: typeof phraseList });
}

/** Shape of `data/lexicon.json`: the editable words and phrases the classifier matches. */
export const lexiconSchema = z.object({
  $comment: z.string().optional(),
  sentimentWords: weightedPhrases,
  sentimentPhrases: weightedPhrases,
  complaintPhrases: weightedPhrases,
  /** The medicines vocabulary, a file beside this one (or an absolute path). */
  medicinesFile: z.string().min(1),
  /** The Spanish lexicon (`lexicon.es.json`), beside this one or an absolute path; without it Spanish posts are read as English. */
  spanishFile: z.string().min(1).optional(),
  crisisCues: cueGroup(CRISIS_CUES),
  contextCues: cueGroup(CONTEXT_CUES),
  incidentCues: cueGroup(INCIDENT_CUES),
  healthVocabulary: cueGroup(HEALTH_VOCABULARY),
  legal: phraseList,
  privacy: phraseList,
  safetyIncident: phraseList,
  viral: phraseList,
  media: phraseList,
  accessibility: phraseList,
  questionStarts: phraseList,
  questionPhrases: phraseList,
  reviewPhrases: phraseList,
  praisePhrases: phraseList,
  spamPhrases: weightedPhrases,
  healthTerms: phraseList,
  selfReferences: phraseList,
  phiPhrases: phraseList,
  angerCues: phraseList,
});

/** Shape of `data/medicines.json`. */
export const medicinesSchema = z.object({
  $comment: z.string().optional(),
  /** Generic and brand names. */
  medicines: phraseList.min(1),
  lifeSustaining: cueGroup(LIFE_SUSTAINING),
});

export type LexiconFile = z.infer<typeof lexiconSchema>;
export type MedicinesFile = z.infer<typeof medicinesSchema>;

/** The lexicon with the files it names read in: what the classifier is built from. */
export type Lexicon = LexiconFile & { medicines: MedicinesFile; spanish?: SpanishLexicon };
