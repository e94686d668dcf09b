/**
 * @module Prometheus metrics: requests and errors by operation and type, records by status,
 * request latency, storage commit latency, the store's episodes of unavailability and the log
 * lines dropped.
 */

import type { WriteHealthObserver } from '../storage/health.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    help: 'Usage records answered, by operation and status.',
    labelNames: ['operation', 'status'] as const,
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
    collectDefaultMetrics({ register: this.registry, prefix: 'meterd_' });
  }

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
