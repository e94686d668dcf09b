/**
 * @module An AWS call as the audit trail stores it: the request's bytes as they arrived, who sent
 * it and when, and the compact outcome (each BatchMeterUsage record's position, status and id,
 * or the error). Its CloudTrail event is rendered from that when the trail is read, by running
 * the request through the same parsing and validation again: the event is the one `buildEvent`
 * would have built as the call was answered, and the call costs no second copy of its request
 * while it is answered. A call this form cannot hold exactly (a redacted request, an answer with
 * times in it) is stored as its built event instead; both forms are read alike.
 */

import type { CallContext } from '../domain/call-context.js';
import { newTimeOrderedId } from '../domain/identifiers.js';
import { parseCborBody } from '../protocol/rpc-v2-cbor.js';
import type { Protocol } from '../protocol/services.js';
import type { OperationName } from '../protocol/shapes.js';
import { parseInput } from '../protocol/validate.js';
import { parseBody } from '../protocol/wire.js';
import { buildEvent, eventTimeOf, type AuditEvent } from './event.js';
import { redactRequest } from './redact.js';

/** What an event is stored from: the call's compact form, or its built CloudTrail event. */
export type EventToStore = AuditEvent | StoredCall;

/** How a call's outcome is kept. */
type Outcome =
  /** An error's name and message. */
  | { e: [name: string, message: string] }
  /** BatchMeterUsage: each result as [record position, status, id?], and those handed back. */
  | { b: BatchOutcome }
  /** Any other answer, as the operation returned it (plain JSON values only). */
  | { o: unknown };

/** A call in the compact form. The event's own columns are read off it. */
export interface StoredCall {
  readonly kind: 'call';
  readonly eventID: string;
  readonly eventName: string;
  /** The event's time to the second (ms), as its `eventTime` says. */
  readonly eventTime: number;
  readonly recipientAccountId: string;
  readonly requestID: string;
  readonly errorCode: string | undefined;
  /** The request as it arrived; not kept when it could not be parsed (the event records none). */
  readonly body: Buffer;
  /** Everything else, as stored beside the body (JSON). */
  readonly meta: string;
}

interface Meta {
  v: 2;
  /** The caller's account, access key and whether its credentials are temporary. */
  p: [string, string, boolean];
  /** Region, source address, user agent. */
  c: [string, string, string];
  /** The clock's time of the call, and the real time when the clock is controlled (ms). */
  t: [number] | [number, number];
  /** The wire protocol, when not AWS JSON. */
  w?: Protocol;
  /** Set when the body could not be parsed: the event records no request (nor is it kept). */
  u?: 1;
  /** Members the operation added to the validated request (a generated ClientToken). */
  a?: Record<string, string>;
  out: Outcome;
  n?: Record<string, unknown>;
}

/** What the dispatcher knows of a call when its event is stored. */
export interface CallFacts {
  ctx: CallContext;
  operation: string;
  body: Buffer;
  protocol: Protocol;
  /** The request the event records: what `requestOf` would make of the body, or more. */
  request: unknown;
  /** The request the body gives (the dispatcher's own steps); `request` may add to it. */
  parsed: unknown;
  outcome: { response: unknown } | { error: { name: string; message: string } };
  note: Record<string, unknown> | undefined;
}

/**
 * The request an event records for `body`, by the dispatcher's steps: nothing when it cannot be
 * parsed, the parsed body when it fails validation, else the validated input.
 */
export function requestOf(operation: string, body: Buffer, protocol: Protocol): unknown {
  let parsed: unknown;
  try {
    parsed = protocol === 'json' ? parseBody(body) : parseCborBody(body);
  } catch {
    return undefined;
  }
  try {
    return parseInput(operation as OperationName, parsed);
  } catch {
    return parsed;
  }
}

/**
 * The call in its compact form, or its built event when the compact form could not render it
 * exactly: ResolveCustomer (its token is a secret, masked in the event), an answer or note with
 * values JSON does not keep (times), a request the operation changed other than by adding text
 * members.
 */
export function callToStore(f: CallFacts): EventToStore {
  const { ctx, operation } = f;
  const built = () =>
    buildEvent(ctx, operation, redactRequest(operation, f.request), f.outcome, f.note);
  if (operation === 'ResolveCustomer') return built();
  if (f.note !== undefined && !plain(f.note)) return built();
  let added: Record<string, string> | undefined;
  if (f.request !== f.parsed) {
    added = addedMembers(f.parsed, f.request);
    if (!added) return built();
  }
  let out: Outcome;
  if ('error' in f.outcome) out = { e: [f.outcome.error.name, f.outcome.error.message] };
  else if (operation === 'BatchMeterUsage') {
    const b = batchOutcome(f.parsed, f.outcome.response);
    if (!b) return built();
    out = { b };
  } else if (plain(f.outcome.response)) out = { o: f.outcome.response };
  else return built();
  const unparsed = f.parsed === undefined;
  const meta: Meta = {
    v: 2,
    p: [ctx.principal.accountId, ctx.principal.accessKeyId, ctx.principal.temporary],
    c: [ctx.region, ctx.sourceIp, ctx.userAgent],
    t: ctx.realTime ? [ctx.now.getTime(), ctx.realTime.getTime()] : [ctx.now.getTime()],
    ...(f.protocol === 'json' ? {} : { w: f.protocol }),
    ...(unparsed ? { u: 1 as const } : {}),
    ...(added ? { a: added } : {}),
    out,
    ...(f.note ? { n: f.note } : {}),
  };
  return {
    kind: 'call',
    eventID: newTimeOrderedId(ctx.now.getTime()),
    eventName: operation,
    eventTime: Date.parse(eventTimeOf(ctx.now)),
    recipientAccountId: ctx.principal.accountId,
    requestID: ctx.requestId,
    errorCode: 'e' in out ? out.e[0] : undefined,
    body: unparsed ? EMPTY : f.body,
    meta: JSON.stringify(meta),
  };
}

