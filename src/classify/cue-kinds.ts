/**
 * Every kind of phrase the classifier matches, grouped as the lexicon groups them. One phrase index
 * holds them all, so a text is scanned once whatever the number of kinds.
 */

/** The flat lists and weighted maps of the original lexicon. */
export const BASE_KINDS = [
  'sentiment', 'complaint', 'legal', 'privacy', 'safetyIncident', 'viral', 'media', 'accessibility',
  'question', 'review', 'praise', 'gratitude', 'remedy', 'spam', 'health', 'phi', 'anger', 'selfReference', 'medicine', 'vitalWord',
  // Spanish function words: a post with none of them is English without asking the language detector.
  'spanishWord',
] as const;

/**
 * `crisisCues` in the lexicon: the signals the crisis rules combine. Each is a small fact about the
 * text ("a method is named", "a quantity of a substance", "one side of the face droops"), never a
 * verdict on its own.
 */
export const CRISIS_CUES = [
  // self-harm
  'intent', 'method', 'methodQuery', 'plan', 'farewell', 'weakSign', 'giveaway', 'finality',
  // overdose and poisoning
  'overdose', 'substance', 'householdPoison', 'alcohol', 'ingest', 'quantity', 'poisonSign', 'child',
  // medical emergency
  'faceDroop', 'armWeakness', 'speech', 'sudden', 'thunderclap', 'strokeNamed', 'vision', 'chestPain',
  'cardiacSign', 'heartAttack', 'airway', 'allergicSign', 'allergen', 'breathing', 'breathingMild', 'infant',
  'collapse', 'seizure', 'bleeding', 'headInjury', 'headRedFlag', 'pregnancy', 'helpSeeking', 'glucoseMeter', 'sepsisSign',
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
  'fiction', 'laughter', 'idiom', 'hedge', 'uncertain', 'stranger', 'lifeEvent',
] as const;

/** `incidentCues`: patient-safety and privacy incidents told in plain words. */
export const INCIDENT_CUES = [
  'expose', 'protectedInfo', 'staff', 'ourChannel', 'wrongRecipient', 'consent', 'discharge',
  'unsafeDischarge', 'staffViolence', 'staffViolenceWeak', 'harm', 'medicationOut', 'medicationLow',
  'recording', 'publish',
  // care given wrong: "wrong" or "someone else's" before a care object ("hung the wrong bag on my IV")
  'wrongCare', 'careObject',
  // a patient left in danger: a call no one answered beside a danger ("pressed the call button for 55 minutes, she couldnt breathe")
  'unanswered', 'inDanger',
  // a health detail that reached others: "read out my reason for visit ... full waiting room", "now she knows"
  'exposedTo',
  // equipment failing on a patient: "his ventilator alarm went off and nobody came", "the feeding pump keeps shutting off"
  'lifeEquipment', 'equipmentFault',
] as const;

/** `healthVocabulary`: health details that need no diagnosis word. */
export const HEALTH_VOCABULARY = [
  'careSettings', 'emergencySettings', 'presence', 'injuries', 'bodyParts', 'pregnancy', 'testsAndRecords', 'treatments', 'clinicians',
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

/**
 * Kinds matched only when a post has an anchor (a cue a rule can start from, or a reading): the
 * context and the parts that confirm a rule. Many are everyday words ("i", "now", "if", "here",
 * "you"), and most posts have no anchor, so leaving them out of the first pass keeps it cheap.
 */
export const SECOND_PASS: ReadonlySet<PhraseKind> = new Set<PhraseKind>([
  'selfReference',
  ...CONTEXT_CUES.filter((k) => k !== 'idiom' && k !== 'information' && k !== 'fiction'),
  'weakSign', 'alcohol', 'ingest', 'quantity', 'poisonSign', 'child', 'sudden', 'vision', 'cardiacSign',
  'allergicSign', 'allergen', 'infant', 'headRedFlag', 'helpSeeking', 'sepsisSign', 'alarm', 'secureUnit', 'vulnerableHint',
  'place', 'target',
  'protectedInfo', 'staff', 'ourChannel', 'wrongRecipient', 'consent', 'unsafeDischarge', 'harm', 'medicationOut',
  'medicationLow', 'publish', 'careObject', 'equipmentFault', 'inDanger',
  'hv.presence', 'hv.bodyParts',
]);

/** Groups of first-pass kinds, as bits: a post with none of them needs no crisis, incident or health rule. */
/** `care`: the cues of care gone wrong ("wrong", "nobody came", "ventilator"), which start the incident rules but not the crisis model's second look. */
export const ANCHOR = { crisis: 1, incident: 2, health: 4, care: 8 } as const;

const INDEX = new Map(PHRASE_KINDS.map((kind, i) => [kind, i]));

/** A kind's position in {@link PHRASE_KINDS}: per-kind arrays are indexed by it. */
export function kindIndex(kind: PhraseKind): number {
  return INDEX.get(kind) as number;
}

/** Per kind index, the {@link ANCHOR} bits it sets. */
export const ANCHOR_BITS: Uint8Array = (() => {
  const bits = new Uint8Array(PHRASE_KINDS.length);
  const set = (kind: PhraseKind, bit: number) => {
    const i = kindIndex(kind);
    bits[i] = (bits[i] ?? 0) | bit;
  };
  for (const kind of CRISIS_CUES) if (!SECOND_PASS.has(kind)) set(kind, ANCHOR.crisis);
  set('medicine', ANCHOR.crisis | ANCHOR.health);
  for (const kind of ['expose', 'discharge', 'staffViolence', 'staffViolenceWeak', 'recording'] as const) set(kind, ANCHOR.incident);
  for (const kind of ['wrongCare', 'unanswered', 'lifeEquipment', 'exposedTo'] as const) set(kind, ANCHOR.care);
  for (const group of LIFE_SUSTAINING) set(`life.${group}`, ANCHOR.incident);
  for (const kind of HEALTH_VOCABULARY) if (!SECOND_PASS.has(`hv.${kind}`)) set(`hv.${kind}`, ANCHOR.health);
  return bits;
})();
