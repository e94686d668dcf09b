/**
 * @module meterd under a supervisor: started with the README's Quick start command from the
 * repository root, the process that command starts must be meterd itself. SIGTERM (and
 * SIGINT) sent to that process shut meterd down gracefully: it exits 0, its port is free and
 * another meterd starts on its data directory.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startMeterd } from '@meterd/testkit';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The start command of the README's Quick start (`npm ci && <command> serve`), as words. */
function documentedCommand(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const quickStart = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([^`]*)```/.exec(quickStart)?.[1] ?? '';
  const command = /^npm ci && (.+?) serve\b/m.exec(block)?.[1];
  assert.ok(command, `the Quick start has a line 'npm ci && <command> serve': ${block}`);
  return command.split(/\s+/);
}

/** Whether nothing listens on `port` (on 127.0.0.1): a server can take it. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('meterd started as the README says, under a supervisor', () => {
  const command = documentedCommand();
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`exits 0 on ${signal} sent to the process \`${command.join(' ')} serve\` starts, freeing its port and its data`, async () => {
      const port = await freePort();
      // In a process group of its own, so that whatever the command leaves behind is cleaned up.
      const meterd = await startMeterd({ command, cwd: ROOT, port, detached: true });
      try {
        const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
          meterd.process.once('exit', (code, signal) => resolve({ code, signal })),
        );
        meterd.process.kill(signal);
        const timeout = new Promise<'still running'>((resolve) =>
          setTimeout(() => resolve('still running'), 15_000).unref(),
        );
        assert.deepEqual(await Promise.race([exited, timeout]), { code: 0, signal: null });
        assert.ok(await portFree(port), `port ${port} is free once the process has exited`);
        const again = await meterd.another();
        await again.stop();
      } finally {
        try {
          process.kill(-meterd.process.pid!, 'SIGKILL');
        } catch {
          // The group is gone: nothing was left behind.
        }
        await meterd.stop();
      }
    });
});
