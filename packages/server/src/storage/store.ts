/**
 * @module The storage interface every backend implements (SQLite, PostgreSQL). Operations and
 * the admin API see only this; deduplication and atomicity are the backend's job.
 */

import type { AuditEvent } from '../audit/event.js';
import type { EventToStore } from '../audit/call.js';
import type {
  AccessKey,
  Account,
  Agreement,
  Product,
  RegistrationToken,
  SigningKey,
} from '../domain/catalog.js';
import type { FaultRule } from '../domain/faults.js';
import type {
  DeliveryStatus,
  NewOutboxMessage,
  NotificationTarget,
  OutboxMessage,
  TargetState,
} from '../domain/notifications.js';
import type { UsageAllocation } from '../protocol/shapes.js';
import type { WriteHealthObserver, WriteStatus } from './health.js';

export type MeteringOperation = 'BatchMeterUsage' | 'MeterUsage';

/** A usage record as stored. `dedupeKey` is unique: a second insert returns the first. */
export interface UsageRecordRow {
  meteringRecordId: string;
  dedupeKey: string;
  /** What must match for a repeated record to count as the same one (e.g. its quantity). */
  fingerprint: string;
  /**
   * When no record with this dedupe key can arrive any more (its hour has left the 6-hour
   * window); null when the key never expires (a client token). A backend may then forget it.
   */
  dedupeUntil: Date | null;
  operation: MeteringOperation;
  productCode: string;
  customerAWSAccountId: string;
  customerIdentifier: string | null;
  licenseArn: string | null;
  dimension: string;
  usageTime: Date;
  quantity: number;
  allocations: UsageAllocation[] | null;
  callerAccountId: string;
  callerAccessKeyId: string;
  requestId: string;
  recordedAt: Date;
}

/** The outcome of inserting one record: the row that stands, and whether this call wrote it. */
export interface UsageOutcome {
  row: UsageRecordRow;
  created: boolean;
}

/** Everything a catalog holds, as applied in one transaction. */
export interface CatalogChange {
  accounts?: Account[];
  accessKeys?: AccessKey[];
  products?: Product[];
  agreements?: Agreement[];
  /** Notification targets, upserted by id (a new sns-http target with its confirmation). */
  notificationTargets?: NotificationTarget[];
  /** Outbox messages the change causes, written in its transaction (the transactional outbox). */
  notifications?: NewOutboxMessage[];
  /** Entries deleted, by id, before the upserts: children before their parents. */
  remove?: CatalogRemoval;
}

/**
 * Catalog entries to delete, by id. An account takes its access keys with it, and a product
 * its agreements; an account that still sells a product cannot be deleted. Usage records,
 * audit events and registration tokens are history and stay.
 */
export interface CatalogRemoval {
  accounts?: string[];
  accessKeys?: string[];
  products?: string[];
  agreements?: string[];
  /** Targets, with their messages not yet delivered and their delivery log. */
  notificationTargets?: string[];
}

export interface AgreementFilter {
  productCode?: string;
  customerAWSAccountId?: string;
  customerIdentifier?: string;
}

export interface EventFilter {
  eventName?: string;
  recipientAccountId?: string;
  /** The request id of the call the event records (its `requestID`). */
  requestId?: string;
  startTime?: Date;
  endTime?: Date;
  /** Return events with a sequence number greater than this (pagination). */
  after?: number;
  limit: number;
}

export interface StoredEvent {
  seq: number;
  event: AuditEvent;
}

export interface UsageFilter {
  productCode?: string;
  customerAWSAccountId?: string;
  dimension?: string;
  operation?: MeteringOperation;
  startTime?: Date;
  endTime?: Date;
  /** A cursor returned by the previous page (`UsagePage.next`); opaque, backend-specific. */
  after?: string;
  limit: number;
}

export interface UsagePage {
  records: UsageRecordRow[];
  /** Where the next page starts; absent when no record follows this page. */
  next?: string;
}

