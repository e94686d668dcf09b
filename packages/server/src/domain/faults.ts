/**
 * @module Fault rules: their format (LocalStack's Chaos API rules, with meterd's conditions and
 * effects added), their checking, and the choice of the fault a call gets. Each rule keeps its
 * own seeded random sequence and its count of faults, so that the same seed and the same calls
 * give the same faults. Pure: the hook that applies a fault is operations/fault-hook.ts.
 */

import { createHash, randomInt } from 'node:crypto';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** One rule as stored and as the admin API shows it; an omitted condition matches every call. */
export interface FaultRule {
  /** A name for the audit trail and the metrics; default: `r-` and a hash of the rule. */
  id?: string;
  // LocalStack's conditions.
  region?: string;
  service?: string;
  operation?: string;
  // meterd's conditions.
  accountId?: string;
  accessKeyId?: string;
  productCode?: string;
  /** The chance that a matching call gets the fault, from 0 to 1; default 1. */
  probability?: number;
  /** The AWS error answered; LocalStack's default (503 ServiceUnavailable) if no effect is set. */
  error?: { statusCode?: number; code?: string; message?: string };
  /** Milliseconds the call waits before it proceeds (or fails, with another effect). */
  latencyMs?: number;
  /** Close the connection without an answer. */
  dropConnection?: boolean;
  /** BatchMeterUsage: this share of the records is handed back unprocessed, and not stored. */
  unprocessedShare?: number;
  /** The rule stops after this many faults. */
  times?: number;
  /** The seed of the rule's random sequence (probability, and which records go unprocessed). */
  seed?: number;
}

/** The call as rules see it. */
export interface FaultCall {
  operation: string;
  region: string;
  accountId: string;
  accessKeyId: string;
  productCode?: string | undefined;
  /** BatchMeterUsage: the number of records in the call. */
  records?: number;
}

/** The fault a call gets from the first rule that fires. */
export interface Fault {
  ruleId: string;
  latencyMs: number;
  /** What happens after the latency: the call proceeds, fails, is dropped or partly handed back. */
  effect:
    | { kind: 'latency' }
    /** `statusCode` absent: the modelled error's own status, else 503. */
    | { kind: 'error'; code: string; statusCode?: number; message: string }
    | { kind: 'dropConnection' }
    | { kind: 'unprocessed'; indices: number[] };
}

export class FaultRuleError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(path ? `${path}: ${detail}` : detail);
  }
}

/** The most rules a set holds: rule ids label metrics, which must stay few. */
export const MAX_FAULT_RULES = 100;

/**
 * The service names a rule may give for the AWS Marketplace Metering Service: boto3's, the
 * JavaScript SDK's, the endpoint prefix and the signing name. A rule naming another service
 * (LocalStack's `s3`) is kept and matches nothing here.
 */
export const METERING_SERVICE_NAMES = [
  'meteringmarketplace',
  'marketplace-metering',
  'metering.marketplace',
  'aws-marketplace',
];
export const ENTITLEMENT_SERVICE_NAMES = ['marketplace-entitlement', 'entitlement.marketplace'];
const ENTITLEMENT_OPERATIONS = new Set(['GetEntitlements']);

const KEYS = [
  'id',
  'region',
  'service',
  'operation',
  'accountId',
  'accessKeyId',
  'productCode',
  'probability',
  'error',
  'latencyMs',
  'dropConnection',
  'unprocessedShare',
  'times',
  'seed',
] as const;
const TEXT = /^[\w.:/@=+-]{1,256}$/;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;
const CODE = /^[A-Za-z][A-Za-z0-9_.:#-]{0,127}$/;
const MAX_LATENCY_MS = 60_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function text(o: Record<string, unknown>, key: string, path: string, pattern = TEXT) {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !pattern.test(v))
    throw new FaultRuleError(`${path}.${key}`, `must be a string matching ${pattern.source}`);
  return v;
}

function number(
  o: Record<string, unknown>,
  key: string,
  path: string,
  { min, max, integer }: { min: number; max: number; integer?: boolean },
) {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new FaultRuleError(`${path}.${key}`, `must be a number from ${min} to ${max}`);
  if (integer && !Number.isInteger(v))
    throw new FaultRuleError(`${path}.${key}`, 'must be a whole number');
  return v;
}

