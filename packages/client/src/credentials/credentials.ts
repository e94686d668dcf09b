/**
 * @module The credentials the signer uses, and the shape of a function that provides them.
 */

/**
 * AWS credentials in the form the signer takes.
 *
 * @example
 * const credentials: Credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; the client fetches new ones five minutes before. */
  expiration?: Date;
}

/**
 * Resolves credentials, or `undefined` for unsigned requests.
 *
 * @example
 * const provider: CredentialsProvider = async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' });
 */
export type CredentialsProvider = () => Promise<Credentials | undefined>;
