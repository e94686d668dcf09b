// Starts and stops the servers under test (meterd, the ceiling, moto) as separate processes on
// 127.0.0.1, waits until they answer, and reads their peak resident memory from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = join(here, '..', '..');
export const METERD_CLI = join(ROOT, 'packages', 'server', 'dist', 'cli', 'main.js');

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

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function connects(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

async function waitForPort(port, child, output, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    if (await connects(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not listen on ${port} within ${timeoutMs} ms:\n${output()}`);
}

const live = new Set();

function start(command, args, port, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', options.quiet ? 'ignore' : 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  const keep = (d) => (output = (output + d).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr.on('data', keep);
  live.add(child);
  const server = {
    pid: child.pid,
    port,
    output: () => output,
    peakRssMiB: () => rssMiB(child.pid),
    /** Stops the server (SIGTERM, then SIGKILL after 15 s); returns its peak memory. */
    async stop() {
      const peak = rssMiB(child.pid);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
      return peak;
    },
  };
  return waitForPort(port, child, () => output).then(() => server);
}

/**
 * meterd on its defaults (embedded SQLite, synchronous=FULL, SigV4 verification on), or on
 * PostgreSQL when `databaseUrl` is given (`--database-url`; `--data` is then unused).
 */
export function startMeterd({ port, dataDir, catalog, adminToken, databaseUrl }) {
  return start(
    process.execPath,
    [
      // e.g. BENCH_METERD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile meterd.
      ...(process.env.BENCH_METERD_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      METERD_CLI,
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data',
      dataDir,
      '--catalog',
      catalog,
      '--admin-token',
      adminToken,
      '--log-level',
      'warn',
      ...(databaseUrl ? ['--database-url', databaseUrl] : []),
    ],
    port,
  );
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
  for (const child of live) if (child.exitCode === null) child.kill('SIGKILL');
  live.clear();
}
