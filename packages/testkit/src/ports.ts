/** @module Free TCP ports on 127.0.0.1, and waiting until a server accepts connections on one. */

import { connect, createServer } from 'node:net';
import type { Child } from './process.js';

/** A TCP port on 127.0.0.1 that nothing listens on at the moment. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function connects(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

export interface WaitOptions {
  host?: string;
  timeoutMs?: number;
  /** The process that is to listen: waiting fails at once, with its output, when it exits. */
  child?: Child;
}

/** Resolves once something accepts connections on `port`. */
export async function waitForPort(port: number, options: WaitOptions = {}): Promise<void> {
  const { host = '127.0.0.1', timeoutMs = 60_000, child } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && !child.running()) throw new Error(`server exited early:\n${child.output()}`);
    if (await connects(port, host)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `server did not listen on ${port} within ${timeoutMs} ms:\n${child?.output() ?? ''}`,
  );
}
