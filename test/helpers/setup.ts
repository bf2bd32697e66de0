import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Lexicon } from '../../src/classify/lexicon.js';
import { createClassifier, type Classifier } from '../../src/classify/classify-mention.js';
import { compilePolicy, slaPolicySchema, type CompiledPolicy, type SlaPolicy } from '../../src/triage/sla-policy.js';
import { templatesSchema, type TemplatesFile } from '../../src/triage/reply-templates.js';
import { readLexiconOrThrow } from '../../src/data-files.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export function readData<T>(file: string, schema: { parse(value: unknown): T }): T {
  return schema.parse(JSON.parse(readFileSync(join(ROOT, 'data', file), 'utf8')));
}

export const lexicon: Lexicon = readLexiconOrThrow(join(ROOT, 'data', 'lexicon.json'));
export const rawPolicy: SlaPolicy = readData('sla-policy.json', slaPolicySchema);
export const policy: CompiledPolicy = compilePolicy(rawPolicy);
export const templates: TemplatesFile = readData('reply-templates.json', templatesSchema);

let shared: Classifier | undefined;
let rules: Classifier | undefined;

/** The rules alone, without the crisis and category models: for tests of what a rule reads. */
export function rulesOnly(): Classifier {
  if (rules === undefined) {
    const { crisisModel: _crisis, categoryModel: _category, ...withoutModels } = lexicon;
    rules = createClassifier(withoutModels);
  }
  return rules;
}
export function classifier(): Classifier {
  shared ??= createClassifier(lexicon);
  return shared;
}

/** A fresh folder per test; removed by the returned function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'triage-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Rows of a query on a database another process writes, opened read-only and closed again. */
export function readRows<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
