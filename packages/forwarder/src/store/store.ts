/**
 * @module What the forwarder keeps, whatever holds it: deduplicated events summed into hour
 * buckets, the frozen records each closed bucket sends, their outcomes, the dead letters and the
 * reconciliation. Every write that acknowledges something is durable when its promise resolves.
 */

import type { UsageEvent } from '../event.js';
import type { CustomerKind } from '../hours.js';

/** What to do with an event whose hour is already frozen (or can no longer be sent). */
export type LatePolicy = 'next-hour' | 'dead-letter';

/** The answer to an ingest: how many events were new, and how many were seen before. */
export interface IngestResult {
  accepted: number;
  duplicates: number;
}

export interface IngestOptions {
  now: number;
  latePolicy: LatePolicy;
}

/** A record's state: `frozen` waits to be sent (or sent again); the others are final. */
export type RecordState = 'frozen' | 'accepted' | 'dead-lettered';

/** An allocation of a record, as AWS's `UsageAllocation`. */
export interface Allocation {
  AllocatedUsageQuantity: number;
  Tags?: Array<{ Key: string; Value: string }>;
}

/** A frozen record: what is sent for one product (or licence), customer, dimension and hour. */
export interface FrozenRecord {
  rid: number;
  scope: string;
  hour: number;
  productCode: string | null;
  licenseArn: string | null;
  customerKind: CustomerKind;
  customer: string;
  dimension: string;
  quantity: number;
  allocations: Allocation[] | null;
  attempts: number;
}

/** A bucket claimed for sending: one scope and hour. */
export interface Claim {
  scope: string;
  hour: number;
}

/** The outcome of one record's send. */
export type Outcome =
  | { rid: number; state: 'accepted'; meteringRecordId: string }
  | { rid: number; state: 'dead-lettered'; reason: string; meteringRecordId?: string };

/** A dead letter: a record (or a late event) that was not billed, and why. */
export interface DeadLetter {
  /** `r<number>` for a record, `e<number>` for a late event. */
  id: string;
  kind: 'record' | 'late-event';
  hour: string;
  productCode: string | null;
  licenseArn: string | null;
  customerAWSAccountId?: string;
  customerIdentifier?: string;
  dimension: string;
  quantity: number;
  reason: string;
  meteringRecordId?: string;
  eventId?: string;
  at: string;
}

/** One line of the reconciliation: an hour × product × customer × dimension. */
export interface ReconciliationRow {
  hour: string;
  productCode: string | null;
  licenseArn: string | null;
  customerAWSAccountId?: string;
  customerIdentifier?: string;
  dimension: string;
  ingested: number;
  sent: number;
  accepted: number;
  deadLettered: number;
  pending: number;
  state: 'open' | 'frozen' | 'accepted' | 'dead-lettered';
  meteringRecordId?: string;
  reason?: string;
}

export interface ReconciliationQuery {
  /** Epoch ms, inclusive (hour starts). */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  productCode?: string;
}

/** Counts for metrics and readiness. */
export interface StoreStats {
  openBuckets: number;
  frozenBuckets: number;
  /** The start of the oldest hour with records not yet settled (open or frozen), epoch ms. */
  oldestUnsettledHour?: number;
  deadLetters: number;
}

export interface ForwarderStore {
  /** Stores new events (deduplicated by id) and adds them to their hours; durable on resolve. */
  ingest(events: UsageEvent[], options: IngestOptions): Promise<IngestResult>;
  /**
   * Freezes the records of every open bucket whose hour ended `closeAfterMs` ago or more. With
   * `sendZero`, scopes seen in the last 7 days get buckets for hours without usage, and each
   * frozen bucket gets zero records for the customers and dimensions of its scope seen then.
   * Answers the number of buckets frozen.
   */
  closeHours(now: number, closeAfterMs: number, sendZero: boolean): Promise<number>;
  /** Dead-letters, as expired, frozen records that can no longer be sent. */
  expire(now: number): Promise<number>;
  /** Takes a bucket with records to send whose retry time has come, for `leaseMs`. */
  claim(instance: string, now: number, leaseMs: number): Promise<Claim | undefined>;
  /**
   * Extends a claim held by `instance` to `now + leaseMs`; false when the claim was lost (its
   * lease ran out and another instance took the bucket over).
   */
  renew(instance: string, claim: Claim, now: number, leaseMs: number): Promise<boolean>;
  /** The frozen records of a claimed bucket, at most `limit`. */
  frozenRecords(claim: Claim, limit: number): Promise<FrozenRecord[]>;
  /** Records outcomes, and counts an attempt for the records handed back. */
  settle(outcomes: Outcome[], retried: number[], now: number): Promise<void>;
  /** Gives up a claim; the bucket is tried again at `retryAt` (epoch ms). */
  release(instance: string, claim: Claim, retryAt: number): Promise<void>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /** Sends a dead-lettered record again (a late event: adds it to the open hour). */
  retryDeadLetter(id: string, now: number): Promise<'retried' | 'not-found' | 'expired'>;
  reconciliation(query: ReconciliationQuery): Promise<ReconciliationRow[]>;
  stats(now: number): Promise<StoreStats>;
  /** Forgets event ids older than the window: they are no longer deduplicated. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
