import { dirname, isAbsolute, resolve } from 'node:path';
import { lexiconSchema, medicinesSchema, type Lexicon } from './classify/lexicon.js';
import { categoryModelSchema } from './classify/category-model.js';
import { crisisModelSchema } from './classify/crisis-model.js';
import { spanishLexiconSchema } from './classify/es/spanish-lexicon.js';
import type { Config } from './config.js';
import { readJsonFile } from './util/data-file.js';
import { ConfigError } from './util/errors.js';

/** Just the lexicon, for commands that only classify (without the other data files' schemas). */
export function loadLexicon(config: Config): Lexicon {
  const lexicon = readLexicon(config.paths.lexicon);
  if (!lexicon.ok) throw new ConfigError(lexicon.problems);
  return lexicon.value;
}

/**
 * Reads the lexicon and the medicines file it names (relative to the lexicon's folder unless
 * absolute), so a copied lexicon carries its vocabulary with it. Problems name the file.
 */
/** What to leave unread: the trainer of the category model reads the rules without the model it replaces. */
export interface ReadLexiconOptions {
  categoryModel?: boolean;
}

export function readLexicon(path: string, options: ReadLexiconOptions = {}): { ok: true; value: Lexicon } | { ok: false; problems: string[] } {
  const file = readJsonFile(path, lexiconSchema, 'LEXICON_PATH');
  if (!file.ok) return file;
  const medicinesPath = isAbsolute(file.value.medicinesFile) ? file.value.medicinesFile : resolve(dirname(path), file.value.medicinesFile);
  const medicines = readJsonFile(medicinesPath, medicinesSchema, `LEXICON_PATH (its "medicinesFile")`);
  if (!medicines.ok) return medicines;
  const beside = (name: string) => (isAbsolute(name) ? name : resolve(dirname(path), name));
  const value: Lexicon = { ...file.value, medicines: medicines.value };
  if (file.value.spanishFile !== undefined) {
    const spanish = readJsonFile(beside(file.value.spanishFile), spanishLexiconSchema, `LEXICON_PATH (its "spanishFile")`);
    if (!spanish.ok) return spanish;
    value.spanish = spanish.value;
  }
  if (file.value.crisisModelFile !== undefined) {
    const model = readJsonFile(beside(file.value.crisisModelFile), crisisModelSchema, `LEXICON_PATH (its "crisisModelFile")`);
    if (!model.ok) return model;
    value.crisisModel = model.value;
  }
  if (file.value.categoryModelFile !== undefined && options.categoryModel !== false) {
    const model = readJsonFile(beside(file.value.categoryModelFile), categoryModelSchema, `LEXICON_PATH (its "categoryModelFile")`);
    if (!model.ok) return model;
    value.categoryModel = model.value;
  }
  return { ok: true, value };
}

/** {@link readLexicon} for tests and benchmarks: throws the problems as one error. */
export function readLexiconOrThrow(path: string, options: ReadLexiconOptions = {}): Lexicon {
  const lexicon = readLexicon(path, options);
  if (!lexicon.ok) throw new ConfigError(lexicon.problems);
  return lexicon.value;
}
