/**
 * @module Conversion between database rows and domain objects, shared by every backend.
 * Integers are read through Number() because PostgreSQL returns bigint columns as strings.
 */

import { callMeta, renderCall, type EventToStore } from '../audit/call.js';
import { packEvent, unpackEvent } from '../audit/event.js';
import type {
  AccessKey,
  Account,
  Agreement,
  AgreementEntitlement,
  AgreementStatus,
  EntitlementValue,
  MeterUsageMode,
  Product,
  ProductType,
  RegistrationToken,
  SigningKey,
} from '../domain/catalog.js';
import type {
  NewOutboxMessage,
  NotificationTarget,
  OutboxMessage,
} from '../domain/notifications.js';
import type { Database } from './schema.js';
import type { StoredEvent } from './store.js';

export type Row<T extends keyof Database> = { [K in keyof Database[T]]: unknown };
export const str = (v: unknown) => v as string;
export const optStr = (v: unknown) => (v === null || v === undefined ? null : String(v));
export const date = (v: unknown) => new Date(Number(v));
export const optDate = (v: unknown) => (v === null || v === undefined ? null : date(v));

export const toAccount = (r: Row<'accounts'>): Account => ({
  accountId: str(r.account_id),
  name: str(r.name),
});

export const toAccessKey = (r: Row<'access_keys'>): AccessKey => ({
  accessKeyId: str(r.access_key_id),
  accountId: str(r.account_id),
  secretAccessKey: str(r.secret_access_key),
  sessionToken: optStr(r.session_token),
  region: optStr(r.region),
});

export const toProduct = (r: Row<'products'>): Product => ({
  productCode: str(r.product_code),
  sellerAccountId: str(r.seller_account_id),
  type: r.type as ProductType,
  dimensions: JSON.parse(str(r.dimensions)) as string[],
  fulfillmentUrl: optStr(r.fulfillment_url),
  meterUsageMode: r.meter_usage_mode as MeterUsageMode,
  publicKeyVersions:
    r.public_key_versions === null || r.public_key_versions === undefined
      ? null
      : (JSON.parse(str(r.public_key_versions)) as number[]),
});

export const toAgreement = (r: Row<'agreements'>): Agreement => ({
  licenseArn: str(r.license_arn),
  productCode: str(r.product_code),
  customerAWSAccountId: str(r.customer_aws_account_id),
  customerIdentifier: str(r.customer_identifier),
  status: r.status as AgreementStatus,
  startedAt: optDate(r.started_at),
  endedAt: optDate(r.ended_at),
  entitlements: r.entitlements ? toEntitlements(str(r.entitlements)) : [],
});

/** An entitlement as stored: its value as it is, its expiration date in epoch milliseconds. */
type StoredEntitlement = EntitlementValue & { dimension: string; expirationDate: number | null };

const toEntitlements = (text: string): AgreementEntitlement[] =>
  (JSON.parse(text) as StoredEntitlement[]).map(
    (e) =>
      ({
        ...e,
        expirationDate: e.expirationDate === null ? null : new Date(e.expirationDate),
      }) as AgreementEntitlement,
  );

const entitlementsParam = (list: AgreementEntitlement[]) =>
  list.length === 0
    ? null
    : JSON.stringify(
        list.map((e) => ({ ...e, expirationDate: e.expirationDate?.getTime() ?? null })),
      );

export const toToken = (r: Row<'registration_tokens'>): RegistrationToken => ({
  token: str(r.token),
  productCode: str(r.product_code),
  customerAWSAccountId: str(r.customer_aws_account_id),
  licenseArn: str(r.license_arn),
  createdAt: date(r.created_at),
  expiresAt: date(r.expires_at),
});

export const toSigningKey = (r: Row<'signing_keys'>): SigningKey => ({
  version: Number(r.version),
  privateKeyPem: str(r.private_key_pem),
  publicKeyPem: str(r.public_key_pem),
  createdAt: date(r.created_at),
  expiresAt: r.expires_at === null || r.expires_at === undefined ? null : date(r.expires_at),
});

export const signingKeyParams = (k: SigningKey) => ({
  version: k.version,
  private_key_pem: k.privateKeyPem,
  public_key_pem: k.publicKeyPem,
  created_at: k.createdAt.getTime(),
  expires_at: k.expiresAt ? k.expiresAt.getTime() : null,
});

/** A stored event: rendered from its call, or a built event unpacked (see audit/call.ts). */
export function toStoredEvent(r: Row<'audit_events'>): StoredEvent {
  const body = str(r.body);
  const meta = r.request === null || r.request === undefined ? undefined : callMeta(body);
  return {
    seq: Number(r.seq),
    event: meta
      ? renderCall({
          eventID: str(r.event_id),
          eventName: str(r.event_name),
          requestID: str(r.request_id),
          body: Buffer.from(r.request as Uint8Array),
          meta,
        })
      : unpackEvent(body),
  };
}

// Domain → named query parameters.

export const accountParams = (a: Account, now: number) => ({
  account_id: a.accountId,
  name: a.name,
  created_at: now,
});

