/**
 * @module The delivery loop, one per meterd instance and shared by every target type: it
 * leases the outbox's due messages (the store's durable queue: put with the change, list due,
 * settle), sends each through its target's sender, and records the outcome: delivered, retried
 * after a backoff with jitter (read on the server's clock), or given up; the end of a
 * subscription the buyer has taken up again is dropped unsent. A message keeps its
 * MessageId through every retry and restart, so receivers can deduplicate.
 */

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import {
  endOfGraceBuyer,
  retryDelayMs,
  type OutboxMessage,
  type RetryPolicy,
  type TargetType,
} from '../domain/notifications.js';
import type { Store } from '../storage/store.js';
import { SendError, type Sender } from './senders.js';

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 1000,
  maxMs: 60_000,
  maxAttempts: 50,
};

export interface DeliveryOptions {
  store: Store;
  senders: Record<TargetType, Sender>;
  /** The server's clock: when messages are due, and when a retry is. */
  clock: Clock;
  retry?: Partial<RetryPolicy>;
  /** How often the outbox is looked at (ms). */
  pollMs?: number;
  /** How long a claimed message is this instance's (ms); longer than a send may take. */
  leaseMs?: number;
  /** Messages claimed at once. */
  batch?: number;
  onAttempt?: (
    message: OutboxMessage,
    outcome: 'delivered' | 'retry' | 'failed',
    error?: string,
  ) => void;
  onError?: (error: unknown) => void;
}

export class DeliveryLoop {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly policy: RetryPolicy;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: DeliveryOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  start(): this {
    this.schedule(0);
    return this;
  }

  /** Looks at the outbox now (after a change this instance made). */
  wake(): void {
    if (!this.running && !this.stopped) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.options.pollMs ?? 250);
      });
    }, ms);
    this.timer.unref();
  }

  /** One pass: claim what is due, send it (each target's messages in order), settle. */
  async tick(): Promise<void> {
    const { store } = this.options;
    let claimed: OutboxMessage[];
    try {
      claimed = await store.claimNotifications({
        owner: this.owner,
        dueBy: this.options.clock(),
        now: new Date(),
        leaseMs: this.options.leaseMs ?? 30_000,
        limit: this.options.batch ?? 32,
      });
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    const byTarget = new Map<string, OutboxMessage[]>();
    for (const m of claimed) byTarget.set(m.targetId, [...(byTarget.get(m.targetId) ?? []), m]);
    await Promise.all(
      [...byTarget.values()].map(async (messages) => {
        for (const m of messages) await this.deliver(m);
      }),
    );
  }

  /** Whether `m` ends a subscription that the buyer has since taken up again. */
  private async resubscribed(m: OutboxMessage): Promise<boolean> {
    const buyer = endOfGraceBuyer(m);
    if (!buyer) return false;
    const agreements = await this.options.store.findAgreements(buyer);
    return agreements.some((a) => a.status === 'active');
  }

  private async deliver(m: OutboxMessage) {
    const { store } = this.options;
    try {
      const target = await store.getNotificationTarget(m.targetId);
      if (!target) return;
      if (await this.resubscribed(m)) {
        await store.settleNotification(m.seq, this.owner, {
          delivered: false,
          dropped: 'the buyer subscribed again within the grace hour',
        });
        return;
      }
      let error: SendError | undefined;
      try {
        await this.options.senders[target.type](m, target);
      } catch (e) {
        error = e instanceof SendError ? e : new SendError(String((e as Error)?.message ?? e));
      }
      if (!error) {
        await store.settleNotification(m.seq, this.owner, { delivered: true, at: new Date() });
        this.options.onAttempt?.(m, 'delivered');
        return;
      }
      const attempts = m.attempts + 1;
      const retryAt =
        error.retry && attempts < this.policy.maxAttempts
          ? new Date(this.options.clock().getTime() + retryDelayMs(attempts, this.policy))
          : null;
      await store.settleNotification(m.seq, this.owner, {
        delivered: false,
        error: error.message,
        retryAt,
      });
      this.options.onAttempt?.(m, retryAt ? 'retry' : 'failed', error.message);
    } catch (error) {
      // The store failed: the lease runs out and the message is taken again.
      this.options.onError?.(error);
    }
  }
}
