import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readInputRow } from '../../src/commands/classify-commands.js';
import { describeFailure } from '../../src/util/describe-failure.js';
import { ConfigError, TriageError } from '../../src/util/errors.js';

describe('readInputRow', () => {
  it('takes any JSON value without throwing: a row when "text" is a string, else a reason naming the field', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, text) => {
        const withText = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, text } : { text, other: value };
        const row = readInputRow(withText);
        expect(typeof row).toBe('object');
        if (typeof row === 'object') {
          expect(row.text).toBe(text);
          expect(row.followers === undefined || (Number.isSafeInteger(row.followers) && row.followers >= 0)).toBe(true);
        }
        const bare = readInputRow(value);
        if (typeof bare === 'string') expect(bare).toMatch(/"text"/);
      }),
      { numRuns: 500 },
    );
  });

  it('reads followers from a number or decimal text, at the top or under author, and ignores the rest', () => {
    expect(readInputRow({ text: 'a', followers: '1200' })).toMatchObject({ followers: 1200 });
    expect(readInputRow({ text: 'a', author: { followers: 7, handle: 'kim' } })).toMatchObject({ followers: 7, handle: 'kim' });
    expect(readInputRow({ text: 'a', followers: '0x10', author: 'kim' })).toMatchObject({ followers: undefined, handle: 'kim' });
    expect(readInputRow({ text: 'a', followers: -3 })).toMatchObject({ followers: undefined });
  });
});

describe('describeFailure', () => {
  it('turns a real SQLite disk-full error into one sentence naming the database', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x TEXT)');
    db.pragma('max_page_count = 2');
    let error: unknown;
    try {
      for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(1000));
    } catch (e) {
      error = e;
    }
    db.close();
    expect((error as { code?: string }).code).toBe('SQLITE_FULL');
    expect(describeFailure(error, { databasePath: '/tmp/triage.db' })).toEqual({
      message: expect.stringMatching(/^the disk holding \/tmp\/triage\.db is full \(\d+\.\d MB free\): free some space, or move DATABASE_PATH/),
      exitCode: 1,
    });
  });

  it('names the path of a file-system failure, and leaves bugs to the stack trace', () => {
    let error: unknown;
    try {
      readFileSync('/nonexistent/file');
    } catch (e) {
      error = e;
    }
    expect(describeFailure(error)).toEqual({ message: 'cannot open /nonexistent/file: no such file or folder', exitCode: 2 });
    expect(describeFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeFailure(new ConfigError(['A=b: wrong']))).toMatchObject({ exitCode: 2 });
    expect(describeFailure(new TriageError('chat-unavailable', 'Discord answered 502', { retryable: true }))).toEqual({ message: 'Discord answered 502', exitCode: 1 });
  });
});
