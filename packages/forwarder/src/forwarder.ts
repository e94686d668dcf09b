/**
 * @module The forwarder: `record(events)` checks, deduplicates and durably stores usage events;
 * its loops close hours (freezing their records before the first send), dead-letter what can no
 * longer be sent, and send the frozen records with BatchMeterUsage at a bounded rate, each call
 * retried with backoff and jitter until every record is accepted or dead-lettered.
 */

import { randomUUID } from 'node:crypto';
import { marketplacemetering, type MarketplaceMeteringClient } from '@meterd/client';
import type { Logger } from 'pino';
import { eventsOf, parseEvent, type UsageEvent } from './event.js';
import { HOUR_MS } from './hours.js';
import { ForwarderMetrics } from './metrics.js';
import { MAX_RECORDS_PER_CALL, sendCall } from './sender.js';
import type { ForwarderStore, FrozenRecord, LatePolicy, StoreStats } from './store/store.js';
import { TokenBucket } from './token-bucket.js';

/** The answer to `record()` and to `POST /v1/usage-events`. */
export interface RecordResult {
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; reason: string }>;
}

export interface ForwarderOptions {
  store: ForwarderStore;
  /** The client calls go through; else one is made from `targetEndpoint` and `region`. */
  client?: MarketplaceMeteringClient;
  targetEndpoint?: string;
  region?: string;
  /** Seconds after an hour ends before it is closed and frozen. Default 600. */
  closeAfterSeconds?: number;
  latePolicy?: LatePolicy;
  sendZero?: boolean;
  /** Seconds after an hour ends before a not yet accepted hour raises the alarm. Default 3 h. */
  alarmAfterSeconds?: number;
  /** Event ids are deduplicated for this long. Default 7 days. */
  dedupeWindowSeconds?: number;
  /** BatchMeterUsage calls a second at most. Default 10 (AWS's quota). */
  rate?: number;
  /** Calls in flight at once. Default 4. */
  concurrency?: number;
  /** Seconds one call may take before it is abandoned and sent again. Default 30. */
  callTimeoutSeconds?: number;
  /** This instance's name in bucket claims. Default a random UUID. */
  instance?: string;
  logger?: Logger;
  metrics?: ForwarderMetrics;
  now?: () => number;
}

const BASE_BACKOFF_MS = 200;
const THROTTLE_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
/** How long a claim on a bucket lasts unless renewed: after it, another instance takes it over. */
export const CLAIM_LEASE_MS = 30_000;

/**
 * The wait before the `n`-th retry (0-based): full jitter over `min(cap, base × 2^n)`.
 * @example backoff(3, false, () => 0.5); // 800
 */
export function backoff(n: number, throttled: boolean, random: () => number = Math.random): number {
  const base = throttled ? THROTTLE_BACKOFF_MS : BASE_BACKOFF_MS;
  return Math.floor(random() * Math.min(MAX_BACKOFF_MS, base * 2 ** Math.min(n, 20)));
}

/**
 * Usage events in, hourly records out.
 *
 * @example
 * const forwarder = new Forwarder({ store: openSqliteStore('./data'), targetEndpoint: 'http://127.0.0.1:9400', region: 'us-east-1' });
 * await forwarder.record([{ id: 'e1', productCode: 'demo-saas', customerIdentifier: 'demo-customer', dimension: 'requests', quantity: 1, timestamp: new Date().toISOString() }]);
 * forwarder.start();
 */
export class Forwarder {
  readonly store: ForwarderStore;
  readonly metrics: ForwarderMetrics;
  readonly instance: string;
  private readonly client: MarketplaceMeteringClient;
  private readonly o: Required<
    Pick<
      ForwarderOptions,
      | 'closeAfterSeconds'
      | 'latePolicy'
      | 'sendZero'
      | 'alarmAfterSeconds'
      | 'dedupeWindowSeconds'
      | 'concurrency'
    >
  >;
  private readonly bucket: TokenBucket;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private running = false;
  private loops: Array<Promise<void>> = [];
  private wake: Array<() => void> = [];
  private readonly retries = new Map<string, number>();
  private lastStats: StoreStats | undefined;
  private lastPrune = 0;
  private alarmed = false;

