import { lexiconSchema, type Lexicon } from './classify/lexicon.js';
import type { Config } from './config.js';
import { slaPolicySchema, type SlaPolicy } from './triage/sla-policy.js';
import { templatesSchema, type TemplatesFile } from './triage/reply-templates.js';
import { readJsonFile } from './util/data-file.js';
import { ConfigError } from './util/errors.js';
import { themesSchema, type ThemesFile } from './digest/collect-digest.js';

export interface DataFiles {
  lexicon: Lexicon;
  policy: SlaPolicy;
  templates: TemplatesFile;
  themes: ThemesFile;
}

/** Reads and validates every editable data file; all problems in all files are thrown together. */
export function loadDataFiles(config: Config): DataFiles {
  const lexicon = readJsonFile(config.paths.lexicon, lexiconSchema, 'LEXICON_PATH');
  const policy = readJsonFile(config.paths.slaPolicy, slaPolicySchema, 'SLA_POLICY_PATH');
  const templates = readJsonFile(config.paths.templates, templatesSchema, 'TEMPLATES_PATH');
  const themes = readJsonFile(config.paths.themes, themesSchema, 'THEMES_PATH');
  if (!lexicon.ok || !policy.ok || !templates.ok || !themes.ok) {
    throw new ConfigError([
      ...(lexicon.ok ? [] : lexicon.problems),
      ...(policy.ok ? [] : policy.problems),
      ...(templates.ok ? [] : templates.problems),
      ...(themes.ok ? [] : themes.problems),
    ]);
  }
  return { lexicon: lexicon.value, policy: policy.value, templates: templates.value, themes: themes.value };
}

/** Just the lexicon, for commands that only classify. */
export function loadLexicon(config: Config): Lexicon {
  const lexicon = readJsonFile(config.paths.lexicon, lexiconSchema, 'LEXICON_PATH');
  if (!lexicon.ok) throw new ConfigError(lexicon.problems);
  return lexicon.value;
}
