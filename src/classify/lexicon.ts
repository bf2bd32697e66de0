import { z } from 'zod';

const phraseList = z.array(z.string().min(1));
const weightedPhrases = z.record(z.string().min(1), z.number());

/** Shape of `data/lexicon.json`: the editable words and phrases the classifier matches. */
export const lexiconSchema = z.object({
  $comment: z.string().optional(),
  sentimentWords: weightedPhrases,
  sentimentPhrases: weightedPhrases,
  complaintPhrases: weightedPhrases,
  crisisSelfHarm: phraseList,
  crisisEmergency: phraseList,
  crisisSafety: phraseList,
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

export type Lexicon = z.infer<typeof lexiconSchema>;
