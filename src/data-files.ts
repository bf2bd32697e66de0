import { dirname, isAbsolute, resolve } from 'node:path';
import { lexiconSchema, medicinesSchema, type Lexicon } from './classify/lexicon.js';
import { spanishLexiconSchema } from './classify/es/spanish-lexicon.js';
import type { Config } from './config.js';
import { slaPolicySchema, type SlaPolicy } from './triage/sla-policy.js';
import { templatesSchema, type TemplatesFile } from './triage/reply-templates.js';
import { readJsonFile } from './util/data-file.js';
import { ConfigError } from './util/errors.js';
import { themesSchema, type ThemesFile } from './digest/collect-digest.js';

export interface DataFiles {
  lexicon: Lexicon;
  policy: SlaPolicy;
  /** The SLA policies of accounts that have their own (data/accounts.json `slaPolicy`). */
  accountPolicies: Array<{ account: string; path: string; policy: SlaPolicy }>;
  templates: TemplatesFile;
  themes: ThemesFile;
}

/** Reads and validates every editable data file; all problems in all files are thrown together. */
export function loadDataFiles(config: Config): DataFiles {
  const lexicon = readLexicon(config.paths.lexicon);
  const policy = readJsonFile(config.paths.slaPolicy, slaPolicySchema, 'SLA_POLICY_PATH');
  const templates = readJsonFile(config.paths.templates, templatesSchema, 'TEMPLATES_PATH');
  const themes = readJsonFile(config.paths.themes, themesSchema, 'THEMES_PATH');
  const accountPolicies: DataFiles['accountPolicies'] = [];
  const accountProblems: string[] = [];
  for (const account of config.accounts) {
    if (account.slaPolicyPath === undefined) continue;
    const file = readJsonFile(account.slaPolicyPath, slaPolicySchema, `ACCOUNTS_PATH (the "slaPolicy" of account ${account.id})`);
    if (file.ok) accountPolicies.push({ account: account.id, path: account.slaPolicyPath, policy: file.value });
    else accountProblems.push(...file.problems);
  }
  if (!lexicon.ok || !policy.ok || !templates.ok || !themes.ok || accountProblems.length > 0) {
    throw new ConfigError([
      ...accountProblems,
      ...(lexicon.ok ? [] : lexicon.problems),
      ...(policy.ok ? [] : policy.problems),
      ...(templates.ok ? [] : templates.problems),
      ...(themes.ok ? [] : themes.problems),
    ]);
  }
  return { lexicon: lexicon.value, policy: policy.value, accountPolicies, templates: templates.value, themes: themes.value };
}

/** Just the lexicon, for commands that only classify. */
export function loadLexicon(config: Config): Lexicon {
  const lexicon = readLexicon(config.paths.lexicon);
  if (!lexicon.ok) throw new ConfigError(lexicon.problems);
  return lexicon.value;
}

/**
 * Reads the lexicon and the medicines file it names (relative to the lexicon's folder unless
 * absolute), so a copied lexicon carries its vocabulary with it. Problems name the file.
 */
export function readLexicon(path: string): { ok: true; value: Lexicon } | { ok: false; problems: string[] } {
  const file = readJsonFile(path, lexiconSchema, 'LEXICON_PATH');
  if (!file.ok) return file;
  const medicinesPath = isAbsolute(file.value.medicinesFile) ? file.value.medicinesFile : resolve(dirname(path), file.value.medicinesFile);
  const medicines = readJsonFile(medicinesPath, medicinesSchema, `LEXICON_PATH (its "medicinesFile")`);
  if (!medicines.ok) return medicines;
  if (file.value.spanishFile === undefined) return { ok: true, value: { ...file.value, medicines: medicines.value } };
  const spanishPath = isAbsolute(file.value.spanishFile) ? file.value.spanishFile : resolve(dirname(path), file.value.spanishFile);
  const spanish = readJsonFile(spanishPath, spanishLexiconSchema, `LEXICON_PATH (its "spanishFile")`);
  if (!spanish.ok) return spanish;
  return { ok: true, value: { ...file.value, medicines: medicines.value, spanish: spanish.value } };
}

/** {@link readLexicon} for tests and benchmarks: throws the problems as one error. */
export function readLexiconOrThrow(path: string): Lexicon {
  const lexicon = readLexicon(path);
  if (!lexicon.ok) throw new ConfigError(lexicon.problems);
  return lexicon.value;
}
