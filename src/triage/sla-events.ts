import type { CompiledPolicy, ResolvedTarget } from './sla-policy.js';

/** `reminder-50`, `reminder-80`, `breach`, `breach-2`, `resolution-breach`. */
export type SlaEventKind = string;

export interface SlaEvent {
  kind: SlaEventKind;
  at: number;
}

/** The clock facts of one alert that decide its reminders and escalations. */
export interface SlaTiming {
  arrivedAt: number;
  firstResponseDueAt: number | null;
  resolutionDueAt: number | null;
  firstResponseAt: number | null;
  resolvedAt: number | null;
  waitingSince: number | null;
}

/**
 * Every reminder and escalation an alert will have, with when it falls due: reminders at fractions
 * of the first-response window (in open calendar time), the breach at the due time, a second-level
 * escalation after it, and the resolution breach. A first response ends the first-response events;
 * resolving, or waiting on the customer, ends (or pauses) the resolution one.
 */
export function slaEvents(timing: SlaTiming, target: ResolvedTarget, policy: CompiledPolicy): SlaEvent[] {
  const events: SlaEvent[] = [];
  if (timing.firstResponseAt === null && timing.firstResponseDueAt !== null) {
    for (const fraction of policy.reminderFractions) {
      events.push({ kind: `reminder-${Math.round(fraction * 100)}`, at: target.calendar.addOpenMinutes(timing.arrivedAt, fraction * target.firstResponseMinutes) });
    }
    events.push({ kind: 'breach', at: timing.firstResponseDueAt });
    if (policy.secondLevelAfterMinutes !== undefined) {
      events.push({ kind: 'breach-2', at: target.calendar.addOpenMinutes(timing.firstResponseDueAt, policy.secondLevelAfterMinutes) });
    }
  }
  if (timing.resolvedAt === null && timing.waitingSince === null && timing.resolutionDueAt !== null) {
    events.push({ kind: 'resolution-breach', at: timing.resolutionDueAt });
  }
  return events.sort((a, b) => a.at - b.at);
}

export function isReminder(kind: SlaEventKind): boolean {
  return kind.startsWith('reminder-');
}
