/**
 * @module The one path of every AWS operation, from an authenticated call's body to its answer:
 * parse and validate, the hooks before the operation, the operation, the audit event (one per
 * call, accepted or rejected, its secrets redacted), and the AWS error of whatever was thrown.
 */

import { callToStore, type EventToStore } from '../audit/call.js';
import type { CallContext } from '../domain/call-context.js';
import { AwsError, ThrottlingException, toWireError } from '../protocol/errors.js';
import type { OperationName, OperationTypes } from '../protocol/shapes.js';
import { parseInput } from '../protocol/validate.js';
import { parseCborBody } from '../protocol/rpc-v2-cbor.js';
import { serviceOf, type Protocol } from '../protocol/services.js';
import { parseBody } from '../protocol/wire.js';
import { TransientStoreError } from '../storage/errors.js';
import type { Store, UsageOutcome, UsageRecordRow } from '../storage/store.js';
import { batchMeterUsage } from './batch-meter-usage.js';
import type { Answer, CallRecorder, OperationDeps } from './deps.js';
import { getEntitlements } from './get-entitlements.js';
import { meterUsage } from './meter-usage.js';
import { registerUsage, type RegisterUsageDeps } from './register-usage.js';
import { resolveCustomer } from './resolve-customer.js';

type Input<O extends OperationName> = OperationTypes[O][0];
type Output<O extends OperationName> = OperationTypes[O][1];

/** One authenticated call with its validated input, as the hooks before the operation see it. */
export type Call = {
  [O in OperationName]: { operation: O; ctx: CallContext; input: Input<O> };
}[OperationName];

/**
 * What a hook asks of the call besides delaying it (by waiting) or refusing it (by throwing).
 * Directives of several hooks combine: notes merge, and the first refusal or drop stops the
 * hooks after it.
 */
export interface Directive {
  /**
   * Refuse the call with this error, audited with the directive's `note`, so that the event
   * shows an injected failure, not a real one (a throw is audited as a real refusal).
   */
  refuse?: AwsError;
  /**
   * Answer nothing: the endpoint closes the connection. The call is not run; it is audited as
   * refused with `refuse` (ConnectionDropped if none) and the note.
   */
  dropConnection?: boolean;
  /**
   * BatchMeterUsage: the positions of records to hand back in `UnprocessedRecords` without
   * running them (so they are not stored); the others are run as usual.
   */
  unprocessed?: readonly number[];
  /** Recorded in the call's audit event under `additionalEventData`. */
  note?: Record<string, unknown>;
}

/**
 * A hook before the operation. Hooks run in the order given, after validation: one that throws
 * refuses the call with what it threw (an AwsError as it is, anything else as an internal
 * error), and the call is audited as refused; one that waits delays the call; one that returns
 * a {@link Directive} refuses, drops or partly hands back the call, marked in its audit event.
 * @example
 * // Refuse one product's MeterUsage calls for a while, as fault injection does:
 * const flaky: BeforeOperation = ({ operation, input }) => {
 *   if (operation === 'MeterUsage' && input.ProductCode === 'flaky-ami')
 *     return {
 *       refuse: new ThrottlingException('Rate exceeded (injected).'),
 *       note: { injectedFault: { rule: 'flaky-ami', effect: 'error' } },
 *     };
 * };
 * const dispatcher = new Dispatcher({ deps, log, beforeOperation: [flaky] });
 */
export type BeforeOperation = (call: Call) => void | Directive | Promise<void | Directive>;

/** The dispatcher's answer: the output or the error, and whether to drop the connection. */
export type Dispatched<T> = Answer<T> & { dropConnection?: boolean };

/** The error a dropped call is audited with (the client receives nothing). */
export class ConnectionDropped extends AwsError {
  override readonly name = 'ConnectionDropped';
}

/** Where the dispatcher reports what a caller is not told; a pino or Fastify logger fits. */
export interface DispatchLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** Told of the usage records each call stored, once they are committed. */
export type UsageStoredObserver = (rows: readonly UsageRecordRow[]) => void;

