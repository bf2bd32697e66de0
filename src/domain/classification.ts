export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export const CATEGORIES = ['complaint', 'question', 'review', 'praise', 'spam', 'crisis', 'phi'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Most urgent first. */
export const URGENCIES = ['critical', 'high', 'normal', 'low', 'ignore'] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface Classification {
  sentiment: Sentiment;
  /** Sentiment score after the domain lexicon; negative is bad. */
  score: number;
  categories: Category[];
  urgency: Urgency;
  /** Human-readable: which words or rules fired. */
  reasons: string[];
}

/** Optional facts about the author that can raise urgency without making the classifier impure. */
export interface ClassifyContext {
  followers?: number;
  /** How many complaints this author made in the last 7 days, this one excluded. */
  recentComplaints?: number;
}

export function urgencyRank(urgency: Urgency): number {
  return URGENCIES.indexOf(urgency);
}
