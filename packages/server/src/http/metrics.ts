/**
 * @module Prometheus metrics, named by Prometheus's conventions (a counter ends in `_total`, a
 * unit is a suffix, no gauge ends in `_total`) with label sets bounded by the catalog (no
 * customer, request or access key in a label): requests and errors by operation and type,
 * records by status, the billed quantity by product and dimension, request latency, storage
 * commit latency, the store's episodes of unavailability, the log lines dropped, the build, and
 * prom-client's process and Node.js metrics under their usual names, for stock dashboards.
 */

import { readFileSync } from 'node:fs';
import type { UsageRecordRow } from '../storage/store.js';
import type { WriteHealthObserver } from '../storage/health.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** meterd's version, from its package.json (two levels up from src/http/ and dist/http/). */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'meterd_requests_total',
    help: 'Metering API requests by operation and outcome (Success or the error shape name).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'meterd_request_duration_seconds',
    help: 'Metering API request latency by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly records = new Counter({
    name: 'meterd_usage_records_total',
    help: 'Usage records answered, by operation and status (Success counts a repeated record each time it is answered).',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly quantity = new Counter({
    name: 'meterd_usage_quantity_total',
    help: 'Billed quantity of the usage records stored, by product and dimension; a repeated record is counted once, when first stored.',
    labelNames: ['product_code', 'dimension'] as const,
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'meterd_build_info',
    help: 'Always 1; its labels name the meterd version and the Node.js version it runs on.',
    labelNames: ['version', 'nodejs_version'] as const,
    registers: [this.registry],
  });
  readonly commitLatency = new Histogram({
    name: 'meterd_storage_commit_seconds',
    help: 'Time to run and durably commit one group transaction.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly commitJobs = new Histogram({
    name: 'meterd_storage_commit_jobs',
    help: 'Writes grouped into one transaction.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly storeUnavailable = new Gauge({
    name: 'meterd_store_unavailable',
    help: '1 while the store refuses writes for a reason worth retrying (a full disk, a lost database), else 0.',
    registers: [this.registry],
  });
  readonly storeEpisodes = new Counter({
    name: 'meterd_store_unavailable_episodes_total',
    help: 'Episodes in which the store refused writes, each from its first failed write to the next one that committed.',
    registers: [this.registry],
  });

  readonly logLinesDropped = new Counter({
    name: 'meterd_log_lines_dropped_total',
    help: 'Log lines dropped because the log destination failed (a full disk) or did not keep up.',
    registers: [this.registry],
  });

  readonly faultsInjected = new Counter({
    name: 'meterd_faults_injected_total',
    help: 'Faults injected by the fault rules, by rule id and effect (error, latency, dropConnection, unprocessed).',
    labelNames: ['rule', 'effect'] as const,
    registers: [this.registry],
  });
  readonly throttled = new Counter({
    name: 'meterd_throttled_total',
    help: 'Calls refused with ThrottlingException by the AWS quotas (--aws-quotas), by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Unprefixed, as every Node.js dashboard expects them; prom-client names a few gauges
    // `nodejs_active_*_total`, kept as they are for the same reason.
    collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: VERSION, nodejs_version: process.version }, 1);
  }

  /**
   * For the dispatcher: the records a call stored, once committed. A record answered again
   * (a retry, a duplicate) is not stored again and not counted again.
   */
  readonly observeStored = (rows: readonly UsageRecordRow[]) => {
    for (const row of rows)
      this.quantity.inc({ product_code: row.productCode, dimension: row.dimension }, row.quantity);
  };

  /** For the store's commit observer. */
  readonly observeCommit = (seconds: number, jobs: number) => {
    this.commitLatency.observe(seconds);
    this.commitJobs.observe(jobs);
  };
}

/**
 * Follows the store's write health: one log line when an episode starts and one when it ends,
 * whatever the number of calls refused meanwhile, and the episode's metrics.
 */
export function writeHealthObserver(
  metrics: Metrics,
  log: {
    error(details: object, message: string): void;
    info(details: object, message: string): void;
  },
): WriteHealthObserver {
  return {
    unavailable(reason, since) {
      metrics.storeUnavailable.set(1);
      metrics.storeEpisodes.inc();
      log.error(
        { reason, since: since.toISOString() },
        'store unavailable: writes are refused as retryable until one commits',
      );
    },
    recovered(reason, downSeconds, failures) {
      metrics.storeUnavailable.set(0);
      log.info({ reason, downSeconds, failures }, 'store available again');
    },
  };
}
