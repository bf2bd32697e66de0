import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/triage/sla-report.js';

describe('isoTime (the SLA CSV timestamps)', () => {
  it('writes exactly what Date#toISOString writes, for any time a report can hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [0, 86_399_999, 86_400_000, Date.UTC(2026, 10, 1, 5, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999)]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(isoTime(null)).toBe('');
  });
});