export interface DispatcherOptions {
  deps: OperationDeps & RegisterUsageDeps;
  log: DispatchLog;
  beforeOperation?: BeforeOperation[];
  /** Told of the records each call stored: not those already stored, which it answered again. */
  onUsageStored?: UsageStoredObserver;
}

type Operation<O extends OperationName> = (
  deps: OperationDeps & RegisterUsageDeps,
  ctx: CallContext,
  input: Input<O>,
  recorder: CallRecorder<Output<O>>,
) => Promise<Output<O>>;

const operations: { [O in OperationName]: Operation<O> } = {
  BatchMeterUsage: batchMeterUsage,
  MeterUsage: meterUsage,
  RegisterUsage: registerUsage,
  ResolveCustomer: resolveCustomer,
  GetEntitlements: getEntitlements,
};

export class Dispatcher {
  private readonly deps: OperationDeps & RegisterUsageDeps;
  private readonly log: DispatchLog;
  private readonly beforeOperation: readonly BeforeOperation[];
  private readonly onUsageStored: UsageStoredObserver;

  constructor(options: DispatcherOptions) {
    this.deps = options.deps;
    this.log = options.log;
    this.beforeOperation = [...(options.beforeOperation ?? [])];
    this.onUsageStored = options.onUsageStored ?? (() => undefined);
  }

  /**
   * Serves one authenticated call of `operation` with the raw `body`, in the wire `protocol`
   * it came in (AWS JSON by default). Never throws: the answer is the output, or the AWS error
   * to send; either way the call's audit event is stored.
   */
  async dispatch<O extends OperationName>(
    operation: O,
    ctx: CallContext,
    body: Buffer,
    protocol: Protocol = 'json',
  ): Promise<Dispatched<Output<O>>> {
    const audit = new CallAudit<Output<O>>(
      this.deps.store,
      ctx,
      operation,
      body,
      protocol,
      this.onUsageStored,
    );
    // Of a service that speaks several protocols, the event says which one the call came in.
    if (serviceOf(operation).metadata.protocols.length > 1) audit.note = { protocol };
    try {
      // What the event records as the request: the body as far as it could be read.
      audit.request = protocol === 'json' ? parseBody(body) : parseCborBody(body);
      let input = parseInput(operation, audit.request) as Input<O>;
      audit.request = input;
      const call = { operation, ctx, input } as Call;
      let unprocessed: readonly number[] | undefined;
      for (const hook of this.beforeOperation) {
        const directive = await hook(call);
        if (!directive) continue;
        if (directive.note) audit.note = { ...audit.note, ...directive.note };
        if (directive.dropConnection) {
          const error =
            directive.refuse ?? new ConnectionDropped('The connection was closed unanswered.');
          await audit
            .append({ error })
            .catch((err: unknown) => this.auditFailed(err, ctx.requestId));
          return { error, dropConnection: true };
        }
        if (directive.refuse) throw directive.refuse;
        if (directive.unprocessed) unprocessed = directive.unprocessed;
      }
      if (unprocessed && operation === 'BatchMeterUsage') {
        const batch = input as Input<'BatchMeterUsage'>;
        const held = new Set(unprocessed);
        const back = batch.UsageRecords.filter((_, i) => held.has(i));
        input = {
          ...batch,
          UsageRecords: batch.UsageRecords.filter((_, i) => !held.has(i)),
        } as Input<O>;
        audit.amend = (out) => {
          const o = out as Output<'BatchMeterUsage'>;
          return { ...o, UnprocessedRecords: [...o.UnprocessedRecords, ...back] } as Output<O>;
        };
        if ((input as Input<'BatchMeterUsage'>).UsageRecords.length === 0) {
          const output = audit.amend({ Results: [], UnprocessedRecords: [] } as Output<O>);
          await audit.append({ output });
          return { output };
        }
      }
      const run = operations[operation] as Operation<O>;
      const output = await run(this.deps, ctx, input, audit);
      if (!audit.committed(output)) await audit.append({ output });
      return { output };
    } catch (caught) {
      return this.refused(caught, audit, ctx);
    }
  }

