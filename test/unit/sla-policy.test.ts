import { describe, expect, it } from 'vitest';
import type { Classification } from '../../src/domain/classification.js';
import { decideTriage } from '../../src/triage/decide-triage.js';
import { computeDueTimes, slaPolicySchema } from '../../src/triage/sla-policy.js';
import { policy } from '../helpers/setup.js';

const at = Date.UTC(2026, 10, 20, 12, 0);

describe('computeDueTimes', () => {
  it('adds the urgency\'s targets to the arrival time', () => {
    expect(computeDueTimes(policy, 'critical', at)).toEqual({
      firstResponseDueAt: at + 60 * 60_000,
      resolutionDueAt: at + 480 * 60_000,
    });
    expect(computeDueTimes(policy, 'normal', at)?.firstResponseDueAt).toBe(at + 24 * 3600_000);
  });

  it('has no clock for low and ignore', () => {
    expect(computeDueTimes(policy, 'low', at)).toBeNull();
    expect(computeDueTimes(policy, 'ignore', at)).toBeNull();
  });

  it('rejects policies with impossible targets or an unknown time zone', () => {
    const bad = slaPolicySchema.safeParse({
      version: 1,
      timezone: 'Mars/Olympus',
      targets: { critical: { firstResponseMinutes: 60, resolutionMinutes: 30 }, high: null, normal: null, low: null },
    });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/timezone: not an IANA time zone/);
    expect(messages).toMatch(/targets.critical: resolutionMinutes must not be shorter/);
  });
});

describe('decideTriage', () => {
  const classification = (urgency: Classification['urgency'], categories: Classification['categories']): Classification => ({
    sentiment: 'neutral', score: 0, categories, urgency, reasons: [],
  });

  it('alerts on anything a person should see, with due times from the policy', () => {
    expect(decideTriage(classification('normal', ['question']), at, policy)).toEqual({
      urgency: 'normal', policyVersion: 1, due: { firstResponseDueAt: at + 1440 * 60_000, resolutionDueAt: at + 4320 * 60_000 },
    });
    expect(decideTriage(classification('low', ['praise']), at, policy)).toMatchObject({ urgency: 'low', due: null });
    expect(decideTriage(classification('high', []), at, policy)).toMatchObject({ urgency: 'high' });
  });

  it('does not alert on spam or on chatter with no category', () => {
    expect(decideTriage(classification('ignore', ['spam']), at, policy)).toBeNull();
    expect(decideTriage(classification('low', []), at, policy)).toBeNull();
  });
});
