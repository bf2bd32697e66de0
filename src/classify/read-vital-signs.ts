import type { Evidence } from './found.js';

export type Measure = 'blood pressure' | 'blood sugar' | 'oxygen' | 'heart rate' | 'temperature';

/** A reading written in a post ("bp 224/131", "sugar is 38", "o2 84%") and how far out of range it is. */
export interface VitalSign extends Evidence {
  measure: Measure;
  /** As written, for reasons: "224/131". */
  value: string;
  /**
   * `critical`: an emergency by the number alone; `dangerous`: an emergency with a symptom beside
   * it; `fever`: 100.4 °F (38 °C) or more, an emergency only with signs of sepsis or during chemotherapy.
   */
  level: 'critical' | 'dangerous' | 'fever';
}

/**
 * The words that name a measure, one or two tokens. Not "bs", "sat" or "hr": "bs 45 minutes on
 * hold", "sat 45 minutes", "1 hr 45 min" are waits, not readings.
 */
const MEASURES: ReadonlyArray<readonly [words: readonly string[], measure: Measure]> = [
  [['blood', 'pressure'], 'blood pressure'], [['bp'], 'blood pressure'], [['pressure'], 'blood pressure'],
  [['blood', 'sugar'], 'blood sugar'], [['sugar'], 'blood sugar'], [['sugars'], 'blood sugar'], [['glucose'], 'blood sugar'],
  [['bg'], 'blood sugar'],
  [['o2'], 'oxygen'], [['oxygen'], 'oxygen'], [['spo2'], 'oxygen'], [['sats'], 'oxygen'], [['pulse', 'ox'], 'oxygen'],
  [['heart', 'rate'], 'heart rate'], [['pulse'], 'heart rate'],
  [['temp'], 'temperature'], [['temperature'], 'temperature'], [['fever'], 'temperature'],
];
const FIRST_WORDS = new Set(MEASURES.map(([words]) => words[0] as string));

/** The words that open a reading, for the phrase index: a post without one has no reading. */
export const VITAL_WORDS: readonly string[] = [...FIRST_WORDS];

/** Words that may stand between a measure and its number: "sugar is like 38", "fever of 101". */
const FILLER = new Set([
  'is', 'was', "it's", 'its', 'of', 'at', 'reading', 'read', 'reads', 'dropped', 'to', 'down', 'up', 'went',
  'says', 'said', 'showing', 'shows', 'like', 'around', 'about', 'only', 'just', 'now', 'came', 'back', 'hit',
  'spiked', 'over', 'a', 'my', 'his', 'her', 'reading', 'on', 'the', 'machine', 'ox', 'still', 'has', 'been', 'are', 'were', 'in', 'high', 'low',
]);

const NUMBER = /^(\d{2,3})(?:mg|bpm|f|%)?$/;

/**
 * Readings in the tokens. A reading needs its measure's word before the number, so "190" alone or a
 * price never reads as a heart rate. Decimals arrive as two tokens ("101", "2"), which is enough for
 * the thresholds used.
 */
export function readVitalSigns(tokens: readonly string[], infantFever: boolean): VitalSign[] {
  const out: VitalSign[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!FIRST_WORDS.has(tokens[i] as string)) continue;
    const measure = measureAt(tokens, i);
    if (!measure) continue;
    let j = i + measure.length;
    let skipped = 0;
    while (j < tokens.length && skipped < 4 && FILLER.has(tokens[j] as string)) {
      j++;
      skipped++;
    }
    const first = NUMBER.exec(tokens[j] ?? '');
    if (!first) continue;
    let value = Number(first[1]);
    let end = j + 1;
    let second: number | undefined;
    if (measure.measure === 'blood pressure') {
      const k = tokens[end] === 'over' ? end + 1 : end;
      const next = NUMBER.exec(tokens[k] ?? '');
      if (next) {
        second = Number(next[1]);
        end = k + 1;
      }
    } else if (measure.measure === 'temperature' && /^\d$/.test(tokens[end] ?? '')) {
      value += Number(tokens[end]) / 10;
      end++;
    }
    const level = judge(measure.measure, value, second, infantFever);
    if (level) out.push({ start: i, end, measure: measure.measure, value: second === undefined ? String(value) : `${value}/${second}`, level });
    i = end - 1;
  }
  return out;
}

function measureAt(tokens: readonly string[], i: number): { measure: Measure; length: number } | undefined {
  for (const [words, measure] of MEASURES) {
    if (words.every((w, k) => tokens[i + k] === w)) return { measure, length: words.length };
  }
  return undefined;
}

/**
 * Out-of-range thresholds from public first-aid and triage guidance: hypertensive crisis at 180/120,
 * shock at a systolic of 90 or less, hypoglycaemia under 70 mg/dL (severe under 54), SpO2 under 92%,
 * a resting pulse over 140 or under 45, a fever of 100.4 °F in a baby under three months, 104 °F or
 * more in anyone else.
 */
function judge(measure: Measure, value: number, second: number | undefined, infantFever: boolean): VitalSign['level'] | undefined {
  switch (measure) {
    case 'blood pressure': {
      if (second === undefined) return undefined;
      if (value >= 200 || second >= 125 || (value <= 80 && value >= 40)) return 'critical';
      if (value >= 180 || second >= 110 || (value <= 90 && value >= 40)) return 'dangerous';
      return undefined;
    }
    case 'blood sugar':
      if (value <= 45 || value >= 600) return 'critical';
      if (value <= 70 || value >= 400) return 'dangerous';
      return undefined;
    case 'oxygen':
      if (value > 100 || value < 40) return undefined;
      if (value <= 88) return 'critical';
      return value <= 92 ? 'dangerous' : undefined;
    case 'heart rate':
      if (value >= 180 || (value <= 35 && value >= 15)) return 'critical';
      return value >= 140 || value <= 45 ? 'dangerous' : undefined;
    case 'temperature': {
      // Fahrenheit above 50, Celsius below.
      const fahrenheit = value > 50 ? value : value * 1.8 + 32;
      if (fahrenheit < 95 || fahrenheit > 112) return undefined;
      if (infantFever && fahrenheit >= 100.4) return 'critical';
      if (fahrenheit >= 105) return 'critical';
      if (fahrenheit >= 104) return 'dangerous';
      return fahrenheit >= 100.4 ? 'fever' : undefined;
    }
  }
}
