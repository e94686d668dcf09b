/**
 * @module Fault injection: the stored fault rules as this instance applies them, and the hook
 * before the operation that gives a call the fault of the first rule that fires (an error, a
 * delay, a dropped connection, records handed back), marked in its audit event.
 *
 * The rules live in the store, shared by every instance on a PostgreSQL database. Each instance
 * reads them again every `refreshMs` (default 1000) and takes them up when their version has
 * changed, so that a change made on one instance applies on all within about that long; a change
 * made through this instance applies at once. Each instance keeps its own rule state (the random
 * sequence of a seeded rule, the count of `times`), started afresh when the rules change.
 */

import type { Fault, FaultCall, FaultRule } from '../domain/faults.js';
import { canonicalRule, FaultRuleSet, parseFaultRules, ruleId } from '../domain/faults.js';
import { errorNamed } from '../protocol/errors.js';
import type { Store, StoredFaultRules } from '../storage/store.js';
import { VersionWatch } from '../storage/versioned-row.js';
import type { BeforeOperation, Call, Directive } from './dispatcher.js';

/** The effect a fault is counted and audited under. */
export type FaultEffect = 'error' | 'latency' | 'dropConnection' | 'unprocessed';

export interface FaultInjectorOptions {
  store: Store;
  /** How often the stored rules are read again, in milliseconds. */
  refreshMs?: number;
  /** Told of every fault given (for the metrics). */
  onFault?: (rule: string, effect: FaultEffect) => void;
  /** Told when the rules could not be read again (the last ones stay in force). */
  onRefreshError?: (error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_REFRESH_MS = 1000;

const effectOf = (fault: Fault): FaultEffect =>
  fault.effect.kind === 'unprocessed' ? 'unprocessed' : fault.effect.kind;

/** The call's product, where its input names one. */
function productOf(call: Call): string | undefined {
  return call.operation === 'ResolveCustomer' ? undefined : call.input.ProductCode;
}

/**
 * The fault rules of one instance: changes (replace, append, remove, as LocalStack's Chaos API
 * has them) go to the store; `hook` applies the rules to calls.
 * @example
 * const faults = await FaultInjector.start({ store, onFault: (rule, effect) => count(rule, effect) });
 * await faults.append([{ operation: 'BatchMeterUsage', error: { code: 'ThrottlingException' }, times: 2 }]);
 * new Dispatcher({ deps, log, beforeOperation: [faults.hook] });
 */
export class FaultInjector {
  private set = new FaultRuleSet([]);
  private watch: VersionWatch<StoredFaultRules> | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  private constructor(private readonly options: FaultInjectorOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Reads the stored rules, then keeps reading them every `refreshMs`. */
  static async start(options: FaultInjectorOptions): Promise<FaultInjector> {
    const injector = new FaultInjector(options);
    injector.watch = await VersionWatch.start({
      read: () => options.store.getFaultRules(),
      onChange: (stored) => (injector.set = new FaultRuleSet(stored.rules)),
      onError: (error) => options.onRefreshError?.(error),
      everyMs: options.refreshMs ?? DEFAULT_REFRESH_MS,
    });
    return injector;
  }

  stop(): void {
    this.watch?.stop();
  }

  /** The rules in force, as stored. */
  get rules(): readonly FaultRule[] {
    return this.set.rules;
  }

  /** Reads the stored rules again (one read at a time). */
  refresh(): Promise<void> {
    return this.watch?.refresh() ?? Promise.resolve();
  }

  /** POST: replaces every rule. */
  replace(rules: unknown): Promise<FaultRule[]> {
    const parsed = parseFaultRules(rules);
    return this.change(() => parsed);
  }

  /** PATCH: appends rules after the current ones. */
  append(rules: unknown): Promise<FaultRule[]> {
    const parsed = parseFaultRules(rules);
    return this.change((current) => parseFaultRules([...current, ...parsed]));
  }

  /** DELETE: removes the rules equal to those given (LocalStack's way); others are ignored. */
  remove(rules: unknown): Promise<FaultRule[]> {
    const gone = new Set(parseFaultRules(rules).map(canonicalRule));
    return this.change((current) => current.filter((r) => !gone.has(canonicalRule(r))));
  }

  /** Removes the rule of this id (see `ruleId`); false if there is none. */
  async removeById(id: string): Promise<boolean> {
    let found = false;
    await this.change((current) => {
      const kept = current.filter((r) => ruleId(r) !== id);
      found = kept.length < current.length;
      return kept;
    });
    return found;
  }

  private async change(edit: (current: FaultRule[]) => FaultRule[]): Promise<FaultRule[]> {
    const stored = await this.options.store.updateFaultRules(edit);
    this.watch?.take(stored);
    return stored.rules;
  }

  /** The hook before the operation (see operations/dispatcher.ts). */
  readonly hook: BeforeOperation = async (call) => {
    if (this.set.size === 0) return undefined;
    const { principal, region } = call.ctx;
    const seen: FaultCall = {
      operation: call.operation,
      region,
      accountId: principal.accountId,
      accessKeyId: principal.accessKeyId,
      productCode: productOf(call),
      ...(call.operation === 'BatchMeterUsage' ? { records: call.input.UsageRecords.length } : {}),
    };
    const fault = this.set.decide(seen);
    if (!fault) return undefined;
    const effect = effectOf(fault);
    this.options.onFault?.(fault.ruleId, effect);
    const note = {
      injectedFault: {
        rule: fault.ruleId,
        effect,
        ...(fault.latencyMs ? { latencyMs: fault.latencyMs } : {}),
      },
    };
    if (fault.latencyMs > 0) await this.sleep(fault.latencyMs);
    return directiveOf(fault, note);
  };
}

function directiveOf(fault: Fault, note: Directive['note']): Directive {
  const e = fault.effect;
  switch (e.kind) {
    case 'latency':
      return { note };
    case 'error':
      return { refuse: errorNamed(e.code, e.statusCode, e.message), note };
    case 'dropConnection':
      return { dropConnection: true, note };
    case 'unprocessed':
      return { unprocessed: e.indices, note };
  }
}
