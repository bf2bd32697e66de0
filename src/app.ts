import type { DestinationStream } from 'pino';
import { accountDirectory } from './accounts.js';
import { createClassifier } from './classify/classify-mention.js';
import type { Config } from './config.js';
import { loadDataFiles, type DataFiles } from './data-files.js';
import { digestSources, type DigestSources } from './digest/collect-digest.js';
import { createLogger, type Logger } from './logger.js';
import type { PipelineDeps } from './pipeline.js';
import { openReportApp } from './report-app.js';
import type { OpsRepository, Store } from './store/store-port.js';
import type { PolicyBook } from './triage/policy-book.js';
import type { CompiledPolicy } from './triage/sla-policy.js';
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
  // The bot and `poll` write far more than they scan: no memory map, so the index pages an ingest
  // updates stay out of the RSS (a 1,000,000-mention replay peaked at ~600 MB with it, 264 MB without).
  const { store, policies, now } = await openReportApp(config, { policyFiles: data, warn: (message) => log.warn(message), mapFile: false, ...(options.now && { now: options.now }) });
  const metrics = createMetrics();
  const ops = store.ops;
  registerStoreGauges(metrics, { ops, readsInMonth: () => store.readsInMonth(now()) });
  const accounts = accountDirectory(config.accounts);
  const deps: PipelineDeps = {
    store,
    classifier: createClassifier(data.lexicon, { influentialFollowers: config.influentialFollowers }),
    policy: policies.current,
    policies,
    ...(data.accountPolicies.length > 0 && { policyFor: accountPolicyLookup(data.accountPolicies, policies) }),
    templates: data.templates,
    guard: createReplyGuard(data.lexicon),
    log,
    now,
    metrics,
    accounts,
  };
  const digest = digestSources({ store, policies }, data, accounts);
  return { config, data, log, store, deps, digest, metrics, ops, close: () => store.close() };
}

/** New alerts of an account with its own policy are opened under it (and measured by it ever after, by its version). */
function accountPolicyLookup(accountPolicies: DataFiles['accountPolicies'], policies: PolicyBook): (account: string | undefined) => CompiledPolicy | undefined {
  const byAccount = new Map(accountPolicies.map((p) => [p.account, policies.version(p.policy.version)]));
  return (account) => (account === undefined ? undefined : byAccount.get(account));
}