/** How a usage report's periods are cut, in UTC. */
export type ReportGranularity = 'hour' | 'day' | 'month';
/** What a usage report may group by besides its period (a tag key is asked apart). */
export type ReportGroup = 'product' | 'customer' | 'dimension';

/**
 * A usage report: quantities and record counts per period and group, from the hourly summary
 * (never the raw records). `from` and `to` are whole hours; `from` is included, `to` is not.
 */
export interface UsageReportQuery {
  from: Date;
  to: Date;
  granularity: ReportGranularity;
  /** In the order given: rows are sorted by period, then by these groups in this order. */
  groupBy: ReportGroup[];
  /** Group by the value of this allocation tag (at most one tag key per report). */
  tagKey?: string;
  productCode?: string;
  customerAWSAccountId?: string;
  dimension?: string;
  /** The last row of the previous page: the page starts after it (keyset order). */
  after?: UsageReportRow;
  limit: number;
}

/**
 * One row of a usage report; a group not asked for is absent. Quantities and counts are
 * bigints: a sum over millions of records may pass 2^53.
 */
export interface UsageReportRow {
  /** The period's start. */
  period: Date;
  productCode?: string;
  customerAWSAccountId?: string;
  dimension?: string;
  /** The tag's value; null for the quantity of allocations (and records) without the tag. */
  tagValue?: string | null;
  quantity: bigint;
  records: bigint;
}

/** The fault rules as one set; `version` grows with every change (0: never set). */
export interface StoredFaultRules {
  version: number;
  rules: FaultRule[];
}

/** Outbox messages a delivery loop takes, leased to it for a while. */
export interface ClaimRequest {
  /** Who leases them (one delivery loop); only its settlement counts while the lease holds. */
  owner: string;
  /** Messages due by this time (the server's clock, which tests may move). */
  dueBy: Date;
  /** Real time, against which leases expire. */
  now: Date;
  leaseMs: number;
  limit: number;
}

/** How an attempt ended: delivered, or failed and retried at `retryAt` (null: given up). */
export type Settlement =
  | { delivered: true; at: Date }
  | { delivered: false; error: string; retryAt: Date | null }
  /** Not sent, and not to be (`dropped`, with the reason as its last error); no attempt counted. */
  | { delivered: false; dropped: string };

export interface NotificationFilter {
  targetId?: string;
  status?: DeliveryStatus;
  /** Messages after this outbox sequence number (paging). */
  after?: number;
  limit: number;
}

/** The key and certificate SNS envelopes are signed with. */
export interface SnsSigningMaterial {
  privateKeyPem: string;
  certificatePem: string;
}

/** The clock's offset over real time, in milliseconds; `version` grows with every change. */
export interface StoredClock {
  version: number;
  offsetMs: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  // Catalog reads.
  getAccessKey(accessKeyId: string): Promise<AccessKey | undefined>;
  getAccount(accountId: string): Promise<Account | undefined>;
  getProduct(productCode: string): Promise<Product | undefined>;
  getAgreement(licenseArn: string): Promise<Agreement | undefined>;
  findAgreements(filter: AgreementFilter): Promise<Agreement[]>;
  /** A product's agreements with any of these customers, in one lookup (a metering call's). */
  findCustomerAgreements(
    productCode: string,
    customers: { accounts: string[]; identifiers: string[] },
  ): Promise<Agreement[]>;
  listAccounts(): Promise<Account[]>;
  listAccessKeys(accountId?: string): Promise<AccessKey[]>;
  listProducts(): Promise<Product[]>;

  // Catalog writes: deletes, then upserts by primary key, all in one transaction.
  applyCatalog(change: CatalogChange): Promise<void>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  putRegistrationToken(token: RegistrationToken): Promise<void>;
  getRegistrationToken(token: string): Promise<RegistrationToken | undefined>;