export const accessKeyParams = (k: AccessKey, now: number) => ({
  access_key_id: k.accessKeyId,
  account_id: k.accountId,
  secret_access_key: k.secretAccessKey,
  session_token: k.sessionToken,
  region: k.region,
  created_at: now,
});

export const productParams = (p: Product, now: number) => ({
  product_code: p.productCode,
  seller_account_id: p.sellerAccountId,
  type: p.type,
  dimensions: JSON.stringify(p.dimensions),
  fulfillment_url: p.fulfillmentUrl,
  meter_usage_mode: p.meterUsageMode,
  public_key_versions: p.publicKeyVersions === null ? null : JSON.stringify(p.publicKeyVersions),
  created_at: now,
});

export const agreementParams = (a: Agreement, now: number) => ({
  license_arn: a.licenseArn,
  product_code: a.productCode,
  customer_aws_account_id: a.customerAWSAccountId,
  customer_identifier: a.customerIdentifier,
  status: a.status,
  started_at: a.startedAt ? a.startedAt.getTime() : null,
  ended_at: a.endedAt ? a.endedAt.getTime() : null,
  entitlements: entitlementsParam(a.entitlements),
  updated_at: now,
});

export const tokenParams = (t: RegistrationToken) => ({
  token: t.token,
  product_code: t.productCode,
  customer_aws_account_id: t.customerAWSAccountId,
  license_arn: t.licenseArn,
  created_at: t.createdAt.getTime(),
  expires_at: t.expiresAt.getTime(),
});

/** An event's row: a call's compact form with its request's bytes, or a built event. */
export const eventParams = (e: EventToStore) =>
  'kind' in e
    ? {
        event_id: e.eventID,
        event_time: e.eventTime,
        event_name: e.eventName,
        recipient_account_id: e.recipientAccountId,
        request_id: e.requestID,
        error_code: e.errorCode ?? null,
        body: e.meta,
        request: e.body,
      }
    : {
        event_id: e.eventID,
        event_time: Date.parse(e.eventTime),
        event_name: e.eventName,
        recipient_account_id: e.recipientAccountId,
        request_id: e.requestID,
        error_code: e.errorCode ?? null,
        body: packEvent(e),
        request: null,
      };

/** A notification target's row (notification_targets); its type's settings are JSON. */
export interface TargetRow {
  id: unknown;
  type: unknown;
  topic: unknown;
  product_code: unknown;
  config: unknown;
  state: unknown;
  token: unknown;
  created_at: unknown;
}
export const toTarget = (r: TargetRow): NotificationTarget => ({
  id: str(r.id),
  type: str(r.type) as NotificationTarget['type'],
  topic: str(r.topic) as NotificationTarget['topic'],
  productCode: optStr(r.product_code),
  config: JSON.parse(str(r.config)) as NotificationTarget['config'],
  state: str(r.state) as NotificationTarget['state'],
  token: optStr(r.token),
  createdAt: date(r.created_at),
});
/** The values of a target's row, in the column order of TARGET_COLUMNS. */
export const TARGET_COLUMNS = [
  'id',
  'type',
  'topic',
  'product_code',
  'config',
  'state',
  'token',
  'created_at',
] as const;
export const targetValues = (t: NotificationTarget) => [
  t.id,
  t.type,
  t.topic,
  t.productCode,
  JSON.stringify(t.config),
  t.state,
  t.token,
  t.createdAt.getTime(),
];

/** An outbox row (notification_outbox). */
export interface OutboxRow {
  seq: unknown;
  message_id: unknown;
  target_id: unknown;
  channel: unknown;
  topic: unknown;
  product_code: unknown;
  body: unknown;
  status: unknown;
  attempts: unknown;
  last_error: unknown;
  created_at: unknown;
  due_at: unknown;
  delivered_at: unknown;
}
export const toOutbox = (r: OutboxRow): OutboxMessage => ({
  seq: Number(r.seq),
  messageId: str(r.message_id),
  targetId: str(r.target_id),
  channel: str(r.channel) as OutboxMessage['channel'],
  topic: str(r.topic) as OutboxMessage['topic'],
  productCode: str(r.product_code),
  body: JSON.parse(str(r.body)) as Record<string, unknown>,
  status: str(r.status) as OutboxMessage['status'],
  attempts: Number(r.attempts),
  lastError: optStr(r.last_error),
  createdAt: date(r.created_at),
  dueAt: date(r.due_at),
  deliveredAt: optDate(r.delivered_at),
});
/** The columns a new outbox message fills, and its values in that order (a message not yet tried). */
export const OUTBOX_COLUMNS = [
  'message_id',
  'target_id',
  'channel',
  'topic',
  'product_code',
  'body',
  'status',
  'attempts',
  'created_at',
  'due_at',
] as const;
export const outboxValues = (m: NewOutboxMessage) => [
  m.messageId,
  m.targetId,
  m.channel,
  m.topic,
  m.productCode,
  JSON.stringify(m.body),
  'pending',
  0,
  m.createdAt.getTime(),
  m.dueAt.getTime(),
];