  constructor(options: ForwarderOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.log = options.logger;
    this.metrics = options.metrics ?? new ForwarderMetrics();
    this.instance = options.instance ?? randomUUID();
    this.o = {
      closeAfterSeconds: options.closeAfterSeconds ?? 600,
      latePolicy: options.latePolicy ?? 'next-hour',
      sendZero: options.sendZero ?? false,
      alarmAfterSeconds: options.alarmAfterSeconds ?? 3 * 3600,
      dedupeWindowSeconds: options.dedupeWindowSeconds ?? 7 * 86_400,
      concurrency: options.concurrency ?? 4,
    };
    const rate = options.rate ?? 10;
    this.bucket = new TokenBucket(rate, Math.max(1, Math.min(rate, 10)));
    this.client =
      options.client ??
      marketplacemetering({
        ...(options.targetEndpoint ? { endpoint: options.targetEndpoint } : {}),
        ...(options.region ? { region: options.region } : {}),
        // The forwarder retries itself, per bucket, for as long as the hour can be sent.
        config: { max_retries: 0, timeout: options.callTimeoutSeconds ?? 30 },
      });
  }

  /**
   * Checks and stores events; resolves once the accepted ones are durable. Each refused event
   * is named by its index with the reason; an event seen before (by `id`) counts as a duplicate.
   */
  async record(input: unknown[]): Promise<RecordResult> {
    const now = this.now();
    const events: UsageEvent[] = [];
    const rejected: RecordResult['rejected'] = [];
    const oldest = now - this.o.dedupeWindowSeconds * 1000;
    input.forEach((raw, index) => {
      const e = parseEvent(raw, now);
      if (typeof e === 'string') rejected.push({ index, reason: e });
      else if (e.time < oldest)
        rejected.push({ index, reason: 'timestamp is older than the deduplication window' });
      else events.push(e);
    });
    const { accepted, duplicates } =
      events.length > 0
        ? await this.store.ingest(events, { now, latePolicy: this.o.latePolicy })
        : { accepted: 0, duplicates: 0 };
    this.metrics.ingested.inc(accepted);
    this.metrics.duplicates.inc(duplicates);
    this.metrics.rejected.inc(rejected.length);
    return { accepted, duplicates, rejected };
  }

  /** `record()` for a request body: `{"events": [...]}` or a CloudEvents batch. */
  async recordBody(body: unknown, cloudEvents: boolean): Promise<RecordResult | string> {
    const events = eventsOf(body, cloudEvents);
    return typeof events === 'string' ? events : this.record(events);
  }

  /** Closes due hours, dead-letters expired records, forgets old ids, and refreshes the gauges. */
  async tick(): Promise<void> {
    const now = this.now();
    const frozen = await this.store.closeHours(
      now,
      this.o.closeAfterSeconds * 1000,
      this.o.sendZero,
    );
    if (frozen > 0) {
      this.log?.info({ buckets: frozen }, 'hours closed: records frozen for sending');
      for (const w of this.wake.splice(0)) w();
    }
    const expired = await this.store.expire(now);
    if (expired > 0)
      this.log?.error(
        { records: expired },
        'records dead-lettered as expired: not accepted within 6 hours',
      );
    if (now - this.lastPrune > 60_000) {
      this.lastPrune = now;
      await this.store.prune(now - this.o.dedupeWindowSeconds * 1000);
    }
    const stats = await this.store.stats(now);
    this.lastStats = stats;
    this.metrics.openHours.set(stats.openBuckets);
    this.metrics.frozenHours.set(stats.frozenBuckets);
    this.metrics.deadLetters.set(stats.deadLetters);
    const age =
      stats.oldestUnsettledHour === undefined ? 0 : (now - stats.oldestUnsettledHour) / 1000;
    this.metrics.oldestAge.set(age);
    const alarm = this.alarm(now);
    this.metrics.alarm.set(alarm ? 1 : 0);
    if (alarm && !this.alarmed)
      this.log?.error({ alarm }, 'deadline alarm: an hour is not accepted');
    if (!alarm && this.alarmed) this.log?.info('deadline alarm cleared');
    this.alarmed = alarm !== undefined;
  }