  // RegisterUsage: signing keys and the tasks that have registered.
  listSigningKeys(): Promise<SigningKey[]>;
  /** Adds a new current key and expires the previous current one at `previousExpiresAt`. */
  rotateSigningKey(key: SigningKey, previousExpiresAt: Date): Promise<void>;
  isTaskRegistered(accessKeyId: string, productCode: string): Promise<boolean>;
  /** Records a task's first RegisterUsage together with its audit event. */
  registerTask(
    accessKeyId: string,
    productCode: string,
    at: Date,
    event: EventToStore,
  ): Promise<void>;

  /**
   * Inserts usage records (an existing row with the same dedupe key wins), then lets `settle`
   * decide the call's answer and audit event from the outcomes, and commits the records and the
   * event together.
   */
  recordUsage<T>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => { value: T; event: EventToStore },
  ): Promise<T>;
  /** Appends an audit event on its own (a rejected call). */
  appendEvent(event: EventToStore): Promise<void>;

  // Reports.
  listEvents(filter: EventFilter): Promise<StoredEvent[]>;
  listUsage(filter: UsageFilter): Promise<UsagePage>;
  countUsage(): Promise<number>;
  /** One page of a usage report, in period-then-group order (see UsageReportQuery). */
  reportUsage(query: UsageReportQuery): Promise<UsageReportRow[]>;

  // Fault rules (see domain/faults.ts), shared by every instance on the database.
  getFaultRules(): Promise<StoredFaultRules>;
  /**
   * Replaces the rules with what `change` makes of the current ones, in one transaction (two
   * instances changing them at once do not lose a change); returns the set as stored.
   */
  updateFaultRules(change: (current: FaultRule[]) => FaultRule[]): Promise<StoredFaultRules>;

  // Notifications: targets (written through applyCatalog) and the outbox (domain/notifications.ts).
  listNotificationTargets(): Promise<NotificationTarget[]>;
  getNotificationTarget(id: string): Promise<NotificationTarget | undefined>;
  /**
   * Sets a target's state (an SNS subscription confirmed or unsubscribed); unsubscribing drops
   * its messages not yet delivered. False when there is no such target.
   */
  setNotificationTargetState(id: string, state: TargetState): Promise<boolean>;
  /**
   * Leases the due messages no lease holds, oldest first, whose target takes them now (an
   * sns-http target that is not confirmed takes only its confirmation). Instances sharing a
   * database never lease the same message at once.
   */
  claimNotifications(request: ClaimRequest): Promise<OutboxMessage[]>;
  /** Records an attempt's outcome and ends the lease, if `owner` still holds it. */
  settleNotification(seq: number, owner: string, settlement: Settlement): Promise<void>;
  /** The delivery log, in outbox order. */
  listNotifications(filter: NotificationFilter): Promise<OutboxMessage[]>;
  /**
   * The SNS signing key and certificate: those stored, else `create()`'s, stored first; every
   * instance on a database gets the same.
   */
  snsSigning(create: () => SnsSigningMaterial): Promise<SnsSigningMaterial>;

  // The clock (see operations/clock.ts), shared by every instance on the database.
  getClock(): Promise<StoredClock>;
  /** Sets the offset to what `change` makes of the current one, in one transaction. */
  updateClock(change: (offsetMs: number) => number): Promise<StoredClock>;

  /** Checks the database answers. */
  ping(): Promise<void>;
  /** Whether writes go through now, or since when and why they fail (see health.ts). */
  writeStatus(): WriteStatus;
  close(): Promise<void>;
}

/** Observes commits (for metrics). */
export type CommitObserver = (seconds: number, jobs: number) => void;

/** What every backend's options carry besides its database. */
export interface StoreObservers {
  onCommit?: CommitObserver;
  /** Told when writes start failing for a reason worth retrying, and when they recover. */
  onWriteHealth?: WriteHealthObserver;
}
