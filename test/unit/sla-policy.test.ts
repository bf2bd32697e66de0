import { describe, expect, it } from 'vitest';
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
