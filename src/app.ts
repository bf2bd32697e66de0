import type { DestinationStream } from 'pino';
import { createClassifier } from './classify/classify-mention.js';
import type { Config } from './config.js';
import { loadDataFiles, type DataFiles } from './data-files.js';
import type { DigestSources } from './digest/collect-digest.js';
import { createRedactor } from './digest/redact.js';
import { createLogger, type Logger } from './logger.js';
import type { PipelineDeps } from './pipeline.js';
import { openStore } from './store/open-store.js';
import type { OpsRepository, Store } from './store/store-port.js';
import { storePolicyBook } from './triage/policy-book.js';
import { createReplyGuard } from './triage/reply-guard.js';
import { createMetrics, registerStoreGauges, type Metrics } from './web/metrics.js';

/**
 * Everything built from config that every command shares: data files, logger, store, pipeline.
 * No chat client here: reports and classify start without loading discord.js (src/main.ts wires chats).
 */
export interface App {
  config: Config;
  data: DataFiles;
  log: Logger;
  store: Store;
  deps: PipelineDeps;
  digest: DigestSources;
  metrics: Metrics;
  ops: OpsRepository;
  close(): Promise<void>;
}

export interface AppOptions {
  logDestination?: DestinationStream;
  now?: () => number;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const data = loadDataFiles(config);
  const log = createLogger(config.logLevel, options.logDestination);
  if (config.storeNotice) log.warn(config.storeNotice);
  const store = await openStore(config);
  const now = options.now ?? Date.now;
  let policies;
  try {
    policies = await storePolicyBook(store, data.policy, config.paths.slaPolicy, now());
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = createMetrics();
  const ops = store.ops;
  registerStoreGauges(metrics, { ops, readsInMonth: () => store.readsInMonth(now()) });
  const deps: PipelineDeps = {
    store,
    classifier: createClassifier(data.lexicon, { influentialFollowers: config.influentialFollowers }),
    policy: policies.current,
    policies,
    templates: data.templates,
    guard: createReplyGuard(data.lexicon),
    log,
    now,
    metrics,
  };
  const digest: DigestSources = { store, queries: store.digestQueries, policies, themes: data.themes, redact: createRedactor(data.lexicon) };
  return { config, data, log, store, deps, digest, metrics, ops, close: () => store.close() };
}
