/**
 * @module CloudTrail-format audit events: one per AWS call, accepted or rejected, in the account
 * of the caller (the seller for SaaS and entitlement calls, the buyer for AMI and container
 * calls), with the event source of the call's service.
 */

import type { Operation, Shape as ModelShape } from '@meterd/model';
import * as entitlementModel from '@meterd/model/entitlement';
import * as meteringModel from '@meterd/model/metering';
import type { CallContext } from '../domain/call-context.js';
import { newTimeOrderedId } from '../domain/identifiers.js';
import { findServiceOf, METERING } from '../protocol/services.js';

/** The event source of the metering service's calls (each service has its own). */
export const EVENT_SOURCE = METERING.eventSource;

export interface AuditEvent {
  eventVersion: string;
  userIdentity:
    | {
        type: 'IAMUser' | 'AssumedRole';
        principalId: string;
        arn: string;
        accountId: string;
        accessKeyId: string;
      }
    /** meterd's own admin API (see admin-event.ts). */
    | { type: 'Unknown'; principalId: string; userName: string };
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: unknown;
  responseElements: unknown;
  /**
   * What meterd adds about the call: `injectedFault`, `throttled` (see operations/faults), and,
   * while the clock is controlled, `realEventTime` (the real time; `eventTime` is the clock's).
   */
  additionalEventData?: Record<string, unknown>;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  eventType: 'AwsApiCall';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management';
}

// Member names are few: each is converted once.
const camelNames = new Map<string, string>();
const camel = (name: string) => {
  let c = camelNames.get(name);
  if (c === undefined) {
    c = name.charAt(0).toLowerCase() + name.slice(1);
    if (camelNames.size < 10_000) camelNames.set(name, c);
  }
  return c;
};

// A call's records mostly share a few timestamps: the last ones formatted are kept.
const isoTimes = new Map<number, string>();
const isoTime = (date: Date) => {
  const t = date.getTime();
  let text = isoTimes.get(t);
  if (text === undefined) {
    text = date.toISOString().replace(/\.000Z$/, 'Z');
    if (isoTimes.size >= 64) isoTimes.clear();
    isoTimes.set(t, text);
  }
  return text;
};

/** The request and answer shapes of every operation, from the services' models. */
const operationShapes = new Map<string, Operation>(
  [...Object.values(meteringModel.operations), ...Object.values(entitlementModel.operations)].map(
    (op) => [op.name, op],
  ),
);

/**
 * Converts wire members (PascalCase, Dates) to CloudTrail's camelCase with ISO times. `shape`, the
 * model's shape of the value, tells member names from data: a map's keys (a GetEntitlements
 * `Filter`'s `CUSTOMER_IDENTIFIER`) are kept as sent. Without a shape (a member the model does not have), member names
 * are camel-cased. An object met twice (a BatchMeterUsage result echoes its request's record) is
 * converted once.
 */
export function toCloudTrailShape(
  value: unknown,
  seen = new Map<object, unknown>(),
  shape?: ModelShape,
): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return isoTime(value);
  if (seen.has(value)) return seen.get(value);
  let out: unknown;
  if (Array.isArray(value))
    out = value.map((v) =>
      toCloudTrailShape(v, seen, shape?.type === 'list' ? shape.member : undefined),
    );
  else {
    const o: Record<string, unknown> = {};
    const members = shape?.type === 'structure' ? shape.members : undefined;
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (shape?.type === 'map') o[k] = toCloudTrailShape(v, seen, shape.value);
      else o[camel(k)] = toCloudTrailShape(v, seen, members?.[k]?.shape);
    }
    out = o;
  }
  seen.set(value, out);
  return out;
}

/** A time as CloudTrail's `eventTime` writes it: ISO 8601 to the second. */
export const eventTimeOf = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Builds the event for one call; pass `error` for a rejected call, and `additional` for its
 * `additionalEventData` (an injected fault or a throttle, so it is never taken for a real one).
 * `eventID` is new unless given (an event rendered again from its stored call, call.ts).
 */
export function buildEvent(
  ctx: CallContext,
  eventName: string,
  request: unknown,
  outcome: { response: unknown } | { error: { name: string; message: string } },
  additional?: Record<string, unknown>,
  eventID = newTimeOrderedId(ctx.now.getTime()),
): AuditEvent {
  const { principal } = ctx;
  const service = findServiceOf(eventName) ?? METERING;
  const operation = operationShapes.get(eventName);
  const seen = new Map<object, unknown>();
  const arn = principal.temporary
    ? `arn:aws:sts::${principal.accountId}:assumed-role/meterd-resource/${principal.accessKeyId}`
    : `arn:aws:iam::${principal.accountId}:user/${principal.accessKeyId}`;
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: principal.temporary ? 'AssumedRole' : 'IAMUser',
      principalId: principal.accessKeyId,
      arn,
      accountId: principal.accountId,
      accessKeyId: principal.accessKeyId,
    },
    eventTime: eventTimeOf(ctx.now),
    eventSource: service.eventSource,
    eventName,
    awsRegion: ctx.region,
    sourceIPAddress: ctx.sourceIp,
    userAgent: ctx.userAgent,
    ...('error' in outcome
      ? { errorCode: outcome.error.name, errorMessage: outcome.error.message }
      : {}),
    requestParameters:
      request === undefined ? null : toCloudTrailShape(request, seen, operation?.input),
    responseElements:
      'response' in outcome ? toCloudTrailShape(outcome.response, seen, operation?.output) : null,
    ...(additional || ctx.realTime
      ? {
          additionalEventData: {
            ...additional,
            ...(ctx.realTime ? { realEventTime: eventTimeOf(ctx.realTime) } : {}),
          },
        }
      : {}),
    requestID: ctx.requestId,
    eventID,
    readOnly: service.readOnly.includes(eventName),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: principal.accountId,
    eventCategory: 'Management',
  };
}

/** Marks a stored body whose results refer to the request's records instead of copying them. */
const ECHOES = 'meterdEchoes';

/**
 * The event as stored: a BatchMeterUsage answer repeats each request record in its result, and
 * those copies (the same objects, see toCloudTrailShape) are stored as the record's position,
 * a third of the event's size. `unpackEvent` restores them.
 */
export function packEvent(event: AuditEvent): string {
  const request = event.requestParameters as { usageRecords?: unknown } | null;
  const response = event.responseElements as { results?: unknown } | null;
  if (!Array.isArray(request?.usageRecords) || !Array.isArray(response?.results))
    return JSON.stringify(event);
  const positions = new Map<unknown, number>();
  request.usageRecords.forEach((r, i) => positions.set(r, i));
  let packed = false;
  const results = response.results.map((result: Record<string, unknown>) => {
    const at = positions.get(result.usageRecord);
    if (at === undefined) return result;
    packed = true;
    return { ...result, usageRecord: at };
  });
  if (!packed) return JSON.stringify(event);
  return JSON.stringify({ ...event, responseElements: { ...response, results }, [ECHOES]: true });
}

export function unpackEvent(body: string): AuditEvent {
  const event = JSON.parse(body) as AuditEvent & { [ECHOES]?: boolean };
  if (!event[ECHOES]) return event;
  delete event[ECHOES];
  const records = (event.requestParameters as { usageRecords: unknown[] }).usageRecords;
  const response = event.responseElements as { results: Array<Record<string, unknown>> };
  for (const result of response.results)
    if (typeof result.usageRecord === 'number')
      result.usageRecord = structuredClone(records[result.usageRecord]);
  return event;
}
