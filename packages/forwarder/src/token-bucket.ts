/**
 * @module A token bucket: at most `rate` calls a second on average, bursts of at most `burst`.
 * The forwarder takes one token per BatchMeterUsage call, so that it never calls faster than
 * AWS's quota (10 a second per account and region by default).
 */

export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @example
   * const bucket = new TokenBucket(10, 10);
   * await bucket.take(); // resolves at once while tokens are left, else when one is due
   */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  /** How long, in milliseconds, until a token can be taken (0 when one is there now). */
  wait(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }

  /** Takes a token, waiting until one is due. */
  async take(): Promise<void> {
    for (let w = this.wait(); w > 0; w = this.wait()) await new Promise((r) => setTimeout(r, w));
    this.tokens -= 1;
  }
}
