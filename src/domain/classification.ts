export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export const CATEGORIES = ['complaint', 'question', 'review', 'praise', 'spam', 'crisis', 'phi'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Most urgent first. */
export const URGENCIES = ['critical', 'high', 'normal', 'low', 'ignore'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const CRISIS_KINDS = ['self-harm', 'overdose', 'emergency', 'hazard', 'violence'] as const;
export type CrisisKind = (typeof CRISIS_KINDS)[number];

/**
 * `crisis`: confident (the `crisis` category is set and the crisis-support reply applies);
 * `possible`: a strong signal without the part that confirms it (no `crisis` category; a person
 * checks now and confirms or clears it). Both are urgency `critical`.
 */
export const CRISIS_TIERS = ['crisis', 'possible'] as const;
export type CrisisTier = (typeof CRISIS_TIERS)[number];

export interface CrisisFlag {
  tier: CrisisTier;
  /** The leading kind when several fire (self-harm before overdose before violence, emergency, hazard). */
  kind: CrisisKind;
}

/** How each kind is named in reasons: `crisis (self-harm): ...`, `possible crisis (on-site hazard): ...`. */
export const CRISIS_KIND_LABELS: Readonly<Record<CrisisKind, string>> = {
  'self-harm': 'self-harm',
  overdose: 'overdose or poisoning',
  emergency: 'medical emergency',
  hazard: 'on-site hazard',
  violence: 'violence',
};

/**
 * The language a mention is written in: `mixed` is Spanish and English together (Spanglish), a value
 * of its own; `other` is any language the classifier has no rules for (it is read as English).
 */
export const LANGUAGES = ['en', 'es', 'mixed', 'other'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The short tag a card shows: `es`, `es+en`, `en`, `other`. */
export function languageTag(language: Language): string {
  return language === 'mixed' ? 'es+en' : language;
}

export interface Classification {
  sentiment: Sentiment;
  /** Sentiment score after the domain lexicon; negative is bad. */
  score: number;
  categories: Category[];
  urgency: Urgency;
  /** Human-readable: which words or rules fired. */
  reasons: string[];
  /**
   * Set when a crisis rule fired, confident or possible. Not part of the `triage classify` output;
   * it can always be read back from `categories`, `urgency` and `reasons` with {@link readCrisisFlag}.
   */
  crisis?: CrisisFlag;
  /** The detected language; absent on classifications stored before it was recorded (read as `en`). */
  language?: Language;
}

/** Labels written by the classifier before the two tiers. */
const LEGACY_LABELS: Readonly<Record<string, CrisisKind>> = { 'safety hazard': 'hazard' };

const CRISIS_REASON = /^(possible crisis|crisis) \(([^)]+)\):/;

/**
 * The crisis tier of a classification as stored (categories, urgency and reasons are what the store
 * keeps). Both tiers carry the `crisis` category; the reasons say which: confident where a reason
 * starts `crisis (...)`, possible where one starts `possible crisis (...)`. A possible crisis stored
 * before it carried the category is read from its critical urgency. A person's "not crisis" takes
 * the category away: a confident crisis is then none, a possible one stays for the check-now reply.
 */
export function readCrisisFlag(stored: Pick<Classification, 'categories' | 'urgency' | 'reasons'>): CrisisFlag | undefined {
  const category = stored.categories.includes('crisis');
  if (!category && stored.urgency !== 'critical') return undefined;
  let possible: CrisisKind | undefined;
  for (const reason of stored.reasons) {
    const match = CRISIS_REASON.exec(reason);
    if (!match) continue;
    const kind = CRISIS_KINDS.find((k) => CRISIS_KIND_LABELS[k] === match[2]) ?? LEGACY_LABELS[match[2] as string];
    if (!kind) continue;
    if (match[1] === 'crisis') {
      if (category) return { tier: 'crisis', kind };
    } else possible ??= kind;
  }
  if (possible) return { tier: 'possible', kind: possible };
  // A crisis category with no kind in its reasons (hand-made data): the most general kind.
  return category ? { tier: 'crisis', kind: 'emergency' } : undefined;
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
