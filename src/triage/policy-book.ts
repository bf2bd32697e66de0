import { ConfigError } from '../util/errors.js';
import type { SlaAlertClock, SlaRepository } from '../store/store-port.js';
import type { Category, Urgency } from '../domain/classification.js';
import { ALWAYS_OPEN, type Calendar } from './calendar.js';
import { slaEvents, type SlaEvent } from './sla-events.js';
import { compilePolicy, slaPolicySchema, type CompiledPolicy, type SlaPolicy } from './sla-policy.js';

/**
 * Every SLA policy version alerts were opened under, compiled: an alert is always measured by the
 * targets and calendars of its own version, whatever the file says today.
 */
export interface PolicyBook {
  current: CompiledPolicy;
  version(version: number): CompiledPolicy;
  /** The calendar an alert is measured on: its own policy version's, for its urgency and categories (round the clock without a target). */
  calendarOf(alert: { policyVersion: number; urgency: string; categories: readonly string[] }): Calendar;
  /** The reminders and escalations of an alert under its own policy. */
  eventsOf(alert: SlaAlertClock): SlaEvent[];
  /** The resolution clock after a pause (waiting on the customer) or a reopen. */
  resume(alert: SlaAlertClock, now: number): { resolutionDueAt: number | null; pausedOpenMinutes: number };
}

/**
 * Builds the book from the current policy and the stored versions. The current policy is recorded
 * under its version; if that version was recorded before with other content, that is a config error:
 * history must not change under open alerts.
 */
export function openPolicyBook(current: SlaPolicy, stored: { record(version: number, text: string): string; all(): Map<number, string> }, path: string): PolicyBook {
  const text = JSON.stringify(current);
  const recorded = stored.record(current.version, text);
  if (recorded !== text) {
    throw new ConfigError([
      `SLA_POLICY_PATH=${path}: this file changed but still says "version": ${current.version}, which alerts were already opened under. Raise "version" (e.g. to ${current.version + 1}) so open alerts keep the targets they were given.`,
    ]);
  }
  const compiled = new Map<number, CompiledPolicy>([[current.version, compilePolicy(current)]]);
  const texts = stored.all();
  const version = (v: number): CompiledPolicy => {
    let policy = compiled.get(v);
    if (!policy) {
      const stored = texts.get(v);
      const parsed = stored === undefined ? undefined : slaPolicySchema.safeParse(JSON.parse(stored));
      // A version with no stored text (made before policies were recorded) is measured by the current one.
      policy = parsed?.success ? compilePolicy(parsed.data) : (compiled.get(current.version) as CompiledPolicy);
      compiled.set(v, policy);
    }
    return policy;
  };
  return {
    current: compiled.get(current.version) as CompiledPolicy,
    version,
    calendarOf(alert) {
      return version(alert.policyVersion).targetFor(alert.urgency as Urgency, alert.categories as Category[])?.calendar ?? ALWAYS_OPEN;
    },
    eventsOf(alert) {
      const policy = version(alert.policyVersion);
      const target = policy.targetFor(alert.urgency, alert.categories);
      return target ? slaEvents(alert, target, policy) : [];
    },
    resume(alert, now) {
      const policy = version(alert.policyVersion);
      const target = policy.targetFor(alert.urgency, alert.categories);
      if (!target || alert.waitingSince === null) return { resolutionDueAt: alert.resolutionDueAt, pausedOpenMinutes: 0 };
      const paused = target.calendar.openMinutesBetween(alert.waitingSince, now);
      if (alert.resolutionDueAt === null) return { resolutionDueAt: null, pausedOpenMinutes: paused };
      const remaining = target.calendar.openMinutesBetween(alert.waitingSince, alert.resolutionDueAt);
      return { resolutionDueAt: target.calendar.addOpenMinutes(now, remaining), pausedOpenMinutes: paused };
    },
  };
}

/** The book over a store's recorded versions. */
export async function storePolicyBook(store: Pick<SlaRepository, 'recordPolicy' | 'policies'>, current: SlaPolicy, path: string, now: number): Promise<PolicyBook> {
  const recorded = await store.recordPolicy(current.version, JSON.stringify(current), now);
  const texts = await store.policies();
  return openPolicyBook(current, { record: () => recorded, all: () => texts }, path);
}
