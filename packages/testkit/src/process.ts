/**
 * @module Child processes that a test or the benchmark starts and must stop: their output is
 * kept, and stopping asks first (SIGTERM) and insists later (SIGKILL).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface ProcessOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Do not read standard output (a chatty process whose output nobody looks at). */
  quiet?: boolean;
  /** Keep only the last this many characters of output (a long benchmark run). */
  outputLimit?: number;
  /**
   * Start it in a process group of its own (detached) and signal the whole group, as a
   * supervisor does: a process that runs others (`unshare`, a shim) goes with them.
   */
  processGroup?: boolean;
  /**
   * Standard output goes to this file (appended to) instead of being read: a log on a disk of
   * its own, as a supervisor redirects it. Only standard error is then kept as output.
   */
  stdoutFile?: string;
}

/** A running child process. */
export interface Child {
  process: ChildProcess;
  /** Standard output and standard error so far, interleaved. */
  output(): string;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /**
   * SIGKILL; resolves once the process has exited, or at once with `wait: false` (the process
   * may then still be dying, as when a supervisor restarts it straight away).
   */
  kill(options?: { wait?: boolean }): Promise<void>;
}

/** Starts `command` with its output piped and kept. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions = {},
): Child {
  const stdoutFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: options.processGroup ?? false,
    stdio: ['ignore', stdoutFd ?? (options.quiet ? 'ignore' : 'pipe'), 'pipe'],
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd); // the child has its own copy
  const limit = options.outputLimit ?? Infinity;
  let output = '';
  const keep = (data: Buffer) => {
    output += data.toString();
    if (output.length > limit) output = output.slice(-limit);
  };
  child.stdout?.on('data', keep);
  child.stderr!.on('data', keep);
  // 'close' rather than 'exit': by then every byte of output has been read.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = (name: NodeJS.Signals) => {
    if (!options.processGroup) child.kill(name);
    else if (child.pid !== undefined)
      try {
        process.kill(-child.pid, name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // the group is gone
      }
  };
  return {
    process: child,
    output: () => output,
    running,
    async stop(graceMs = 15_000) {
      if (running()) signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await closed;
      clearTimeout(timer);
    },
    async kill({ wait = true } = {}) {
      if (running()) signal('SIGKILL');
      if (wait) await closed;
    },
  };
}