/** Checks one rule (from a request body, a catalog or a rule file); unknown members are refused. */
export function parseFaultRule(value: unknown, path = 'rule'): FaultRule {
  if (!isObject(value)) throw new FaultRuleError(path, 'must be an object');
  for (const key of Object.keys(value))
    if (!(KEYS as readonly string[]).includes(key))
      throw new FaultRuleError(path, `unknown member ${JSON.stringify(key)}`);
  const rule: FaultRule = {};
  const put = <K extends keyof FaultRule>(key: K, v: FaultRule[K] | undefined) => {
    if (v !== undefined) rule[key] = v;
  };
  put('id', text(value, 'id', path, ID));
  for (const key of ['region', 'service', 'operation', 'productCode', 'accessKeyId'] as const)
    put(key, text(value, key, path));
  put('accountId', text(value, 'accountId', path, /^[0-9]{12}$/));
  put('probability', number(value, 'probability', path, { min: 0, max: 1 }));
  if (value.error !== undefined) {
    const e = value.error;
    const at = `${path}.error`;
    if (!isObject(e)) throw new FaultRuleError(at, 'must be an object');
    for (const key of Object.keys(e))
      if (!['statusCode', 'code', 'message'].includes(key))
        throw new FaultRuleError(at, `unknown member ${JSON.stringify(key)}`);
    const error: NonNullable<FaultRule['error']> = {};
    const status = number(e, 'statusCode', at, { min: 400, max: 599, integer: true });
    if (status !== undefined) error.statusCode = status;
    const code = text(e, 'code', at, CODE);
    if (code !== undefined) error.code = code;
    if (e.message !== undefined) {
      if (typeof e.message !== 'string' || e.message.length > 1024)
        throw new FaultRuleError(`${at}.message`, 'must be a string of at most 1024 characters');
      error.message = e.message;
    }
    rule.error = error;
  }
  put(
    'latencyMs',
    number(value, 'latencyMs', path, { min: 0, max: MAX_LATENCY_MS, integer: true }),
  );
  if (value.dropConnection !== undefined) {
    if (typeof value.dropConnection !== 'boolean')
      throw new FaultRuleError(`${path}.dropConnection`, 'must be true or false');
    rule.dropConnection = value.dropConnection;
  }
  put('unprocessedShare', number(value, 'unprocessedShare', path, { min: 0, max: 1 }));
  put(
    'times',
    number(value, 'times', path, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true }),
  );
  put(
    'seed',
    number(value, 'seed', path, {
      min: -Number.MAX_SAFE_INTEGER,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
    }),
  );
  const outcomes = [rule.error, rule.dropConnection, rule.unprocessedShare].filter(
    (v) => v !== undefined && v !== false,
  );
  if (outcomes.length > 1)
    throw new FaultRuleError(
      path,
      'give at most one of error, dropConnection and unprocessedShare',
    );
  if (rule.unprocessedShare !== undefined && rule.operation !== undefined)
    if (rule.operation !== 'BatchMeterUsage')
      throw new FaultRuleError(`${path}.unprocessedShare`, 'applies to BatchMeterUsage only');
  return rule;
}

/** Checks a list of rules (LocalStack's body: a JSON array). */
export function parseFaultRules(value: unknown, path = 'rules'): FaultRule[] {
  if (!Array.isArray(value)) throw new FaultRuleError(path, 'must be an array of rules');
  if (value.length > MAX_FAULT_RULES)
    throw new FaultRuleError(path, `holds at most ${MAX_FAULT_RULES} rules`);
  const rules = value.map((r, i) => parseFaultRule(r, `${path}[${i}]`));
  const ids = new Set<string>();
  for (const [i, r] of rules.entries()) {
    const id = ruleId(r);
    if (ids.has(id)) throw new FaultRuleError(`${path}[${i}]`, `a second rule with id ${id}`);
    ids.add(id);
  }
  return rules;
}

/** A rule's canonical JSON: its members in one order, so that equal rules compare equal. */
export function canonicalRule(rule: FaultRule): string {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) if (rule[key] !== undefined) out[key] = rule[key];
  if (rule.error) {
    const { statusCode, code, message } = rule.error;
    out.error = {
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(code !== undefined ? { code } : {}),
      ...(message !== undefined ? { message } : {}),
    };
  }
  return JSON.stringify(out);
}

