/**
 * @module The forwarder's Prometheus metrics, in a registry of its own (`meterd_forward_*`), with
 * Node's process metrics.
 */

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class ForwarderMetrics {
  readonly registry = new Registry();
  readonly ingested = new Counter({
    name: 'meterd_forward_events_ingested_total',
    help: 'Usage events accepted and durably stored',
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'meterd_forward_events_duplicated_total',
    help: 'Usage events answered as duplicates (an id seen within the deduplication window)',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'meterd_forward_events_rejected_total',
    help: 'Usage events refused as invalid',
    registers: [this.registry],
  });
  readonly openHours = new Gauge({
    name: 'meterd_forward_open_hours',
    help: 'Hour buckets (product or licence × hour) still taking events',
    registers: [this.registry],
  });
  readonly frozenHours = new Gauge({
    name: 'meterd_forward_frozen_hours',
    help: 'Hour buckets frozen with records still to send',
    registers: [this.registry],
  });
  readonly oldestAge = new Gauge({
    name: 'meterd_forward_oldest_unaccepted_hour_age_seconds',
    help: 'Seconds since the start of the oldest hour not yet accepted or dead-lettered (0 when none)',
    registers: [this.registry],
  });
  readonly alarm = new Gauge({
    name: 'meterd_forward_deadline_alarm',
    help: '1 while an hour is not accepted within the alarm time after its end',
    registers: [this.registry],
  });
  readonly sends = new Counter({
    name: 'meterd_forward_sends_total',
    help: 'BatchMeterUsage calls by outcome: success, partial, retry, throttled, failed',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly records = new Counter({
    name: 'meterd_forward_records_total',
    help: 'Records settled by outcome: accepted, dead-lettered',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly deadLetters = new Gauge({
    name: 'meterd_forward_dead_letters',
    help: 'Dead letters held (records and late events)',
    registers: [this.registry],
  });

  /**
   * @example
   * const metrics = new ForwarderMetrics({ process: true });
   * await metrics.registry.metrics(); // the exposition text
   */
  constructor({ process = false }: { process?: boolean } = {}) {
    if (process) collectDefaultMetrics({ register: this.registry });
  }
}
