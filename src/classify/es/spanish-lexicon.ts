import { z } from 'zod';
import { cueGroup, phraseList, weightedPhrases } from '../lexicon.js';

/** Groups the Spanish crisis rules combine; each is a small fact about the text, never a verdict. */
export const ES_CRISIS_CUES = [
  'intent', 'weakSign', 'method', 'selfCut', 'farewell', 'giveaway', 'decision', 'timing', 'thirdParty',
  'substance', 'householdPoison', 'ingest', 'quantity', 'mixture', 'poisonSign', 'child',
  'stroke', 'chestPain', 'cardiacSign', 'airway', 'allergy', 'collapse', 'infant', 'fever', 'infantRedFlag',
  'vomitGreen', 'seizure', 'seizureOngoing', 'headInjury', 'headRedFlag', 'cyanosis', 'glucose', 'bleeding', 'helpSeeking',
  'fire', 'smoke', 'gas', 'liftStuck', 'structure', 'alarmSilent', 'escape', 'place',
  'weapon', 'weaponActive', 'threat', 'target',
] as const;
export const ES_CONTEXT_CUES = ['past', 'recovery', 'information', 'fiction', 'hypothetical', 'laughter', 'idiom'] as const;
export const ES_INCIDENT_CUES = [
  'privacyAct', 'privacyWhat', 'privacyWhere', 'staff', 'dischargeAct', 'dischargeUnsafe', 'staffHarm',
  'lifeMedicine', 'medicationOut', 'accessDemand', 'accessBefore', 'recording', 'publish', 'safetyError',
] as const;
export const ES_HEALTH = ['owners', 'careSettings', 'procedures', 'conditions', 'medicines', 'selfDisclosure'] as const;

/** Shape of `data/lexicon.es.json`, the file `lexicon.json` names as `spanishFile`. */
export const spanishLexiconSchema = z.object({
  $comment: z.string().optional(),
  sentimentWords: weightedPhrases,
  sentimentPhrases: weightedPhrases,
  complaintPhrases: weightedPhrases,
  questionStarts: phraseList,
  questionPhrases: phraseList,
  praisePhrases: phraseList,
  legal: phraseList,
  crisisCues: cueGroup(ES_CRISIS_CUES),
  contextCues: cueGroup(ES_CONTEXT_CUES),
  incidentCues: cueGroup(ES_INCIDENT_CUES),
  health: cueGroup(ES_HEALTH),
});

export type SpanishLexicon = z.infer<typeof spanishLexiconSchema>;
export type EsCue = (typeof ES_CRISIS_CUES)[number] | (typeof ES_CONTEXT_CUES)[number] | (typeof ES_INCIDENT_CUES)[number] | (typeof ES_HEALTH)[number] | 'praise' | 'legal' | 'question';
