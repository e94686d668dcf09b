/**
 * @module One BatchMeterUsage call for up to 25 frozen records of one product (or licence), read
 * record by record. `Success` is accepted with its `MeteringRecordId`; `CustomerNotSubscribed` and
 * `DuplicateRecord` are dead-lettered with the reason; records in `UnprocessedRecords` (or missing
 * from the answer) are sent again. A failure worth retrying (throttling, a 5xx answer, a timeout,
 * a network error, a credentials or signing problem) sends the whole call again later; any other
 * error the service answers (`TimestampOutOfBoundsException`, `InvalidLicenseException`, an
 * invalid product or dimension, ...) dead-letters the call's records with AWS's message.
 */

import {
  MarketplaceMeteringServiceException,
  type MarketplaceMeteringClient,
  type UsageRecord,
} from '@meterd/client';
import { HOUR_MS } from './hours.js';
import type { FrozenRecord, Outcome } from './store/store.js';

/** At most this many records per call (AWS's limit). */
export const MAX_RECORDS_PER_CALL = 25;

/** What one call came to. */
export interface CallResult {
  outcomes: Outcome[];
  /** Records to send again. */
  retried: number[];
  /** Why the whole call is to be sent again, when it is. */
  retryReason?: string;
  throttled: boolean;
  /** `success`, `partial` (some handed back), `retry`, `throttled` or `failed` (dead-lettered). */
  outcome: 'success' | 'partial' | 'retry' | 'throttled' | 'failed';
}

/**
 * Codes sent again: transient ones, and those that say the caller's set-up (credentials, signing)
 * is wrong rather than the records, which are sent once it is fixed.
 */
const RETRY_CODES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'AccessDeniedException',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'InternalServiceErrorException',
  'ThrottlingException',
]);

/**
 * Whether a failed call is sent again (rather than its records dead-lettered).
 * @example isRetryable(new Error('socket hang up')); // true
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof MarketplaceMeteringServiceException)
    return RETRY_CODES.has(err.name) || err.$httpStatus >= 500 || err.$httpStatus === 429;
  return true;
}

const keyOfRecord = (r: {
  LicenseArn?: string | undefined;
  CustomerAWSAccountId?: string | undefined;
  CustomerIdentifier?: string | undefined;
  Dimension?: string | undefined;
}) =>
  `${r.LicenseArn ?? ''}\x1f${r.CustomerAWSAccountId !== undefined ? 'account' : 'identifier'}\x1f${
    r.CustomerAWSAccountId ?? r.CustomerIdentifier
  }\x1f${r.Dimension}`;

/**
 * The usage record sent for a frozen record: the hour's start as `Timestamp`, so that every
 * attempt sends the identical record.
 *
 * @example
 * usageRecordOf(frozen).Timestamp; // new Date(frozen.hour * 3_600_000)
 */
export function usageRecordOf(r: FrozenRecord): UsageRecord {
  return {
    Timestamp: new Date(r.hour * HOUR_MS),
    ...(r.customerKind === 'account'
      ? { CustomerAWSAccountId: r.customer }
      : { CustomerIdentifier: r.customer }),
    Dimension: r.dimension,
    Quantity: r.quantity,
    ...(r.allocations ? { UsageAllocations: r.allocations } : {}),
    ...(r.licenseArn ? { LicenseArn: r.licenseArn } : {}),
  } as UsageRecord;
}

/**
 * Sends one call and reads its answer record by record.
 *
 * @example
 * const { outcomes, retried } = await sendCall(client, records.slice(0, 25));
 */
export async function sendCall(
  client: MarketplaceMeteringClient,
  records: FrozenRecord[],
): Promise<CallResult> {
  const all = records.map((r) => r.rid);
  const first = records[0]!;
  let answer;
  try {
    answer = await client.batchMeterUsage({
      ...(first.productCode ? { ProductCode: first.productCode } : {}),
      UsageRecords: records.map(usageRecordOf),
    });
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    const message = err instanceof Error ? err.message : String(err);
    if (isRetryable(err)) {
      const throttled = name === 'ThrottlingException';
      return {
        outcomes: [],
        retried: all,
        retryReason: `${name}: ${message}`,
        throttled,
        outcome: throttled ? 'throttled' : 'retry',
      };
    }
    return {
      outcomes: records.map((r) => ({
        rid: r.rid,
        state: 'dead-lettered',
        reason: `${name}: ${message}`,
      })),
      retried: [],
      throttled: false,
      outcome: 'failed',
    };
  }
  const byKey = new Map(records.map((r) => [keyOfRecord(usageRecordOf(r)), r]));
  const outcomes: Outcome[] = [];
  const settled = new Set<number>();
  for (const res of answer.Results ?? []) {
    const r = res.UsageRecord ? byKey.get(keyOfRecord(res.UsageRecord)) : undefined;
    if (!r || settled.has(r.rid)) continue;
    settled.add(r.rid);
    const id = res.MeteringRecordId;
    if (res.Status === 'Success' && id)
      outcomes.push({ rid: r.rid, state: 'accepted', meteringRecordId: id });
    else if (res.Status === 'CustomerNotSubscribed')
      outcomes.push({
        rid: r.rid,
        state: 'dead-lettered',
        reason:
          'CustomerNotSubscribed: the customer has not subscribed to the product, or the subscription does not cover this hour',
      });
    else if (res.Status === 'DuplicateRecord')
      outcomes.push({
        rid: r.rid,
        state: 'dead-lettered',
        reason: `DuplicateRecord: conflict, the service already holds another quantity for this hour${
          id ? ` (record ${id})` : ''
        }; this record's quantity is ${r.quantity}`,
        ...(id ? { meteringRecordId: id } : {}),
      });
    else settled.delete(r.rid);
  }
  const retried = all.filter((rid) => !settled.has(rid));
  return {
    outcomes,
    retried,
    throttled: false,
    outcome: retried.length > 0 ? 'partial' : 'success',
  };
}
