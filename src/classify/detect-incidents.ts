import { LIFE_SUSTAINING, type PhraseKind } from './cue-kinds.js';
import { spanOf, type Found } from './found.js';
import type { PhraseMatch } from './phrase-index.js';

/** A patient-safety or privacy incident told in plain words. */
export interface Incident {
  urgency: 'critical' | 'high';
  /** For the reason line: `privacy breach ("nurse", "posted", "xray")`. */
  reason: string;
}

/**
 * Incidents a lead must see at once, whatever words carry them: someone's chart, photo, results or
 * story exposed by our staff or pages; a discharge in an unsafe state; staff violence against a
 * patient; a life-sustaining medicine that ran out (running low is `high`); a recording about to be
 * made public. Each needs its parts together, so "the nurse pushed my mom's wheelchair" or "posted
 * a pic of my new baby" are not incidents.
 */
export function detectIncidents(found: Found): Incident[] {
  const out: Incident[] = [];
  const words = (...matches: Array<PhraseMatch | undefined>) =>
    [...new Set(matches.filter((m): m is PhraseMatch => m !== undefined).map((m) => `"${found.text(m)}"`))].join(', ');

  const info = found.first('protectedInfo');
  if (info && !found.any('consent')) {
    for (const expose of found.all('expose')) {
      const actor = found.all('staff').find((s) => s.start < expose.start && expose.start - s.start <= 8) ?? found.first('ourChannel') ?? found.first('wrongRecipient');
      if (actor) {
        out.push({ urgency: 'critical', reason: `privacy breach: ${words(actor, expose, info)}` });
        break;
      }
    }
  }

  const discharge = found.first('discharge');
  const unsafe = found.first('unsafeDischarge');
  if (discharge && unsafe) out.push({ urgency: 'critical', reason: `unsafe discharge: ${words(discharge, unsafe)}` });

  const act = [...found.all('staffViolence'), ...found.all('staffViolenceWeak').filter(() => found.any('harm'))][0];
  if (act) {
    const actor = found.all('staff').find((s) => s.start < act.start && act.start - s.start <= 8);
    const victim = ['selfReference', 'stranger', 'child'].some((kind) => found.near(kind as PhraseKind, spanOf(act), 5));
    if (actor && victim) out.push({ urgency: 'critical', reason: `staff violence against a patient: ${words(actor, act, found.first('harm'))}` });
  }

  for (const group of LIFE_SUSTAINING) {
    const medicine = found.first(`life.${group}`);
    if (!medicine) continue;
    const out_ = found.near('medicationOut', spanOf(medicine), 10);
    const low = found.near('medicationLow', spanOf(medicine), 12);
    if (out_) out.push({ urgency: 'critical', reason: `life-sustaining medicine ran out (${group}): ${words(medicine, out_)}` });
    else if (low) out.push({ urgency: 'high', reason: `life-sustaining medicine running low (${group}): ${words(medicine, low)}` });
    if (out_ || low) break;
  }

  const recording = found.first('recording');
  const publish = found.first('publish');
  if (recording && publish) out.push({ urgency: 'critical', reason: `threat to go public with a recording: ${words(recording, publish)}` });
  return out;
}
