/**
 * @module A usage event as the forwarder takes it in, checked one by one: each event is either a
 * normalised `UsageEvent` or a reason in words. The rules follow BatchMeterUsage's own (the
 * customer named once, AWS's tag rules, quantities of 0 to 2^31 − 1), so that an event that is
 * accepted here cannot fail a send for its shape.
 */

/** One tag of an event, as AWS's `Tag`. */
export interface Tag {
  Key: string;
  Value: string;
}

/**
 * An accepted usage event. Exactly one of `customerAWSAccountId` and `customerIdentifier`.
 *
 * @example
 * const event: UsageEvent = {
 *   id: 'evt-1', productCode: 'demo-saas', customerIdentifier: 'demo-customer',
 *   dimension: 'requests', quantity: 3, time: 1_767_225_600_000, tags: [],
 * };
 */
export interface UsageEvent {
  id: string;
  productCode?: string;
  licenseArn?: string;
  customerAWSAccountId?: string;
  customerIdentifier?: string;
  dimension: string;
  quantity: number;
  /** Epoch milliseconds. */
  time: number;
  /** Sorted by key; empty when the event has none. */
  tags: Tag[];
}

/** The largest quantity AWS takes (`UsageQuantity`'s maximum). */
export const MAX_QUANTITY = 2_147_483_647;
/** How far ahead of the forwarder's clock an event may be (AWS allows about 5 minutes). */
export const FUTURE_ALLOWANCE_MS = 5 * 60_000;

const TAG_PATTERN = /^[a-zA-Z0-9+ -=._:/@]+$/;
const PRODUCT_PATTERN = /^[-a-zA-Z0-9/=:_.@]+$/;
const LICENSE_PATTERN =
  /^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$/;

const isString = (v: unknown): v is string => typeof v === 'string';

function checkString(
  name: string,
  value: unknown,
  max: number,
  pattern?: RegExp,
): string | undefined {
  if (!isString(value)) return `${name} must be a string`;
  if (value.length === 0) return `${name} must not be empty`;
  if ([...value].length > max) return `${name} is longer than ${max} characters`;
  if (pattern && !pattern.test(value)) return `${name} ${JSON.stringify(value)} is not valid`;
  return undefined;
}

/** Reads `timestamp`: an ISO 8601 string or epoch seconds. */
function readTime(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return 'timestamp must be epoch seconds ≥ 0';
    return Math.floor(value * 1000);
  }
  if (isString(value)) {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return 'timestamp must be ISO 8601 or epoch seconds';
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return `timestamp ${JSON.stringify(value)} is not a valid time`;
    return ms;
  }
  return 'timestamp is required (ISO 8601 or epoch seconds)';
}

