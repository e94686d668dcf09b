/**
 * @module Whether the store takes writes. An episode of unavailability starts at the first
 * write that fails for a reason worth retrying (a full disk, a lost database) and ends at the
 * next write that commits: readiness, the episode's one log line and its metrics follow it, so
 * that a thousand refused calls make one episode, not a thousand errors.
 */

/** What readiness reports of the store's writes. */
export type WriteStatus =
  { writable: true } | { writable: false; reason: string; since: Date; failures: number };

/** Told when an episode starts and when it ends (meterd logs and counts them). */
export interface WriteHealthObserver {
  unavailable?(reason: string, since: Date): void;
  recovered?(reason: string, downSeconds: number, failures: number): void;
}

export class WriteHealth {
  private down: { reason: string; since: Date; failures: number } | undefined;

  constructor(private readonly observer: WriteHealthObserver = {}) {}

  /** A write committed durably: an episode in progress ends. */
  committed(): void {
    const down = this.down;
    if (!down) return;
    this.down = undefined;
    this.observer.recovered?.(
      down.reason,
      (Date.now() - down.since.getTime()) / 1000,
      down.failures,
    );
  }

  /** A write failed for a reason worth retrying: an episode starts, or goes on. */
  failed(reason: string): void {
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
}
