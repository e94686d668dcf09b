// Drives a server from a separate process: wrk with the pool script when installed, the Node
// generator otherwise. Both read a pool file of pre-signed requests and report the same summary.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The load generator this machine has: wrk when on the PATH, else the Node generator. */
export function detectGenerator({ wrk = true } = {}) {
  const probe = wrk ? spawnSync('wrk', ['--version'], { encoding: 'utf8' }) : { error: true };
  if (probe.error)
    return { name: 'node', version: `node ${process.version} (bench/lib/node-load.mjs)` };
  const version = `${probe.stdout}${probe.stderr}`
    .split('\n')[0]
    .replace(/\s*Copyright.*$/, '')
    .trim();
  return { name: 'wrk', version };
}

/** Writes raw requests as a pool file: each is an 8-digit byte length, then its bytes. */
export function writePool(file, requests) {
  const chunks = [];
  for (const r of requests) {
    const bytes = Buffer.from(r, 'utf8');
    chunks.push(Buffer.from(String(bytes.length).padStart(8, '0')), bytes);
  }
  writeFileSync(file, Buffer.concat(chunks));
}

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}: ${output}`)),
    );
  });
}

/**
 * Sends the pool at `port` with `connections` connections for `seconds`; returns the summary
 * (requests, latency percentiles in µs, statuses) and the acknowledgements.
 */
export async function runLoad({ generator, port, pool, mode, connections, seconds, workDir, tag }) {
  const out = join(workDir, `${tag}.json`);
  const acks = join(workDir, `${tag}.acks`);
  if (generator.name === 'wrk') {
    const threads = connections >= 2 ? 2 : 1;
    await run(
      'wrk',
      [
        `-t${threads}`,
        `-c${connections}`,
        `-d${seconds}s`,
        '--timeout',
        '10s',
        '-s',
        join(here, 'pool.lua'),
        `http://127.0.0.1:${port}/`,
      ],
      {
        WRK_THREADS: String(threads),
        WRK_CONNECTIONS: String(connections),
        WRK_POOL: pool,
        WRK_MODE: mode,
        WRK_OUT: out,
        WRK_ACKS: acks,
      },
    );
  } else {
    await run(process.execPath, [
      join(here, 'node-load.mjs'),
      String(port),
      pool,
      mode,
      String(connections),
      String(seconds),
      out,
      acks,
    ]);
  }
  const summary = JSON.parse(readFileSync(out, 'utf8'));
  const acked = readFileSync(acks, 'utf8').split('\n').filter(Boolean);
  return { ...summary, acked };
}
