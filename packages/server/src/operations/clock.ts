/**
 * @module The clock tests can move (`--clock-control`): real time plus an offset kept in the
 * store, so that every instance on a PostgreSQL database reads the same time. Every business
 * rule reads it (the 6-hour window, the grace hour, token and key expiry, scheduled work);
 * signature skew does not, since callers sign with their own clock.
 *
 * Each instance reads the offset again every `refreshMs` (default 1000), so that a change made
 * on one instance applies on all within about that long; a change made through this instance,
 * and a read of the clock through the admin API, apply at once.
 *
 * The clock never runs behind real time (the offset is never negative): it moves forward, and
 * back as far as real time. Dedupe keys and time-ordered ids are kept in real time, which then
 * errs on the side of remembering keys longer, never shorter.
 */

import { buildAdminEvent, type AdminCall } from '../audit/admin-event.js';
import { eventTimeOf } from '../audit/event.js';
import type { Clock } from '../domain/clock.js';
import type { Store, StoredClock } from '../storage/store.js';
import { VersionWatch } from '../storage/versioned-row.js';

/** A change of the clock: to a time, by a number of seconds, or back to real time. */
export type ClockChange = { now: Date } | { advanceSeconds: number } | { reset: true };

/** The clock as the admin API shows it. */
export interface ClockState {
  now: string;
  real: string;
  offsetSeconds: number;
  controlled: boolean;
}

/** A change the clock refuses: before real time, or past what a date can hold. */
export class ClockChangeError extends Error {
  override readonly name = 'ClockChangeError';
}

export interface MovableClockOptions {
  store: Store;
  /** How often the stored offset is read again, in milliseconds. */
  refreshMs?: number;
  /** Told when the offset could not be read again (the last one stays). */
  onRefreshError?: (error: unknown) => void;
}

const DEFAULT_REFRESH_MS = 1000;
/** A time this close before real time sets real time: the request's own transit. */
const REAL_TIME_TOLERANCE_MS = 1000;
/** The latest time the clock may show: the last second ISO 8601's four-digit years hold. */
const LAST_TIME_MS = Date.parse('9999-12-31T23:59:59Z');

/**
 * The movable clock of one instance.
 * @example
 * const clock = await MovableClock.start({ store });
 * new CatalogService(store, { registrationTokenTtlSeconds: 3600, now: clock.now });
 * await clock.change({ advanceSeconds: 3600 }, call); // an hour later, on every instance
 */
export class MovableClock {
  private offsetMs = 0;
  private watch: VersionWatch<StoredClock> | undefined;

  private constructor(private readonly options: MovableClockOptions) {}

  /** Reads the stored offset, then keeps reading it every `refreshMs`. */
  static async start(options: MovableClockOptions): Promise<MovableClock> {
    const clock = new MovableClock(options);
    clock.watch = await VersionWatch.start({
      read: () => options.store.getClock(),
      onChange: (stored) => (clock.offsetMs = stored.offsetMs),
      ...(options.onRefreshError ? { onError: options.onRefreshError } : {}),
      everyMs: options.refreshMs ?? DEFAULT_REFRESH_MS,
    });
    return clock;
  }

  stop(): void {
    this.watch?.stop();
  }

  /** What now is: real time plus the offset. */
  readonly now: Clock = () => new Date(Date.now() + this.offsetMs);

  /** The clock as it stands, read from the store first (so another instance's change shows). */
  async state(): Promise<ClockState> {
    this.take(await this.options.store.getClock());
    return this.stateOf(Date.now());
  }

  /** Moves the clock, on every instance, and records the change in the audit trail. */
  async change(change: ClockChange, call: AdminCall): Promise<ClockState> {
    let before = 0;
    const stored = await this.options.store.updateClock((current) => {
      before = current;
      return offsetAfter(change, current, Date.now());
    });
    this.take(stored);
    const real = Date.now();
    await this.options.store.appendEvent(
      buildAdminEvent(call, 'SetClock', requestOf(change), {
        eventTime: new Date(real + stored.offsetMs),
        realTime: new Date(real),
        additional: {
          before: { now: eventTimeOf(new Date(real + before)), offsetSeconds: before / 1000 },
          after: {
            now: eventTimeOf(new Date(real + stored.offsetMs)),
            offsetSeconds: stored.offsetMs / 1000,
          },
        },
      }),
    );
    return this.stateOf(real);
  }

  private stateOf(real: number): ClockState {
    return {
      now: new Date(real + this.offsetMs).toISOString(),
      real: new Date(real).toISOString(),
      offsetSeconds: this.offsetMs / 1000,
      controlled: true,
    };
  }

  /** Takes a stored offset (one read or written here) as the clock's. */
  private take(stored: StoredClock): void {
    this.watch?.take(stored);
  }
}

/** The offset a change leaves, given the current one and real time (epoch ms). */
export function offsetAfter(change: ClockChange, current: number, real: number): number {
  if ('reset' in change) return 0;
  const target =
    'now' in change ? change.now.getTime() : real + current + change.advanceSeconds * 1000;
  if (!Number.isFinite(target) || target > LAST_TIME_MS)
    throw new ClockChangeError('The clock cannot be set past 9999-12-31T23:59:59Z.');
  if (target < real - REAL_TIME_TOLERANCE_MS)
    throw new ClockChangeError(
      `The clock cannot be set before real time (${new Date(real).toISOString()}): it moves forward, and back only as far as real time (DELETE /admin/v1/clock).`,
    );
  return Math.max(0, Math.round(target - real));
}

/** The change as the audit event's `requestParameters` records it. */
function requestOf(change: ClockChange) {
  if ('now' in change) return { now: change.now.toISOString() };
  if ('advanceSeconds' in change) return { advanceSeconds: change.advanceSeconds };
  return { reset: true };
}
