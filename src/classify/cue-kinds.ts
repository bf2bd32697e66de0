/**
 * Every kind of phrase the classifier matches, grouped as the lexicon groups them. One phrase index
 * holds them all, so a text is scanned once whatever the number of kinds.
 */

/** The flat lists and weighted maps of the original lexicon. */
export const BASE_KINDS = [
  'sentiment', 'complaint', 'legal', 'privacy', 'safetyIncident', 'viral', 'media', 'accessibility',
  'question', 'review', 'praise', 'spam', 'health', 'phi', 'anger', 'selfReference', 'medicine',
] as const;

/**
 * `crisisCues` in the lexicon: the signals the crisis rules combine. Each is a small fact about the
 * text ("a method is named", "a quantity of a substance", "one side of the face droops"), never a
 * verdict on its own.
 */
export const CRISIS_CUES = [
  // self-harm
  'intent', 'method', 'methodQuery', 'plan', 'farewell', 'farewellWeak', 'giveaway', 'finality',
  // overdose and poisoning
  'overdose', 'substance', 'householdPoison', 'alcohol', 'ingest', 'quantity', 'poisonSign', 'child',
  // medical emergency
  'faceDroop', 'armWeakness', 'speech', 'sudden', 'thunderclap', 'strokeNamed', 'vision', 'chestPain',
  'cardiacSign', 'heartAttack', 'airway', 'allergicSign', 'allergen', 'breathing', 'breathingMild', 'infant',
  'collapse', 'seizure', 'bleeding', 'headInjury', 'headRedFlag', 'pregnancy', 'helpSeeking', 'glucoseMeter',
  // on-site hazard
  'fire', 'fireWeak', 'smoke', 'smokeWeak', 'gas', 'water', 'waterStrong', 'liftStuck', 'liftFault',
  'structureFailure', 'structureWeak', 'alarm', 'leaving', 'secureUnit', 'vulnerableHint', 'place',
  // violence
  'weapon', 'weaponHint', 'attack', 'threat', 'threatVague', 'target', 'gunfire',
] as const;

/**
 * `contextCues`: what decides whether a signal is about a present danger — time, negation's
 * neighbours, framing (a campaign, a story, a joke), hedges.
 */
export const CONTEXT_CUES = [
  'timing', 'past', 'recovery', 'resolved', 'careUnderway', 'hypothetical', 'generic', 'information',
  'fiction', 'laughter', 'idiom', 'hedge', 'uncertain', 'stranger',
] as const;

/** `incidentCues`: patient-safety and privacy incidents told in plain words. */
export const INCIDENT_CUES = [
  'expose', 'protectedInfo', 'staff', 'ourChannel', 'wrongRecipient', 'consent', 'discharge',
  'unsafeDischarge', 'staffViolence', 'staffViolenceWeak', 'harm', 'medicationOut', 'medicationLow',
  'recording', 'publish',
] as const;

/** `healthVocabulary`: health details that need no diagnosis word. */
export const HEALTH_VOCABULARY = [
  'careSettings', 'presence', 'injuries', 'bodyParts', 'pregnancy', 'testsAndRecords', 'treatments',
] as const;

/** Life-sustaining medicine groups in `medicines.json`; running out of one is a critical incident. */
export const LIFE_SUSTAINING = ['insulin', 'anticonvulsant', 'transplant', 'rescue inhaler', 'epinephrine'] as const;

export type CrisisCue = (typeof CRISIS_CUES)[number];
export type ContextCue = (typeof CONTEXT_CUES)[number];
export type IncidentCue = (typeof INCIDENT_CUES)[number];
export type HealthVocabulary = (typeof HEALTH_VOCABULARY)[number];
export type LifeSustaining = (typeof LIFE_SUSTAINING)[number];

/**
 * Phrase kinds as the index sees them. Health vocabulary is prefixed (`hv.pregnancy`) because the
 * crisis cues have a `pregnancy` of their own with another meaning (a pregnancy in danger); life-
 * sustaining groups are `life.insulin` and so on.
 */
export type PhraseKind =
  | (typeof BASE_KINDS)[number]
  | CrisisCue
  | ContextCue
  | IncidentCue
  | `hv.${HealthVocabulary}`
  | `life.${LifeSustaining}`;

export const PHRASE_KINDS: readonly PhraseKind[] = [
  ...BASE_KINDS,
  ...CRISIS_CUES,
  ...CONTEXT_CUES,
  ...INCIDENT_CUES,
  ...HEALTH_VOCABULARY.map((k) => `hv.${k}` as const),
  ...LIFE_SUSTAINING.map((k) => `life.${k}` as const),
];