/**
 * The rule's name in the audit trail and the metrics: its `id`, else `r-` and the first 8 hex
 * digits of the SHA-256 of its canonical JSON (so the same rule keeps its name across instances).
 */
export function ruleId(rule: FaultRule): string {
  return (
    rule.id ?? `r-${createHash('sha256').update(canonicalRule(rule)).digest('hex').slice(0, 8)}`
  );
}

/** Whether every condition the rule gives holds for the call. */
export function conditionsHold(rule: FaultRule, call: FaultCall): boolean {
  if (rule.region !== undefined && rule.region !== call.region) return false;
  if (rule.operation !== undefined && rule.operation !== call.operation) return false;
  if (rule.service !== undefined) {
    const names = ENTITLEMENT_OPERATIONS.has(call.operation)
      ? ENTITLEMENT_SERVICE_NAMES
      : METERING_SERVICE_NAMES;
    if (!names.includes(rule.service)) return false;
  }
  if (rule.accountId !== undefined && rule.accountId !== call.accountId) return false;
  if (rule.accessKeyId !== undefined && rule.accessKeyId !== call.accessKeyId) return false;
  if (rule.productCode !== undefined && rule.productCode !== call.productCode) return false;
  // A share of records needs records.
  if (rule.unprocessedShare !== undefined && call.records === undefined) return false;
  return true;
}

/** A rule with the state of its random sequence and the faults it has given. */
class LiveRule {
  readonly id: string;
  fired = 0;
  private readonly rng: ReturnType<typeof xoroshiro128plus>;

  constructor(readonly rule: FaultRule) {
    this.id = ruleId(rule);
    this.rng = xoroshiro128plus(rule.seed ?? randomInt(0, 2 ** 47));
  }

  /** The next number of the rule's sequence, in [0, 1). */
  random(): number {
    return (this.rng.next() >>> 0) / 0x1_0000_0000;
  }

  get exhausted(): boolean {
    return this.rule.times !== undefined && this.fired >= this.rule.times;
  }
}

/**
 * A set of rules with their state, as one instance applies it. Rules are tried in order; the
 * first whose conditions hold, that is not exhausted (`times`) and whose draw falls within its
 * probability fires, and no later rule is tried. A rule draws once for every call its conditions
 * hold for (the sequence moves only then), and a BatchMeterUsage share draws once more per
 * record handed back.
 * @example
 * const set = new FaultRuleSet([{ operation: 'MeterUsage', probability: 0.3, seed: 7 }]);
 * const fault = set.decide({ operation: 'MeterUsage', region: 'us-east-1',
 *   accountId: '111111111111', accessKeyId: 'AKIA…' });
 * // fault?.effect: { kind: 'error', code: 'ServiceUnavailable', statusCode: 503, … }
 */
export class FaultRuleSet {
  private readonly live: LiveRule[];

  constructor(readonly rules: readonly FaultRule[]) {
    this.live = rules.map((r) => new LiveRule(r));
  }

  get size(): number {
    return this.live.length;
  }

  decide(call: FaultCall): Fault | undefined {
    for (const live of this.live) {
      const { rule } = live;
      if (live.exhausted || !conditionsHold(rule, call)) continue;
      const draw = live.random();
      if (draw >= (rule.probability ?? 1)) continue;
      live.fired++;
      return { ruleId: live.id, latencyMs: rule.latencyMs ?? 0, effect: effectOf(live, call) };
    }
    return undefined;
  }
}

function effectOf(live: LiveRule, call: FaultCall): Fault['effect'] {
  const { rule } = live;
  if (rule.dropConnection) return { kind: 'dropConnection' };
  if (rule.unprocessedShare !== undefined) {
    const n = call.records ?? 0;
    const count = Math.round(rule.unprocessedShare * n);
    // A partial Fisher–Yates shuffle driven by the rule's sequence: `count` distinct records.
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(live.random() * (n - i));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return { kind: 'unprocessed', indices: order.slice(0, count).sort((a, b) => a - b) };
  }
  if (rule.error || rule.latencyMs === undefined) {
    const code = rule.error?.code ?? 'ServiceUnavailable';
    const message = rule.error?.message ?? `Injected fault (rule ${live.id}).`;
    const statusCode = rule.error?.statusCode;
    return { kind: 'error', code, message, ...(statusCode !== undefined ? { statusCode } : {}) };
  }
  return { kind: 'latency' };
}
