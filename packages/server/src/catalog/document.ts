/**
 * @module The catalog document: the format of `--catalog FILE` (YAML or JSON) and of the admin
 * API's bodies. `parseCatalogDocument` checks it and says exactly what is wrong, and where.
 */

import { shapes } from '@meterd/model/metering';
import { parse as parseYaml } from 'yaml';
import {
  agreementStatuses,
  entitlementValueKinds,
  meterUsageModes,
  productTypes,
  type AgreementStatus,
  type MeterUsageMode,
  type ProductType,
} from '../domain/catalog.js';
import { FaultRuleError, parseFaultRules, type FaultRule } from '../domain/faults.js';
import {
  targetTopics,
  targetTypes,
  type TargetConfig,
  type TargetTopic,
  type TargetType,
} from '../domain/notifications.js';
import { QuotaError, resolveQuotas } from '../domain/quotas.js';

export interface AccessKeyDocument {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
}

export interface AccountDocument {
  accountId?: string;
  name?: string;
  accessKeys?: AccessKeyDocument[];
}

export interface ProductDocument {
  productCode: string;
  sellerAccountId: string;
  type: ProductType;
  dimensions: string[];
  fulfillmentUrl?: string;
  meterUsageMode?: MeterUsageMode;
  publicKeyVersions?: number[];
}

export interface AgreementDocument {
  productCode: string;
  customerAWSAccountId: string;
  customerIdentifier?: string;
  licenseArn?: string;
  status?: AgreementStatus;
  /**
   * The start of the activation period. Left out: the start already recorded, and none (no
   * lower bound) for a new agreement. `null`: none, even where one was recorded.
   */
  startedAt?: string | null;
  endedAt?: string;
  /** The agreement's entitlements, replacing those recorded; left out, they are kept. */
  entitlements?: EntitlementDocument[];
}

/** One entitlement of an agreement: a dimension and exactly one value. */
export type EntitlementDocument = {
  dimension: string;
  expirationDate?: string;
} & (
  | { integerValue: number }
  | { doubleValue: number }
  | { booleanValue: boolean }
  | { stringValue: string }
);

/** A notification target: its type and topic, and what its type needs (domain/notifications.ts). */
export interface NotificationTargetDocument extends TargetConfig {
  /** Default: derived from the rest, so that a catalog file applied again names the same target. */
  id?: string;
  type: TargetType;
  /** Default: all. */
  topic?: TargetTopic;
  productCode?: string;
}

export interface CatalogDocument {
  region?: string;
  registrationTokenTtlSeconds?: number;
  accounts?: AccountDocument[];
  products?: ProductDocument[];
  agreements?: AgreementDocument[];
  notificationTargets?: NotificationTargetDocument[];
  /** Fault rules (domain/faults.ts), replacing the stored ones at start. */
  faults?: FaultRule[];
  /** AWS's quotas, enforced; each operation given overrides AWS's figure (domain/quotas.ts). */
  quotas?: Record<string, unknown>;
}

/** A catalog that cannot be applied; `path` names the offending key. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

export const ACCOUNT_ID = /^[0-9]{12}$/;
/** The model's product-code characters and length; a catalog's product also needs one. */
const PRODUCT_CODE_CHARS = new RegExp(shapes.ProductCode.pattern!);
const PRODUCT_CODE = {
  test: (code: string) =>
    code.length >= 1 && code.length <= shapes.ProductCode.max! && PRODUCT_CODE_CHARS.test(code),
};
const LICENSE_ARN = new RegExp(shapes.LicenseArn.pattern!);
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

type Obj = Record<string, unknown>;

/** The path of `key` inside `path` (top-level keys have no leading dot). */
const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

function object(value: unknown, path: string, keys: readonly string[]): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CatalogError(path, 'must be a mapping');
  for (const key of Object.keys(value))
    if (!keys.includes(key))
      throw new CatalogError(path, `unknown key '${key}' (known: ${keys.join(', ')})`);
  return value as Obj;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new CatalogError(path, 'must be a list');
  return value;
}

