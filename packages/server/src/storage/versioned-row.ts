/**
 * @module A versioned row re-read on a timer: state that every instance on a shared database
 * holds in memory (the fault rules, the catalog cache) carries a version in one row; each
 * instance reads that row again every `everyMs` and is told when the version changed, so that
 * a change made through one instance is taken up by the others within about that long.
 */

/** What to read and whom to tell; `read` returns the stored version (and whatever it carries). */
export interface VersionWatchOptions<T extends { version: number }> {
  read: () => Promise<T>;
  /** Called with what was read whenever its version differs from the last one seen. */
  onChange: (read: T) => void;
  /** Told when a re-read failed (the last state stays in force). */
  onError?: (error: unknown) => void;
  everyMs: number;
}

/**
 * Re-reads a versioned row every `everyMs`, one read at a time.
 * @example
 * const watch = VersionWatch.start({ read: () => store.getFaultRules(), onChange: take, everyMs: 1000 });
 * watch.seen(next.version); // a change made here: no need to be told again
 * watch.stop();
 */
export class VersionWatch<T extends { version: number }> {
  private version = Number.NaN;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  private constructor(private readonly options: VersionWatchOptions<T>) {}

  /** Starts the timer; the first read happens at once and is awaited. */
  static async start<T extends { version: number }>(
    options: VersionWatchOptions<T>,
    { firstRead = true }: { firstRead?: boolean } = {},
  ): Promise<VersionWatch<T>> {
    const watch = new VersionWatch(options);
    if (firstRead) watch.take(await options.read());
    watch.timer = setInterval(() => void watch.refresh(), options.everyMs);
    watch.timer.unref();
    return watch;
  }

  /** Records a version as seen (one this instance wrote): its change is already taken up. */
  seen(version: number): void {
    this.version = version;
  }

  /** Reads the row again now (joining a read in flight). */
  refresh(): Promise<void> {
    this.reading ??= this.options
      .read()
      .then((r) => this.take(r))
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Takes what was read, telling `onChange` when its version is new. */
  take(read: T): void {
    if (read.version === this.version) return;
    this.version = read.version;
    this.options.onChange(read);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
