import { z } from 'zod';
import type { Urgency } from '../domain/classification.js';

const target = z
  .object({
    firstResponseMinutes: z.number().positive(),
    resolutionMinutes: z.number().positive(),
  })
  .refine((t) => t.resolutionMinutes >= t.firstResponseMinutes, {
    message: 'resolutionMinutes must not be shorter than firstResponseMinutes',
  })
  .nullable();

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Shape of `data/sla-policy.json`. */
export const slaPolicySchema = z.object({
  $comment: z.string().optional(),
  version: z.number().int().positive(),
  timezone: z.string().refine(isTimeZone, { message: 'not an IANA time zone such as "America/New_York"' }),
  targets: z.object({ critical: target, high: target, normal: target, low: target }),
  reminderFractions: z.array(z.number().gt(0).lt(1)).default([0.5, 0.8]),
});

export type SlaPolicy = z.infer<typeof slaPolicySchema>;

export interface DueTimes {
  firstResponseDueAt: number;
  resolutionDueAt: number;
}

const MINUTE = 60_000;

/**
 * When the first response and the resolution are due for a mention posted at `arrivedAt` (epoch ms),
 * or null when the urgency has no target. Round-the-clock minutes.
 */
export function computeDueTimes(policy: SlaPolicy, urgency: Urgency, arrivedAt: number): DueTimes | null {
  if (urgency === 'ignore') return null;
  const t = policy.targets[urgency];
  if (t === null) return null;
  return {
    firstResponseDueAt: arrivedAt + t.firstResponseMinutes * MINUTE,
    resolutionDueAt: arrivedAt + t.resolutionMinutes * MINUTE,
  };
}
