/**
 * @module What the HTTP layer knows about a call, carried into its operation and audit event.
 */

import type { Principal } from './principal.js';

export interface CallContext {
  requestId: string;
  principal: Principal;
  region: string;
  sourceIp: string;
  userAgent: string;
  /** The call's time, read once from the server's clock when it arrives. */
  now: Date;
  /** The real time of the call, kept beside `now` while the clock is controlled. */
  realTime?: Date;
}
