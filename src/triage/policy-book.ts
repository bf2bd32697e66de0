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
export function openPolicyBook(
  current: SlaPolicy,
  stored: { record(version: number, text: string): string; all(): Map<number, string> },
  path: string,
  /** Accounts' own policies (data/accounts.json `slaPolicy`), recorded beside the current one under their own versions. */
  others: ReadonlyArray<{ policy: SlaPolicy; where: string }> = [],
): PolicyBook {
  const compiled = new Map<number, CompiledPolicy>();
  const inUse = new Map<number, string>();
  const problems: string[] = [];
  for (const { policy, where } of [{ policy: current, where: `SLA_POLICY_PATH=${path}` }, ...others]) {
    const text = JSON.stringify(policy);
    if (inUse.has(policy.version)) {
      if (inUse.get(policy.version) !== text) problems.push(`${where}: says "version": ${policy.version} like another SLA policy in use. Give each policy file its own "version".`);
      continue;
    }
    inUse.set(policy.version, text);
    const recorded = stored.record(policy.version, text);
    if (recorded !== text) {
      problems.push(`${where}: this file changed but still says "version": ${policy.version}, which alerts were already opened under. Raise "version" (e.g. to ${policy.version + 1}) so open alerts keep the targets they were given.`);
      continue;
    }
    compiled.set(policy.version, compilePolicy(policy));
  }
  if (problems.length > 0) throw new ConfigError(problems);
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
export async function storePolicyBook(
  store: Pick<SlaRepository, 'recordPolicy' | 'policies'>,
  current: SlaPolicy,
  path: string,
  now: number,
  others: ReadonlyArray<{ policy: SlaPolicy; where: string }> = [],
): Promise<PolicyBook> {
  // Each version is recorded once, first come; the book then finds a version reused with other rules.
  const recorded = new Map<number, string>();
  for (const policy of [current, ...others.map((o) => o.policy)]) {
    if (!recorded.has(policy.version)) recorded.set(policy.version, await store.recordPolicy(policy.version, JSON.stringify(policy), now));
  }
  const texts = await store.policies();
  return openPolicyBook(current, { record: (version, text) => recorded.get(version) ?? text, all: () => texts }, path, others);
}