const EMPTY = Buffer.alloc(0);

/** The CloudTrail event of a call stored in the compact form. */
export function renderCall(
  stored: Pick<StoredCall, 'eventID' | 'eventName' | 'requestID' | 'body'> & { meta: Meta },
): AuditEvent {
  const m = stored.meta;
  const operation = stored.eventName;
  const protocol = m.w ?? 'json';
  let request = m.u ? undefined : requestOf(operation, stored.body, protocol);
  if (m.a) request = { ...(request as object), ...m.a };
  const ctx: CallContext = {
    requestId: stored.requestID,
    principal: {
      accountId: m.p[0],
      accessKeyId: m.p[1],
      temporary: m.p[2],
      resourceRegion: m.c[0],
    },
    region: m.c[0],
    sourceIp: m.c[1],
    userAgent: m.c[2],
    now: new Date(m.t[0]),
    ...(m.t[1] === undefined ? {} : { realTime: new Date(m.t[1]) }),
  };
  const out = m.out;
  const outcome =
    'e' in out
      ? { error: { name: out.e[0], message: out.e[1] } }
      : { response: 'b' in out ? batchOutput(request, out.b) : out.o };
  return buildEvent(ctx, operation, request, outcome, m.n, stored.eventID);
}

/** Reads the meta column of a stored call; undefined for a built event's body. */
export function callMeta(text: string): Meta | undefined {
  if (!text.startsWith('{"v":2,')) return undefined;
  return JSON.parse(text) as Meta;
}

/** Whether JSON keeps `value` as it is: no times, buffers, non-finite numbers or undefined. */
function plain(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > 20) return false;
  if (Array.isArray(value)) return value.every((v) => plain(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || !plain(v, depth + 1)) return false;
  }
  return true;
}

/** The text members `request` adds to or changes in `parsed`, keeping its other members. */
function addedMembers(parsed: unknown, request: unknown): Record<string, string> | undefined {
  if (!isRecord(parsed) || !isRecord(request)) return undefined;
  const added: Record<string, string> = {};
  const keys = Object.keys(request);
  // The rendered request is `{...parsed, ...added}`: its members in the same order.
  const order = [...Object.keys(parsed), ...keys.filter((k) => !(k in parsed))];
  if (order.length !== keys.length || order.some((k, i) => keys[i] !== k)) return undefined;
  for (const k of keys) {
    if (request[k] === parsed[k]) continue;
    const v = request[k];
    if (typeof v !== 'string') return undefined;
    added[k] = v;
  }
  return added;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** BatchMeterUsage's answer by record position, when each result echoes a request record. */
function batchOutcome(parsed: unknown, response: unknown) {
  const records = (parsed as { UsageRecords?: unknown } | undefined)?.UsageRecords;
  const output = response as { Results?: unknown; UnprocessedRecords?: unknown };
  if (!Array.isArray(records) || !isRecord(output)) return undefined;
  const keys = Object.keys(output);
  if (keys.length !== 2 || keys[0] !== 'Results' || keys[1] !== 'UnprocessedRecords')
    return undefined;
  if (!Array.isArray(output.Results) || !Array.isArray(output.UnprocessedRecords)) return undefined;
  const at = new Map<unknown, number>();
  records.forEach((r, i) => at.set(r, i));
  const r: Array<[number, string] | [number, string, string]> = [];
  for (const result of output.Results as Array<Record<string, unknown>>) {
    const i = at.get(result.UsageRecord);
    if (i === undefined || typeof result.Status !== 'string') return undefined;
    const members = Object.keys(result);
    if (members.length === 2 && members[0] === 'UsageRecord' && members[1] === 'Status')
      r.push([i, result.Status]);
    else if (
      members.length === 3 &&
      members[0] === 'UsageRecord' &&
      members[1] === 'MeteringRecordId' &&
      members[2] === 'Status' &&
      typeof result.MeteringRecordId === 'string'
    )
      r.push([i, result.Status, result.MeteringRecordId]);
    else return undefined;
  }
  const u: number[] = [];
  for (const record of output.UnprocessedRecords) {
    const i = at.get(record);
    if (i === undefined) return undefined;
    u.push(i);
  }
  return { r, u };
}

type BatchOutcome = NonNullable<ReturnType<typeof batchOutcome>>;

function batchOutput(request: unknown, b: BatchOutcome) {
  const records = (request as { UsageRecords: unknown[] }).UsageRecords;
  return {
    Results: b.r.map(([i, status, id]) =>
      id === undefined
        ? { UsageRecord: records[i], Status: status }
        : { UsageRecord: records[i], MeteringRecordId: id, Status: status },
    ),
    UnprocessedRecords: b.u.map((i) => records[i]),
  };
}
