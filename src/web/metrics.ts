import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OpsRepository } from '../store/store-port.js';
import type { MonthlyReads } from '../store/store-port.js';
import { estimateXCost } from '../sources/x/x-usage.js';

/**
 * The bot's Prometheus metrics, in a registry of its own (not prom-client's global one, so two apps
 * in one test process never share counters). Counters count what this process did since it
 * started; gauges read from the database at each scrape, so they hold across restarts.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly mentionsRead: Counter<'source'>;
  readonly mentionsStored: Counter<'source'>;
  readonly duplicates: Counter<'source'>;
  readonly pollDuration: Histogram<'source'>;
  readonly cardsPosted: Counter<'chat'>;
  readonly cardsFailed: Counter<'chat'>;
  readonly notificationsSent: Counter<'chat'>;
  readonly rateLimited: Counter<'service'>;
  readonly jobRuns: Counter<'job' | 'outcome'>;
}

export interface MetricsSources {
  ops: Pick<OpsRepository, 'gauges'>;
  readsInMonth: () => Promise<readonly MonthlyReads[]>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    mentionsRead: new Counter({ name: 'triage_mentions_read_total', help: 'Mentions read from each source', labelNames: ['source'], registers }),
    mentionsStored: new Counter({ name: 'triage_mentions_stored_total', help: 'New mentions stored, per source (duplicates excluded)', labelNames: ['source'], registers }),
    duplicates: new Counter({ name: 'triage_mentions_duplicate_total', help: 'Mentions read again and skipped', labelNames: ['source'], registers }),
    pollDuration: new Histogram({ name: 'triage_poll_duration_seconds', help: 'How long one poll of one source took', labelNames: ['source'], buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers }),
    cardsPosted: new Counter({ name: 'triage_cards_posted_total', help: 'Alerts delivered to chat (a storm card counts every alert it carries)', labelNames: ['chat'], registers }),
    cardsFailed: new Counter({ name: 'triage_cards_failed_total', help: 'Alert deliveries that failed and stay in the outbox', labelNames: ['chat'], registers }),
    notificationsSent: new Counter({ name: 'triage_sla_notifications_sent_total', help: 'SLA reminders and escalations sent', labelNames: ['chat'], registers }),
    rateLimited: new Counter({ name: 'triage_rate_limited_total', help: 'Rate limits met (HTTP 429 or a limit the client waited out)', labelNames: ['service'], registers }),
    jobRuns: new Counter({ name: 'triage_job_runs_total', help: 'Scheduled job runs by outcome', labelNames: ['job', 'outcome'], registers }),
  };
}

/** Adds the gauges read from the database at scrape time, and Node's process metrics. */
export function registerStoreGauges(metrics: Metrics, sources: MetricsSources): void {
  const registers = [metrics.registry];
  collectDefaultMetrics({ register: metrics.registry, prefix: 'triage_' });
  new Gauge({
    name: 'triage_alerts',
    help: 'Alerts in the database by urgency and state',
    labelNames: ['urgency', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const row of (await sources.ops.gauges()).alerts) this.set({ urgency: row.urgency, state: row.state }, row.n);
    },
  });
  new Gauge({ name: 'triage_outbox_depth', help: 'Alerts waiting to be posted to chat', registers, async collect() { this.set((await sources.ops.gauges()).outboxDepth); } });
  new Gauge({ name: 'triage_outbox_undeliverable', help: 'Alerts set aside because their card cannot be drawn (see triage doctor)', registers, async collect() { this.set((await sources.ops.gauges()).undeliverable); } });
  new Gauge({ name: 'triage_sla_notification_backlog', help: 'SLA reminders and escalations recorded but not yet sent', registers, async collect() { this.set((await sources.ops.gauges()).notificationBacklog); } });
  new Gauge({
    name: 'triage_sla_breaches',
    help: 'SLA breaches recorded, all time, by kind (breach, breach-2, resolution-breach)',
    labelNames: ['kind'],
    registers,
    async collect() {
      this.reset();
      for (const row of (await sources.ops.gauges()).breaches) this.set({ kind: row.kind }, row.n);
    },
  });
  new Gauge({
    name: 'triage_x_reads_month',
    help: 'Posts read from X this calendar month (X bills per post read), by stream',
    labelNames: ['stream'],
    registers,
    async collect() {
      this.reset();
      for (const row of await sources.readsInMonth()) if (row.source === 'x') this.set({ stream: row.stream }, row.reads);
    },
  });
  new Gauge({
    name: 'triage_x_estimated_cost_usd_month',
    help: 'Estimated USD for the posts read from X this calendar month',
    registers,
    async collect() {
      this.set(estimateXCost(await sources.readsInMonth()));
    },
  });
}
