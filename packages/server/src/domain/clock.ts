/**
 * @module The server's clock: every rule that depends on the time (the 6-hour window, token
 * expiry, signature skew) reads it through a `Clock`, so that one place decides what now is.
 */

/** Returns the current time. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
