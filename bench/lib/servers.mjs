// Starts and stops the servers under test (meterd through the test kit, the durable floor, the
// ceiling, moto) as separate processes on 127.0.0.1, waits until they answer, and reads their peak resident memory
// from /proc.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = join(here, '..', '..');

// meterd and the test kit run from their builds: build them first when one is missing.
if (
  !existsSync(join(ROOT, 'packages', 'testkit', 'dist', 'index.js')) ||
  !existsSync(join(ROOT, 'packages', 'server', 'dist', 'cli', 'main.js'))
) {
  console.log('building meterd and the test kit (a dist/ is missing)');
  const built = spawnSync('npx', ['tsc', '-b', 'packages/testkit', 'packages/server'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('could not build packages/testkit and packages/server');
}
const kit = await import('@meterd/testkit');
export const { freePort } = kit;

/** Resident memory of a live process in MiB: VmHWM (the peak) or VmRSS; null off Linux. */
export function rssMiB(pid, field = 'VmHWM') {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

const live = new Set();

/** A started server as the bench sees it: its port and memory; stop() returns its peak memory. */
function track(child, port) {
  live.add(child);
  return {
    pid: child.process.pid,
    port,
    output: child.output,
    peakRssMiB: () => rssMiB(child.process.pid),
    /** Stops the server (SIGTERM, then SIGKILL after 15 s); returns its peak memory. */
    async stop() {
      const peak = rssMiB(child.process.pid);
      await child.stop();
      live.delete(child);
      return peak;
    },
  };
}

async function start(command, args, port, options = {}) {
  const child = kit.startProcess(command, args, { cwd: ROOT, outputLimit: 20_000, ...options });
  const server = track(child, port);
  await kit.waitForPort(port, { child });
  return server;
}

/**
 * meterd on its defaults (embedded SQLite, synchronous=FULL, SigV4 verification on), or on
 * PostgreSQL when `databaseUrl` is given (`--database-url`; `--data` is then unused).
 */
export async function startMeterd({ port, dataDir, catalog, adminToken, databaseUrl }) {
  const meterd = await kit.startMeterd({
    // e.g. BENCH_METERD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile meterd.
    nodeArgs: process.env.BENCH_METERD_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    port,
    host: '127.0.0.1',
    dataDir,
    catalog,
    adminToken,
    logLevel: 'warn',
    ...(databaseUrl ? { databaseUrl } : {}),
    cwd: ROOT,
    startTimeoutMs: 60_000,
    outputLimit: 20_000,
  });
  return track(meterd, port);
}

/** The durable floor (lib/durable-floor.mjs), its SQLite file in `dir`. */
export function startFloor({ port, dir }) {
  return start(process.execPath, [join(here, 'durable-floor.mjs'), String(port), dir], port);
}

export function startCeiling({ port }) {
  return start(process.execPath, [join(here, 'ceiling-server.mjs'), String(port)], port);
}

/** How to run moto's server here, or null when moto is not installed. */
export function detectMoto() {
  const module = spawnSync('python3', ['-c', 'import moto, moto.server; print(moto.__version__)'], {
    encoding: 'utf8',
  });
  if (module.status === 0)
    return { command: 'python3', args: ['-m', 'moto.server'], version: module.stdout.trim() };
  const bin = spawnSync('moto_server', ['--help'], { encoding: 'utf8' });
  if (!bin.error && bin.status === 0)
    return { command: 'moto_server', args: [], version: 'unknown' };
  return null;
}

export function startMoto({ port, moto }) {
  return start(moto.command, [...moto.args, '-H', '127.0.0.1', '-p', String(port)], port, {
    quiet: true,
    env: { PYTHONWARNINGS: 'ignore' },
  });
}

/** Kills whatever this module started and is still running (on exit or failure). */
export function killAll() {
  for (const child of live) void child.kill();
  live.clear();
}