function string(
  o: Obj,
  key: string,
  path: string,
  rule?: { pattern?: Pick<RegExp, 'test'>; hint?: string; optional?: boolean },
): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) {
    if (rule?.optional) return undefined;
    throw new CatalogError(at(path, key), 'is required');
  }
  if (typeof value !== 'string')
    throw new CatalogError(
      at(path, key),
      `must be a string${typeof value === 'number' ? ' (quote numbers such as account ids)' : ''}`,
    );
  if (rule?.pattern && !rule.pattern.test(value))
    throw new CatalogError(at(path, key), `'${value}' is not ${rule.hint ?? 'valid'}`);
  return value;
}

function oneOf<T extends string>(
  o: Obj,
  key: string,
  path: string,
  allowed: readonly T[],
): T | undefined {
  const value = string(o, key, path, { optional: true });
  if (value !== undefined && !allowed.includes(value as T))
    throw new CatalogError(at(path, key), `must be one of ${allowed.join(' | ')}`);
  return value as T | undefined;
}

function time(o: Obj, key: string, path: string): string | undefined {
  const value = o[key];
  if (value instanceof Date) return value.toISOString();
  const text = string(o, key, path, { optional: true });
  if (text !== undefined && Number.isNaN(Date.parse(text)))
    throw new CatalogError(at(path, key), `'${text}' is not an ISO-8601 time`);
  return text;
}

export function parseAccessKey(value: unknown, path: string): AccessKeyDocument {
  const o = object(value, path, ['accessKeyId', 'secretAccessKey', 'sessionToken', 'region']);
  const doc: AccessKeyDocument = {};
  const id = string(o, 'accessKeyId', path, {
    optional: true,
    pattern: ACCESS_KEY_ID,
    hint: 'an access key id (16-128 upper-case letters and digits)',
  });
  if (id !== undefined) doc.accessKeyId = id;
  const secret = string(o, 'secretAccessKey', path, { optional: true });
  if (secret !== undefined) {
    if (secret.length < 8)
      throw new CatalogError(`${path}.secretAccessKey`, 'must be 8+ characters');
    doc.secretAccessKey = secret;
  }
  const token = string(o, 'sessionToken', path, { optional: true });
  if (token !== undefined) doc.sessionToken = token;
  const region = string(o, 'region', path, { optional: true, pattern: REGION, hint: 'a region' });
  if (region !== undefined) doc.region = region;
  return doc;
}

export function parseAccount(value: unknown, path: string): AccountDocument {
  const o = object(value, path, ['accountId', 'name', 'accessKeys']);
  const doc: AccountDocument = {};
  const id = string(o, 'accountId', path, {
    optional: true,
    pattern: ACCOUNT_ID,
    hint: 'a 12-digit account id',
  });
  if (id !== undefined) doc.accountId = id;
  const name = string(o, 'name', path, { optional: true });
  if (name !== undefined) doc.name = name;
  if (o.accessKeys !== undefined)
    doc.accessKeys = list(o.accessKeys, `${path}.accessKeys`).map((k, i) =>
      parseAccessKey(k, `${path}.accessKeys[${i}]`),
    );
  return doc;
}

