import type { Config } from './config.js';
import { readSlaPolicyFiles, type SlaPolicyFiles } from './sla-policy-files.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store-port.js';
import type { SqliteOptions } from './store/sqlite-store.js';
import { storePolicyBook, type PolicyBook } from './triage/policy-book.js';
import { ConfigError } from './util/errors.js';

/**
 * What the reports (`sla-report`, `digest`) need: the store and the SLA policy book over it. No
 * classifier, reply guard, metrics or chat: a report process starts without loading them.
 */
export interface ReportApp {
  config: Config;
  /** The SLA policy files, as read (the current policy and the accounts' own). */
  policyFiles: SlaPolicyFiles;
  store: Store;
  policies: PolicyBook;
  now: () => number;
  close(): Promise<void>;
}

export interface ReportAppOptions {
  now?: () => number;
  /** Already read (createApp reads every data file at once, to list every problem together). */
  policyFiles?: SlaPolicyFiles;
  /** Where the store notice goes; by default a warn line from a logger made only then. */
  warn?: (message: string) => void;
  /** SQLite: map the database file (default true; see {@link SqliteOptions.mapFile}). */
  mapFile?: boolean;
}

/** Opens the store and records the SLA policy versions in it, as every command that reads alerts does. */
export async function openReportApp(config: Config, options: ReportAppOptions = {}): Promise<ReportApp> {
  const policyFiles = options.policyFiles ?? readPolicyFilesOrThrow(config);
  if (config.storeNotice) {
    if (options.warn) options.warn(config.storeNotice);
    else (await import('./logger.js')).createLogger(config.logLevel).warn(config.storeNotice);
  }
  const store = await openStore(config, { mapFile: options.mapFile ?? true });
  const now = options.now ?? Date.now;
  try {
    const others = policyFiles.accountPolicies.map((p) => ({ policy: p.policy, where: `${p.path} (the "slaPolicy" of account ${p.account})` }));
    const policies = await storePolicyBook(store, policyFiles.policy, config.paths.slaPolicy, now(), others);
    return { config, policyFiles, store, policies, now, close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function readPolicyFilesOrThrow(config: Config): SlaPolicyFiles {
  const files = readSlaPolicyFiles(config);
  if (!files.ok) throw new ConfigError(files.problems);
  return files.value;
}
