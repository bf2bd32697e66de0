import { z } from 'zod';
import type { CategoryModel } from './category-model.js';
import type { CrisisModel } from './crisis-model.js';
import type { SpanishLexicon } from './es/spanish-lexicon.js';
import { CONTEXT_CUES, CRISIS_CUES, HEALTH_VOCABULARY, INCIDENT_CUES, LIFE_SUSTAINING } from './cue-kinds.js';

export const phraseList = z.array(z.string().min(1));
export const weightedPhrases = z.record(z.string().min(1), z.number());

/**
 * An object with these keys, each a phrase list: a misspelt group is an error; a group added in a
 * later release (`contextCues.lifeEvent`) may be missing from a lexicon edited before it, and is empty.
 */
export function cueGroup<const K extends readonly string[]>(keys: K, added: readonly K[number][] = []) {
  return z.strictObject(
    Object.fromEntries(keys.map((key) => [key, added.includes(key) ? phraseList.default([]) : phraseList])) as { [P in K[number]]: typeof phraseList },
  );
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
  /** The crisis model (`npm run train:crisis`), beside this one or an absolute path; without it only the rules decide. */
  crisisModelFile: z.string().min(1).optional(),
  /** The category model (`npm run train:crisis`), beside this one or an absolute path; without it only the rules decide. */
  categoryModelFile: z.string().min(1).optional(),
  crisisCues: cueGroup(CRISIS_CUES, ['sepsisSign']),
  contextCues: cueGroup(CONTEXT_CUES, ['lifeEvent']),
  incidentCues: cueGroup(INCIDENT_CUES, ['wrongCare', 'careObject', 'unanswered', 'inDanger', 'exposedTo', 'lifeEquipment', 'equipmentFault']),
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
  /** Thanks for care: praise even when the story around it is dark ("had a panic attack ... the nurse sat with me"). */
  gratitudePhrases: phraseList.default([]),
  /** A failure put right ("fixed the bill", "called me back"): the failure told before it is no complaint now. */
  remedyPhrases: phraseList.default([]),
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
export type Lexicon = LexiconFile & { medicines: MedicinesFile; spanish?: SpanishLexicon; crisisModel?: CrisisModel; categoryModel?: CategoryModel };

/** The parts of the lexicon that name health details, for the reply guard and the digest's redactor. */
export type HealthWords = Pick<Lexicon, 'healthTerms'> & Partial<Pick<Lexicon, 'medicines' | 'healthVocabulary'>>;

/** Vocabulary that names someone's care whoever's it is: a setting, a treatment, a test. */
const NAMING_CARE = ['careSettings', 'treatments', 'testsAndRecords', 'clinicians'] as const;

/**
 * Every word or phrase that names a health detail: the health terms, the medicines and their brands,
 * care settings, treatments, tests and records, and clinicians ("eliquis", "the nicu", "my
 * oncologist"). Patterns with a wildcard are left out; each term appears once.
 */
export function healthDetailTerms(lexicon: HealthWords): string[] {
  const terms = [...lexicon.healthTerms, ...(lexicon.medicines?.medicines ?? [])];
  for (const group of NAMING_CARE) terms.push(...(lexicon.healthVocabulary?.[group] ?? []));
  return [...new Set(terms.map((t) => t.toLowerCase()).filter((t) => !t.includes('*')))];
}