/** Reads `tags`: an object of key → value, or AWS's list of `{Key, Value}` (or lower case). */
function readTags(value: unknown): Tag[] | string {
  if (value === undefined || value === null) return [];
  let pairs: Array<[unknown, unknown]>;
  if (Array.isArray(value))
    pairs = value.map((t) => {
      const o = (t ?? {}) as Record<string, unknown>;
      return [o.Key ?? o.key, o.Value ?? o.value];
    });
  else if (typeof value === 'object') pairs = Object.entries(value as Record<string, unknown>);
  else return 'tags must be an object of key → value or a list of {Key, Value}';
  if (pairs.length > 5) return 'tags: at most 5 tags';
  const seen = new Set<string>();
  const tags: Tag[] = [];
  for (const [k, v] of pairs) {
    const bad =
      checkString('tag key', k, 100, TAG_PATTERN) ?? checkString('tag value', v, 256, TAG_PATTERN);
    if (bad) return `tags: ${bad}`;
    if (seen.has(k as string)) return `tags: key ${JSON.stringify(k)} appears twice`;
    seen.add(k as string);
    tags.push({ Key: k as string, Value: v as string });
  }
  return tags.sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

/**
 * Checks one event. Answers the normalised event, or the reason it is refused.
 *
 * @example
 * parseEvent({ id: 'e1', productCode: 'demo-saas', customerIdentifier: 'c', dimension: 'd',
 *   quantity: 1, timestamp: '2026-01-01T00:10:00Z' }, Date.now()); // a UsageEvent
 * parseEvent({ id: 'e2' }, Date.now()); // 'productCode or licenseArn is required'
 */
export function parseEvent(input: unknown, now: number): UsageEvent | string {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return 'an event must be a JSON object';
  const e = input as Record<string, unknown>;
  const bad = checkString('id', e.id, 256);
  if (bad) return bad;
  if (e.productCode === undefined && e.licenseArn === undefined)
    return 'productCode or licenseArn is required';
  if (e.productCode !== undefined) {
    const b = checkString('productCode', e.productCode, 255, PRODUCT_PATTERN);
    if (b) return b;
  }
  if (e.licenseArn !== undefined) {
    const b = checkString('licenseArn', e.licenseArn, 2048, LICENSE_PATTERN);
    if (b) return b;
  }
  const hasAccount = e.customerAWSAccountId !== undefined;
  const hasIdentifier = e.customerIdentifier !== undefined;
  if (hasAccount === hasIdentifier)
    return 'exactly one of customerAWSAccountId and customerIdentifier is required';
  const customer = hasAccount
    ? (checkString('customerAWSAccountId', e.customerAWSAccountId, 255, /^[0-9]+$/) ??
      (/^\d{12}$/.test(e.customerAWSAccountId as string)
        ? undefined
        : 'customerAWSAccountId must be 12 digits'))
    : checkString('customerIdentifier', e.customerIdentifier, 255);
  if (customer) return customer;
  const dim = checkString('dimension', e.dimension, 255);
  if (dim) return dim;
  const q = e.quantity;
  if (typeof q !== 'number' || !Number.isInteger(q) || q < 0 || q > MAX_QUANTITY)
    return `quantity must be a whole number from 0 to ${MAX_QUANTITY}`;
  const time = readTime(e.timestamp);
  if (typeof time === 'string') return time;
  if (time > now + FUTURE_ALLOWANCE_MS) return 'timestamp is more than 5 minutes in the future';
  const tags = readTags(e.tags);
  if (typeof tags === 'string') return tags;
  return {
    id: e.id as string,
    ...(e.productCode !== undefined ? { productCode: e.productCode as string } : {}),
    ...(e.licenseArn !== undefined ? { licenseArn: e.licenseArn as string } : {}),
    ...(hasAccount
      ? { customerAWSAccountId: e.customerAWSAccountId as string }
      : { customerIdentifier: e.customerIdentifier as string }),
    dimension: e.dimension as string,
    quantity: q,
    time,
    tags,
  };
}

/**
 * The events of a request body: `{"events": [...]}`, or a CloudEvents batch (an array of
 * CloudEvents whose `data` is the usage; the CloudEvent's `id` and `time` stand in for the usage's
 * own when it has none). Answers the list, or why the body as a whole is refused.
 *
 * @example
 * eventsOf({ events: [] }, false); // []
 * eventsOf([{ specversion: '1.0', id: 'x', type: 'usage', source: 's', data: {} }], true);
 */
export function eventsOf(body: unknown, cloudEvents: boolean): unknown[] | string {
  if (cloudEvents) {
    if (!Array.isArray(body)) return 'a CloudEvents batch must be a JSON array';
    return body.map((ce: unknown) => {
      if (ce === null || typeof ce !== 'object') return ce;
      const c = ce as Record<string, unknown>;
      const data = (c.data ?? {}) as Record<string, unknown>;
      if (typeof data !== 'object' || Array.isArray(data)) return data;
      return { ...data, id: data.id ?? c.id, timestamp: data.timestamp ?? c.time };
    });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return 'the body must be {"events": [...]}';
  const events = (body as Record<string, unknown>).events;
  if (!Array.isArray(events)) return 'the body must be {"events": [...]}';
  return events;
}
