/**
 * @module Whether the store takes writes. An episode of unavailability starts at the first
 * write that fails for a reason worth retrying (a full disk, a lost database) and ends once
 * writes commit again with none failing for a second (SETTLE_MS): readiness, the episode's one
 * log line and its metrics follow it, so that a thousand refused calls make one episode, not a
 * thousand errors.
 */

/** What readiness reports of the store's writes. */
export type WriteStatus =
  { writable: true } | { writable: false; reason: string; since: Date; failures: number };

/** Told when an episode starts and when it ends (meterd logs and counts them). */
export interface WriteHealthObserver {
  unavailable?(reason: string, since: Date): void;
  recovered?(reason: string, downSeconds: number, failures: number): void;
}

/**
 * How long writes must go on committing, with none failing, before an episode ends. On a full
 * disk small writes can still fit (an audit event into a page the log had free) between the
 * calls refused: without it each of those would end the episode and the next refusal start
 * another, a log line and a readiness flip per call.
 */
export const SETTLE_MS = 1000;

export class WriteHealth {
  private down: { reason: string; since: Date; failures: number } | undefined;
  /** Set while the episode is settling: a write committed and none has failed since. */
  private settling: NodeJS.Timeout | undefined;

  constructor(
    private readonly observer: WriteHealthObserver = {},
    private readonly settleMs = SETTLE_MS,
  ) {}

  /** A write committed durably: an episode in progress ends once writes keep committing. */
  committed(): void {
    if (!this.down || this.settling) return;
    this.settling = setTimeout(() => this.end(), this.settleMs).unref();
  }

  /** A write failed for a reason worth retrying: an episode starts, or goes on. */
  failed(reason: string): void {
    clearTimeout(this.settling);
    this.settling = undefined;
    if (this.down) {
      this.down.failures++;
      return;
    }
    this.down = { reason, since: new Date(), failures: 1 };
    this.observer.unavailable?.(reason, this.down.since);
  }

  get status(): WriteStatus {
    return this.down ? { writable: false, ...this.down } : { writable: true };
  }

  private end(): void {
    const down = this.down!;
    this.down = undefined;
    this.settling = undefined;
    this.observer.recovered?.(
      down.reason,
      (Date.now() - down.since.getTime()) / 1000,
      down.failures,
    );
  }
}
