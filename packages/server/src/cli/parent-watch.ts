/**
 * @module meterd started by `npx` or `npm exec` follows the npm process that started it. npm
 * runs meterd as a child (through a shell) and does not pass SIGTERM on: sent to npx, it ends
 * npx alone, and meterd, reparented, would keep its port and data. Watching for that
 * reparenting lets meterd shut down gracefully then, as if it had been sent the signal itself.
 */

/**
 * Whether this process was started by `npm exec` (which `npx` is), from the environment npm
 * gives its children.
 *
 * @example
 * startedByNpmExec({ npm_command: 'exec' }); // true
 */
export function startedByNpmExec(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command === 'exec';
}

/**
 * Calls `onExit` once, when the process that started this one has exited (this one was then
 * reparented, and its parent process id changed), checking every `intervalMs`. The timer does
 * not keep the process alive. Returns a function that stops watching.
 *
 * @example
 * const unwatch = watchParent(() => shutdown('parent exited'));
 */
export function watchParent(onExit: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onExit();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