  /**
   * Why the forwarder is behind, when it is: an hour not accepted `alarmAfterSeconds` after
   * its end (from the last `tick`).
   */
  alarm(now = this.now()): string | undefined {
    const oldest = this.lastStats?.oldestUnsettledHour;
    if (oldest === undefined) return undefined;
    const end = oldest + HOUR_MS;
    if (now - end < this.o.alarmAfterSeconds * 1000) return undefined;
    return `the hour of ${new Date(oldest).toISOString()} is not accepted ${Math.floor(
      (now - end) / 60_000,
    )} minutes after its end`;
  }

  /**
   * Sends what one claimed bucket has frozen. Answers false when no bucket was ready. Each
   * sender loop claims in its own name (`instance/worker`), so that two never share a bucket.
   */
  async sendOnce(worker = 0): Promise<boolean> {
    const claimant = `${this.instance}/${worker}`;
    const claim = await this.store.claim(claimant, this.now(), CLAIM_LEASE_MS);
    if (!claim) return false;
    const bucketKey = `${claim.scope}\x1e${claim.hour}`;
    let retryAt = 0;
    try {
      for (;;) {
        // Up to `concurrency` calls of this bucket at once, each of its own 25 records.
        const records = await this.store.frozenRecords(
          claim,
          MAX_RECORDS_PER_CALL * this.o.concurrency,
        );
        if (records.length === 0) break;
        const calls: FrozenRecord[][] = [];
        for (let i = 0; i < records.length; i += MAX_RECORDS_PER_CALL)
          calls.push(records.slice(i, i + MAX_RECORDS_PER_CALL));
        const results = await Promise.all(
          calls.map(async (call) => {
            await this.bucket.take();
            return sendCall(this.client, call);
          }),
        );
        const outcomes = results.flatMap((r) => r.outcomes);
        const retried = results.flatMap((r) => r.retried);
        await this.store.settle(outcomes, retried, this.now());
        for (const result of results) this.metrics.sends.inc({ outcome: result.outcome });
        for (const o of outcomes) {
          this.metrics.records.inc({
            outcome: o.state === 'accepted' ? 'accepted' : 'dead-lettered',
          });
          if (o.state === 'dead-lettered')
            this.log?.warn(
              {
                scope: claim.scope,
                hour: new Date(claim.hour * HOUR_MS).toISOString(),
                reason: o.reason,
              },
              'record dead-lettered',
            );
        }
        if (retried.length > 0) {
          // Progress (some records settled) resets the backoff; a round with none doubles it.
          const n = outcomes.length > 0 ? 0 : (this.retries.get(bucketKey) ?? 0);
          this.retries.set(bucketKey, n + 1);
          const throttled = results.some((r) => r.throttled);
          retryAt = this.now() + backoff(n, throttled);
          const reason = results.find((r) => r.retryReason)?.retryReason;
          this.log?.warn(
            { scope: claim.scope, reason: reason ?? 'records handed back', retry: n + 1 },
            'records to be sent again',
          );
          break;
        }
        this.retries.delete(bucketKey);
        if (!this.running) break;
        // A long hour keeps its claim; a claim lost (the lease ran out) is another's now.
        if (!(await this.store.renew(claimant, claim, this.now(), CLAIM_LEASE_MS))) break;
      }
    } finally {
      await this.store.release(claimant, claim, retryAt);
    }
    return true;
  }

  /** Starts the loops: one that ticks every `tickMs`, and `concurrency` senders. */
  start(tickMs = 1000): void {
    if (this.running) return;
    this.running = true;
    const ticker = async () => {
      while (this.running) {
        try {
          await this.tick();
        } catch (err) {
          this.log?.error({ err }, 'tick failed');
        }
        await this.sleep(tickMs);
      }
    };
    const sender = async (_: unknown, worker: number) => {
      while (this.running) {
        let sent = false;
        try {
          sent = await this.sendOnce(worker);
        } catch (err) {
          this.log?.error({ err }, 'send failed');
        }
        if (!sent) await this.sleep(Math.min(tickMs, 250));
      }
    };
    this.loops = [ticker(), ...Array.from({ length: this.o.concurrency }, sender)];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake.push(done);
    });
  }

  /** Stops the loops once their calls in flight are done. */
  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.wake.splice(0)) w();
    await Promise.all(this.loops);
    this.loops = [];
  }
}
