/**
 * @module The authenticated caller of an API request.
 */

export interface Principal {
  accountId: string;
  accessKeyId: string;
  /** Temporary credentials (an instance role, a task role) carry a session token. */
  temporary: boolean;
  /** The region the calling resource runs in (its key's region, else the server's). */
  resourceRegion: string;
}
