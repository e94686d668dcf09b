/**
 * @module Group commit for PostgreSQL: write jobs submitted while a transaction is being
 * prepared share it, each inside its own savepoint so that one failing job does not undo the
 * others; a group hit by a deadlock or serialization failure (instances sharing the database
 * meet on the same keys) is retried, the last time each job on its own. Its mirror,
 * sqlite/group-commit.ts, has one writer and no such conflicts, and flushes the WAL itself
 * off the event loop; here durability is the server's.
 */

import type pg from 'pg';
import { TransientStoreError } from '../errors.js';
import type { WriteHealth } from '../health.js';
import type { CommitObserver } from '../store.js';

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs the items of several jobs of one kind together, in the group's transaction and without
 * savepoints: a few statements for the whole group, whatever its size. Returns one value per
 * item, in order. If it throws (other than a deadlock or a lost connection), the group is run
 * again with each of those jobs on its own, in its savepoint.
 */
export type Batcher<I> = (client: pg.PoolClient, items: I[]) => Promise<unknown[]>;

type Job = {
  run: (client: pg.PoolClient) => Promise<unknown>;
  batch: { batcher: Batcher<unknown>; item: unknown } | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

const MAX_JOBS = 128;
const MAX_CONCURRENT = 4;
const RETRIES = 3;
const RETRYABLE = new Set(['40001', '40P01']);

export const isRetryable = (error: unknown) =>
  RETRYABLE.has((error as { code?: string } | null)?.code ?? '');

// SQLSTATEs of a database that cannot serve now: connection exceptions (08), insufficient
// resources (53), a server shutting down (57P0x), a statement cancelled by statement_timeout
// (57014), an idle transaction's session ended (25P03).
const TRANSIENT_CODE = /^(08|53|57P0)|^(57014|25P03)$/;
// What node-postgres and the socket say of a connection that is gone, stalled or refused: the
// pool's connect timeout, the client's read timeout, a client broken and unusable since.
const TRANSIENT_MESSAGE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable/;

/** Wraps database-unavailable errors as TransientStoreError; others pass through. */
export function transient(error: unknown): unknown {
  if (error instanceof TransientStoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (TRANSIENT_CODE.test(code) || TRANSIENT_MESSAGE.test(code)))
    return new TransientStoreError(`database unavailable (${code})`);
  if (error instanceof Error && TRANSIENT_MESSAGE.test(error.message))
    return new TransientStoreError(`database unavailable (${error.message})`);
  return error;
}

const isTransient = (error: unknown) => transient(error) instanceof TransientStoreError;

export class PgGroupCommit {
  private queue: Job[] = [];
  private active = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly health: WriteHealth,
    private readonly observe?: CommitObserver,
  ) {}

  /**
   * Runs `run` inside a group transaction; resolves once that transaction has committed. With
   * `batch`, the job is run with the group's other jobs of the same batcher, through it, and
   * `run` only when the batcher fails (see {@link Batcher}).
   */
  submit<T, I = never>(
    run: (client: pg.PoolClient) => Promise<T>,
    batch?: { batcher: Batcher<I>; item: I },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        run,
        batch: batch as Job['batch'],
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.schedule();
    });
  }

  drain(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule() {
    if (this.scheduled || this.active >= MAX_CONCURRENT || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.active >= MAX_CONCURRENT || this.queue.length === 0) return;
      this.active++;
      void this.flush(this.queue.splice(0, MAX_JOBS)).finally(() => {
        this.active--;
        this.schedule();
        if (this.active === 0 && this.queue.length === 0)
          for (const resolve of this.idle.splice(0)) resolve();
      });
      this.schedule();
    });
  }

  private async flush(jobs: Job[]): Promise<void> {
    const started = process.hrtime.bigint();
    let results: Result[] | undefined;
    let failure: unknown;
    // A deadlock or serialization failure aborts the whole group, which is then retried; the
    // last attempt runs each job in a transaction of its own. A batcher that fails has the
    // group run again without batching.
    let batching = true;
    for (let attempt = 0; attempt <= RETRIES && !results; attempt++) {
      try {
        results =
          attempt < RETRIES
            ? await this.transaction(jobs, batching)
            : await Promise.all(
                jobs.map(async (job) => (await this.transaction([job], false))[0]!),
              );
      } catch (error) {
        failure = error;
        if (error instanceof BatchFailed) {
          batching = false;
          attempt--;
          continue;
        }
        if (!isRetryable(error)) break;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
      }
    }
    if (!results) {
      const error = transient(failure);
      if (error instanceof TransientStoreError) {
        this.health.failed(error.message);
        // The jobs that queued meanwhile would meet the same outage, each group one more
        // timeout later: they are answered now, and the next job to come tries again.
        for (const job of this.queue.splice(0)) job.reject(error);
      }
      for (const job of jobs) job.reject(error);
      return;
    }
    this.observe?.(Number(process.hrtime.bigint() - started) / 1e9, jobs.length);
    let unavailable: TransientStoreError | undefined;
    jobs.forEach((job, i) => {
      const result = results[i]!;
      if (result.ok) return job.resolve(result.value);
      const error = transient(result.error);
      if (error instanceof TransientStoreError) unavailable = error;
      job.reject(error);
    });
    if (unavailable) this.health.failed(unavailable.message);
    else this.health.committed();
  }

  /**
   * Runs jobs in one transaction: those of a batcher together through it (when `batching`),
   * each other in a savepoint. Throws if the transaction must be retried, BatchFailed if it
   * must be retried without batching.
   */
  private async transaction(jobs: Job[], batching: boolean): Promise<Result[]> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const results: Result[] = new Array(jobs.length);
      const alone: number[] = [];
      const batches = new Map<Batcher<unknown>, number[]>();
      jobs.forEach((job, i) => {
        if (!batching || !job.batch) return alone.push(i);
        const list = batches.get(job.batch.batcher);
        if (list) list.push(i);
        else batches.set(job.batch.batcher, [i]);
      });
      for (const [batcher, indexes] of batches) {
        let values: unknown[];
        try {
          values = await batcher(
            client,
            indexes.map((i) => jobs[i]!.batch!.item),
          );
        } catch (error) {
          if (isRetryable(error) || isTransient(error)) throw error;
          throw new BatchFailed(error);
        }
        indexes.forEach((i, k) => (results[i] = { ok: true, value: values[k] }));
      }
      for (const i of alone) {
        const job = jobs[i]!;
        await client.query('SAVEPOINT job');
        try {
          results[i] = { ok: true, value: await job.run(client) };
          await client.query('RELEASE SAVEPOINT job');
        } catch (error) {
          // A lost or stalled connection takes the whole transaction with it.
          if (isRetryable(error) || isTransient(error)) throw error;
          await client.query('ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job');
          results[i] = { ok: false, error };
        }
      }
      await client.query('COMMIT');
      return results;
    } catch (error) {
      // A connection that failed or timed out may still have a statement in flight: it is
      // destroyed (the server rolls back), not asked to ROLLBACK and put back in the pool.
      if (isTransient(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/** A batcher's failure: the group is run again with each of its jobs on its own. */
class BatchFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('a batched write failed');
  }
}