  private async refused<T>(caught: unknown, audit: CallAudit<T>, ctx: CallContext) {
    const requestId = ctx.requestId;
    if (caught instanceof TransientStoreError && audit.unavailable) {
      const output = audit.amend(audit.unavailable());
      // The store that could not take the records is not likely to take the event either.
      await audit.append({ output }).catch((err: unknown) => this.auditFailed(err, requestId));
      return { output };
    }
    const error = this.errorOf(caught, requestId);
    if (!audit.committed(caught))
      await audit.append({ error }).catch((err: unknown) => this.auditFailed(err, requestId));
    return { error };
  }

  /**
   * An event the store could not take. While the store is unavailable its write health logs
   * the episode once (storage/health.ts); each call's event failing with it is not news.
   */
  private auditFailed(err: unknown, requestId: string): void {
    if (!(err instanceof TransientStoreError))
      this.log.error({ err, requestId }, 'could not audit a rejected call');
  }

  /** The AWS error a call that threw `caught` is answered with. */
  private errorOf(caught: unknown, requestId: string): AwsError {
    if (caught instanceof AwsError) return caught;
    // A store that stays unavailable after retries: the client backs off and retries.
    if (caught instanceof TransientStoreError)
      return new ThrottlingException('Rate exceeded; the store is busy. Retry with backoff.');
    this.log.error({ err: caught, requestId }, 'unexpected error');
    return toWireError(caught);
  }
}

/**
 * The audit of one call, and the recorder its operation writes through: it stores the call's
 * event (audit/call.ts; redacted there, and only there) and remembers the answer whose event committed with the
 * call's writes, so that the dispatcher stores no second one.
 */
class CallAudit<T> implements CallRecorder<T> {
  /** The request as the event records it: nothing, the parsed body, then the validated input. */
  request: unknown;
  /** BatchMeterUsage's answer when the store is unavailable (see `whenStoreUnavailable`). */
  unavailable: (() => T) | undefined;
  /** What a hook's directive adds to the event (`additionalEventData`). */
  note: Record<string, unknown> | undefined;
  /** Completes the operation's output (records a hook handed back); by default as it is. */
  amend: (output: T) => T = (output) => output;
  private written: Answer<T> | undefined;

  constructor(
    private readonly store: Store,
    private readonly ctx: CallContext,
    private readonly operation: OperationName,
    private readonly body: Buffer,
    private readonly protocol: Protocol,
    private readonly onStored: UsageStoredObserver,
  ) {}

  async recordUsage<A extends Answer<T>>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => A,
    request?: unknown,
  ): Promise<A> {
    let stored: UsageRecordRow[] = [];
    const answer = await this.store.recordUsage(records, (outcomes) => {
      stored = outcomes.filter((o) => o.created).map((o) => o.row);
      let settled = settle(outcomes);
      if ('output' in settled) settled = { ...settled, output: this.amend(settled.output) } as A;
      return { value: settled, event: this.event(settled, request) };
    });
    this.written = answer;
    this.onStored(stored);
    return answer;
  }

  async registerTask(accessKeyId: string, productCode: string, at: Date, output: T) {
    const answer = { output };
    await this.store.registerTask(accessKeyId, productCode, at, this.event(answer));
    this.written = answer;
  }

  whenStoreUnavailable(answer: () => T) {
    this.unavailable = answer;
  }

  /** Whether the event of the call answered with `outcome` (an output or a thrown error) is in. */
  committed(outcome: unknown): boolean {
    const written = this.written;
    if (!written) return false;
    return 'error' in written ? written.error === outcome : written.output === outcome;
  }

  /** Stores the event of the call answered `answer` on its own. */
  append(answer: Answer<T>): Promise<void> {
    return this.store.appendEvent(this.event(answer));
  }

  /** The call's event, stored as the call (its request's bytes and compact outcome). */
  private event(answer: Answer<T>, request = this.request): EventToStore {
    return callToStore({
      ctx: this.ctx,
      operation: this.operation,
      body: this.body,
      protocol: this.protocol,
      request,
      parsed: this.request,
      outcome:
        'error' in answer
          ? { error: { name: answer.error.name, message: answer.error.message } }
          : { response: answer.output },
      note: this.note,
    });
  }
}