export function parseProduct(value: unknown, path: string): ProductDocument {
  const o = object(value, path, [
    'productCode',
    'sellerAccountId',
    'type',
    'dimensions',
    'fulfillmentUrl',
    'meterUsageMode',
    'publicKeyVersions',
  ]);
  const type = oneOf(o, 'type', path, productTypes);
  if (!type) throw new CatalogError(`${path}.type`, `is required (${productTypes.join(' | ')})`);
  const dimensions = list(o.dimensions, `${path}.dimensions`);
  if (dimensions.length === 0) throw new CatalogError(`${path}.dimensions`, 'needs at least one');
  for (const [i, d] of dimensions.entries())
    if (typeof d !== 'string' || d.length < 1 || d.length > 255)
      throw new CatalogError(`${path}.dimensions[${i}]`, 'must be a string of 1-255 characters');
  const doc: ProductDocument = {
    productCode: string(o, 'productCode', path, {
      pattern: PRODUCT_CODE,
      hint: 'a product code (1-255 of a-z A-Z 0-9 - / = : _ . @)',
    })!,
    sellerAccountId: string(o, 'sellerAccountId', path, {
      pattern: ACCOUNT_ID,
      hint: 'a 12-digit account id',
    })!,
    type,
    dimensions: [...new Set(dimensions as string[])],
  };
  const url = string(o, 'fulfillmentUrl', path, { optional: true });
  if (url !== undefined) {
    if (!/^https?:\/\//.test(url) || !URL.canParse(url))
      throw new CatalogError(`${path}.fulfillmentUrl`, `'${url}' is not an http(s) URL`);
    doc.fulfillmentUrl = url;
  }
  const mode = oneOf(o, 'meterUsageMode', path, meterUsageModes);
  if (mode !== undefined) doc.meterUsageMode = mode;
  if (o.publicKeyVersions !== undefined) {
    const versions = list(o.publicKeyVersions, `${path}.publicKeyVersions`);
    for (const [i, v] of versions.entries())
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
        throw new CatalogError(`${path}.publicKeyVersions[${i}]`, 'must be a whole number >= 1');
    if (type !== 'container')
      throw new CatalogError(`${path}.publicKeyVersions`, 'applies to container products only');
    doc.publicKeyVersions = versions as number[];
  }
  return doc;
}

/** The value kinds' checks: the entitlement service's Integer (32-bit), Double, Boolean, String. */
const VALUE_CHECKS: Record<
  (typeof entitlementValueKinds)[number],
  [(v: unknown) => boolean, string]
> = {
  integerValue: [
    (v) =>
      typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 31 - 1 && v >= -(2 ** 31),
    'a whole number (32-bit)',
  ],
  doubleValue: [(v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'],
  booleanValue: [(v) => typeof v === 'boolean', 'true or false'],
  stringValue: [
    (v) => typeof v === 'string' && v.length <= 1024,
    'a string of at most 1024 characters',
  ],
};

/** One entitlement: a dimension, exactly one value, an optional expiration date. */
export function parseEntitlement(value: unknown, path: string): EntitlementDocument {
  const o = object(value, path, ['dimension', ...entitlementValueKinds, 'expirationDate']);
  const dimension = string(o, 'dimension', path)!;
  if (dimension.length < 1 || dimension.length > 255 || !/\S/.test(dimension))
    throw new CatalogError(`${path}.dimension`, 'must be 1-255 characters, not all blank');
  const kinds = entitlementValueKinds.filter((k) => o[k] !== undefined && o[k] !== null);
  if (kinds.length !== 1)
    throw new CatalogError(
      path,
      `needs exactly one of ${entitlementValueKinds.join(', ')}${kinds.length > 1 ? ` (got ${kinds.join(', ')})` : ''}`,
    );
  const kind = kinds[0]!;
  const [check, hint] = VALUE_CHECKS[kind];
  if (!check(o[kind])) throw new CatalogError(`${path}.${kind}`, `must be ${hint}`);
  const doc = { dimension, [kind]: o[kind] } as EntitlementDocument;
  const expires = time(o, 'expirationDate', path);
  if (expires !== undefined) doc.expirationDate = expires;
  return doc;
}

/** An agreement's entitlements: a list, one per dimension. */
export function parseEntitlements(value: unknown, path: string): EntitlementDocument[] {
  if (!Array.isArray(value)) throw new CatalogError(path, 'must be a list');
  const list = value.map((e, i) => parseEntitlement(e, `${path}[${i}]`));
  const seen = new Set<string>();
  for (const [i, e] of list.entries()) {
    if (seen.has(e.dimension))
      throw new CatalogError(`${path}[${i}].dimension`, `'${e.dimension}' is given twice`);
    seen.add(e.dimension);
  }
  return list;
}

export function parseAgreement(value: unknown, path: string): AgreementDocument {
  const o = object(value, path, [
    'productCode',
    'customerAWSAccountId',
    'customerIdentifier',
    'licenseArn',
    'status',
    'startedAt',
    'endedAt',
    'entitlements',
  ]);
  const doc: AgreementDocument = {
    productCode: string(o, 'productCode', path)!,
    customerAWSAccountId: string(o, 'customerAWSAccountId', path, {
      pattern: ACCOUNT_ID,
      hint: 'a 12-digit account id',
    })!,
  };
  const identifier = string(o, 'customerIdentifier', path, { optional: true });
  if (identifier !== undefined) {
    if (identifier.length < 1 || identifier.length > 255)
      throw new CatalogError(`${path}.customerIdentifier`, 'must be 1-255 characters');
    doc.customerIdentifier = identifier;
  }
  const arn = string(o, 'licenseArn', path, {
    optional: true,
    pattern: LICENSE_ARN,
    hint: 'a license ARN',
  });
  if (arn !== undefined) doc.licenseArn = arn;
  const status = oneOf(o, 'status', path, agreementStatuses);
  if (status !== undefined) doc.status = status;
  const startedAt = o.startedAt === null ? null : time(o, 'startedAt', path);
  if (startedAt !== undefined) doc.startedAt = startedAt;
  const endedAt = time(o, 'endedAt', path);
  if (endedAt !== undefined) doc.endedAt = endedAt;
  if (startedAt && endedAt && Date.parse(endedAt) < Date.parse(startedAt))
    throw new CatalogError(`${path}.endedAt`, `'${endedAt}' is before startedAt '${startedAt}'`);
  if (o.entitlements !== undefined && o.entitlements !== null)
    doc.entitlements = parseEntitlements(o.entitlements, `${path}.entitlements`);
  return doc;
}

const TARGET_ID = /^[A-Za-z0-9_-]{1,64}$/;
const httpUrl = (o: Obj, key: string, path: string) => {
  const url = string(o, key, path)!;
  if (!/^https?:\/\//.test(url) || !URL.canParse(url))
    throw new CatalogError(at(path, key), `'${url}' is not an http(s) URL`);
  return url;
};

/** What each type of target needs, and may have, besides type, topic and product. */
const TARGET_KEYS: Record<TargetType, { required: string[]; optional: string[] }> = {
  'sns-http': { required: ['endpoint'], optional: ['signatureVersion'] },
  sqs: {
    required: ['queueUrl'],
    optional: ['endpointUrl', 'region', 'accessKeyId', 'secretAccessKey', 'rawMessageDelivery'],
  },
  'eventbridge-http': { required: ['endpoint'], optional: [] },
};

export function parseNotificationTarget(value: unknown, path: string): NotificationTargetDocument {
  const all = Object.values(TARGET_KEYS).flatMap((k) => [...k.required, ...k.optional]);
  const o = object(value, path, ['id', 'type', 'topic', 'productCode', ...new Set(all)]);
  const type = oneOf(o, 'type', path, targetTypes);
  if (!type) throw new CatalogError(`${path}.type`, `is required (${targetTypes.join(' | ')})`);
  const keys = TARGET_KEYS[type];
  for (const key of Object.keys(o))
    if (all.includes(key) && !keys.required.includes(key) && !keys.optional.includes(key))
      throw new CatalogError(`${path}.${key}`, `does not apply to ${type} targets`);
  const doc: NotificationTargetDocument = { type };
  const id = string(o, 'id', path, {
    optional: true,
    pattern: TARGET_ID,
    hint: 'a target id (1-64 of A-Z a-z 0-9 _ -)',
  });
  if (id !== undefined) doc.id = id;
  const topic = oneOf(o, 'topic', path, targetTopics);
  if (topic !== undefined) doc.topic = topic;
  const product = string(o, 'productCode', path, { optional: true });
  if (product !== undefined) doc.productCode = product;
  if (type === 'sqs') {
    const queueUrl = httpUrl(o, 'queueUrl', path);
    doc.queueUrl = queueUrl;
    if (o.endpointUrl !== undefined) doc.endpointUrl = httpUrl(o, 'endpointUrl', path);
    const region = string(o, 'region', path, { optional: true, pattern: REGION, hint: 'a region' });
    if (region !== undefined) doc.region = region;
    const key = string(o, 'accessKeyId', path, { optional: true });
    const secret = string(o, 'secretAccessKey', path, { optional: true });
    // A key without its secret keeps the secret meterd holds for it (an export without secrets).
    if (secret !== undefined && key === undefined)
      throw new CatalogError(`${path}.accessKeyId`, 'is required with secretAccessKey');
    if (key !== undefined) doc.accessKeyId = key;
    if (secret !== undefined) doc.secretAccessKey = secret;
    if (o.rawMessageDelivery !== undefined) {
      if (typeof o.rawMessageDelivery !== 'boolean')
        throw new CatalogError(`${path}.rawMessageDelivery`, 'must be true or false');
      doc.rawMessageDelivery = o.rawMessageDelivery;
    }
  } else doc.endpoint = httpUrl(o, 'endpoint', path);
  if (o.signatureVersion !== undefined) {
    const v = o.signatureVersion;
    if (v !== 1 && v !== 2 && v !== '1' && v !== '2')
      throw new CatalogError(`${path}.signatureVersion`, 'must be 1 or 2');
    doc.signatureVersion = Number(v) as 1 | 2;
  }
  return doc;
}

/** Checks a parsed catalog (from YAML, JSON or an admin request body). */
export function parseCatalogDocument(value: unknown): CatalogDocument {
  const o = object(value ?? {}, '', [
    'region',
    'registrationTokenTtlSeconds',
    'accounts',
    'products',
    'agreements',
    'notificationTargets',
    'faults',
    'quotas',
  ]);
  const doc: CatalogDocument = {};
  try {
    if (o.faults !== undefined) doc.faults = parseFaultRules(o.faults, 'faults');
  } catch (error) {
    if (error instanceof FaultRuleError) throw new CatalogError(error.path, error.detail);
    throw error;
  }
  if (o.quotas !== undefined) {
    try {
      resolveQuotas(o.quotas);
    } catch (error) {
      if (error instanceof QuotaError) throw new CatalogError('quotas', error.message);
      throw error;
    }
    doc.quotas = (o.quotas === null || o.quotas === true ? {} : o.quotas) as Record<
      string,
      unknown
    >;
  }
  const region = string(o, 'region', '', { optional: true, pattern: REGION, hint: 'a region' });
  if (region !== undefined) doc.region = region;
  const ttl = o.registrationTokenTtlSeconds;
  if (ttl !== undefined) {
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1)
      throw new CatalogError('registrationTokenTtlSeconds', 'must be a positive whole number');
    doc.registrationTokenTtlSeconds = ttl;
  }
  doc.accounts = list(o.accounts, 'accounts').map((a, i) => parseAccount(a, `accounts[${i}]`));
  doc.products = list(o.products, 'products').map((p, i) => parseProduct(p, `products[${i}]`));
  doc.agreements = list(o.agreements, 'agreements').map((a, i) =>
    parseAgreement(a, `agreements[${i}]`),
  );
  if (o.notificationTargets !== undefined)
    doc.notificationTargets = list(o.notificationTargets, 'notificationTargets').map((t, i) =>
      parseNotificationTarget(t, `notificationTargets[${i}]`),
    );
  return doc;
}

/** Parses catalog text: JSON when it looks like JSON, YAML otherwise. */
export function parseCatalogText(text: string): CatalogDocument {
  let value: unknown;
  try {
    value = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new CatalogError('', `not valid YAML or JSON: ${(error as Error).message}`);
  }
  return parseCatalogDocument(value);
}
