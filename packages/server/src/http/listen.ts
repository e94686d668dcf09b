/**
 * @module The address meterd listens on, checked before anything is created: a port that is
 * taken, an address this machine does not have or a port it may not use is refused at once,
 * in words that name the fix, so that a failed start leaves no database, lock or file behind.
 */

import { createServer } from 'node:net';

/**
 * Binds `host:port` and lets it go again, or throws the error a listen there would give,
 * reworded by {@link listenError}. Port 0 (any free port) cannot be taken and is not tried.
 * @example await checkAddress('127.0.0.1', 9400)
 */
export async function checkAddress(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port }, () => resolve());
    });
  } catch (error) {
    throw listenError(error, host, port);
  } finally {
    await new Promise<void>((resolve) =>
      probe.listening ? probe.close(() => resolve()) : resolve(),
    );
  }
}

/** A listen error in words that name the problem and the fix; others as they are. */
export function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EADDRINUSE':
      return new Error(
        `port ${port} on ${host} is in use (another meterd?): stop it or set --port / METERD_PORT`,
      );
    case 'EACCES':
    case 'EPERM':
      return new Error(
        `port ${port} on ${host} may not be used by this user (ports below 1024 need privileges): set --port / METERD_PORT to 1024 or above`,
      );
    case 'EADDRNOTAVAIL':
      return new Error(
        `${host} is not an address of this machine: set --host / METERD_HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new Error(
        `host ${host} cannot be resolved: set --host / METERD_HOST to an address (127.0.0.1, 0.0.0.0) or a name this machine resolves`,
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
