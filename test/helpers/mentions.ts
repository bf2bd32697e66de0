import type { Mention } from '../../src/domain/mention.js';

let counter = 0;

/** A mention with sensible defaults; override what the test is about. */
export function mention(overrides: Partial<Mention> & { text?: string } = {}): Mention {
  counter++;
  return {
    platform: 'x',
    nativeId: String(1_900_000_000_000_000_000n + BigInt(counter)),
    author: { id: `u${counter}`, handle: `user${counter}`, followers: 100 },
    text: 'the portal is down again and nobody answers the phone',
    createdAt: Date.UTC(2026, 10, 20, 12, 0) + counter * 1000,
    ...overrides,
  };
}
