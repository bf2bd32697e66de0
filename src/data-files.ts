import type { Lexicon } from './classify/lexicon.js';
import { readLexicon } from './lexicon-files.js';
import type { Config } from './config.js';
import { readSlaPolicyFiles, type SlaPolicyFiles } from './sla-policy-files.js';
import { templatesSchema, type TemplatesFile } from './triage/reply-templates.js';
import { readJsonFile } from './util/data-file.js';
import { ConfigError } from './util/errors.js';
import { themesSchema, type ThemesFile } from './digest/collect-digest.js';

/** Moved to lexicon-files.ts (classify and reply check read only the lexicon); kept here for callers. */
export { loadLexicon, readLexicon, readLexiconOrThrow } from './lexicon-files.js';

/** What the digest reads: the SLA policies, the lexicon's health words (to redact quotes) and the themes. */
export interface DigestFiles extends SlaPolicyFiles {
  lexicon: Lexicon;
  themes: ThemesFile;
}

export interface DataFiles extends DigestFiles {
  templates: TemplatesFile;
}

/** Reads and validates every editable data file; all problems in all files are thrown together. */
export function loadDataFiles(config: Config): DataFiles {
  const templates = readJsonFile(config.paths.templates, templatesSchema, 'TEMPLATES_PATH');
  const files = readDigestFilesOr(config, templates.ok ? [] : templates.problems);
  return { ...files, templates: (templates as { value: TemplatesFile }).value };
}

/** The digest's data files (not the reply templates); all their problems thrown together. */
export function readDigestFiles(config: Config): DigestFiles {
  return readDigestFilesOr(config, []);
}

function readDigestFilesOr(config: Config, otherProblems: readonly string[]): DigestFiles {
  const lexicon = readLexicon(config.paths.lexicon);
  const policies = readSlaPolicyFiles(config);
  const themes = readJsonFile(config.paths.themes, themesSchema, 'THEMES_PATH');
  if (!lexicon.ok || !policies.ok || !themes.ok || otherProblems.length > 0) {
    throw new ConfigError([
      ...(policies.ok ? [] : policies.problems),
      ...(lexicon.ok ? [] : lexicon.problems),
      ...otherProblems,
      ...(themes.ok ? [] : themes.problems),
    ]);
  }
  return { ...policies.value, lexicon: lexicon.value, themes: themes.value };
}
