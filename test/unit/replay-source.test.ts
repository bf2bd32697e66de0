import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReplaySource, readReplayRow, readReplayRowStrictly } from '../../src/sources/replay-source.js';
import { tempDir } from '../helpers/setup.js';

const usual = {
  platform: 'x',
  id: '1800000000000000007',
  author: { id: '1007', handle: 'user_7', name: 'Pat', followers: 12, verified: false },
  text: '@RiverbendHealth the portal is down again',
  created_at: '2026-01-01T00:03:30.000Z',
  conversation_id: '1800000000000000000',
};

/** Rows that are usual, odd but valid, and invalid in every field the schema knows. */
const variants: Array<Record<string, unknown>> = [
  usual,
  { ...usual, platform: undefined },
  { ...usual, platform: null },
  { ...usual, platform: 3 },
  { ...usual, id: 1800000000000 },
  { ...usual, id: null },
  { ...usual, id: true },
  { ...usual, text: undefined },
  { ...usual, text: 42 },
  { ...usual, created_at: 'yesterday' },
  { ...usual, created_at: '1999-01-01T00:00:00Z' },
  { ...usual, created_at: '2300-01-01T00:00:00Z' },
  { ...usual, created_at: 1767225600000 },
  { ...usual, url: 'https://x.com/u/status/7' },
  { ...usual, url: null },
  { ...usual, url: 7 },
  { ...usual, author: undefined, author_id: 99 },
  { ...usual, author: null },
  { ...usual, author: [] },
  { ...usual, author: 'pat' },
  { ...usual, author: { id: 7, handle: 'pat' } },
  { ...usual, author: { handle: 'pat' } },
  { ...usual, author: { id: '7', handle: null } },
  { ...usual, author: { id: '7', handle: 'pat', name: null, followers: null, verified: null } },
  { ...usual, author: { id: '7', handle: 'pat', followers: -1 } },
  { ...usual, author: { id: '7', handle: 'pat', followers: 1.5 } },
  { ...usual, author: { id: '7', handle: 'pat', followers: '12' } },
  { ...usual, author: { id: '7', handle: 'pat', verified: 'yes' } },
  { ...usual, author: { id: '7', handle: 'pat', name: 5 } },
  { ...usual, author: { id: '7', handle: 'pat', extra: { deep: true } } },
  { ...usual, author_id: null },
  { ...usual, author_id: '5' },
  { ...usual, conversation_id: 5 },
  { ...usual, conversation_id: null },
  { ...usual, conversation_id: false },
  { ...usual, in_reply_to_id: 9, in_response_to: '8', in_reply_to_text: 'our earlier post' },
  { ...usual, in_response_to: [] },
  { ...usual, in_reply_to_text: null },
  { ...usual, in_reply_to_text: 3 },
  { ...usual, inbound: false },
  { ...usual, inbound: null },
  { ...usual, inbound: 'no' },
  { ...usual, label: 'negative', extra: [1, 2] },
];

/** The fields a row is read for, as the source reads them. */
function readFields(result: ReturnType<typeof readReplayRow>) {
  if (!result.ok) return { ok: false, reason: result.reason };
  const r = result.row;
  return {
    ok: true,
    fields: [r.platform, r.id, r.text, r.created_at, r.url, r.author?.id, r.author?.handle, r.author?.name, r.author?.followers, r.author?.verified, r.author_id, r.conversation_id, r.in_reply_to_id, r.in_response_to, r.in_reply_to_text, r.inbound],
  };
}

describe('replay rows', () => {
  it('reads every row, usual or not, exactly as the schema does, with the same words for what is wrong', () => {
    for (const variant of variants) {
      const strict = readFields(readReplayRowStrictly(structuredClone(variant)));
      expect(readFields(readReplayRow(structuredClone(variant))), JSON.stringify(variant)).toEqual(strict);
    }
    // The list holds both kinds.
    expect(variants.filter((v) => readReplayRowStrictly(structuredClone(v)).ok).length).toBeGreaterThan(10);
    expect(variants.filter((v) => !readReplayRowStrictly(structuredClone(v)).ok).length).toBeGreaterThan(10);
  });
});

describe('the replay source', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('reads on after its cursor, with line numbers and batches as before, and stops the cursor before a bad row', async () => {
    const path = join(temp.dir, 'replay.jsonl');
    const rows = Array.from({ length: 7 }, (_, i) => JSON.stringify({ ...usual, id: String(100 + i) }));
    // Line 4 is blank, line 6 is not JSON, lines end in CRLF.
    writeFileSync(path, [rows[0], rows[1], rows[2], '', rows[3], '{oops', rows[4], rows[5]].join('\r\n'));
    const skipped: number[] = [];
    const source = createReplaySource({ path, batchSize: 2, onSkip: (line) => skipped.push(line) });
    const signal = new AbortController().signal;
    const poll = async (cursor: string | undefined) => {
      const batches = [];
      for await (const batch of source.poll(() => cursor, signal)) batches.push({ ids: batch.mentions.map((m) => m.nativeId), cursor: batch.cursor });
      return batches;
    };
    // The last batch carries the cursor to the end of the file (none moves past the bad line 6).
    expect(await poll(undefined)).toEqual([
      { ids: ['100', '101'], cursor: '2' },
      { ids: ['102', '103'], cursor: '5' },
      { ids: ['104', '105'], cursor: '5' },
      { ids: [], cursor: '5' },
    ]);
    expect(skipped).toEqual([6]);
    // From the cursor: lines 1-5 are not read again, the bad line 6 is.
    expect(await poll('5')).toEqual([{ ids: ['104', '105'], cursor: '5' }, { ids: [], cursor: '5' }]);
    expect(await poll('6')).toEqual([{ ids: ['104', '105'], cursor: '8' }, { ids: [], cursor: '8' }]);
    expect(await poll('8')).toEqual([]);
    expect(skipped).toEqual([6, 6]);
  });
});
