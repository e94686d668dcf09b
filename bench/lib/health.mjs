// The bench's own health, read from /proc: how much CPU the load generator, the server under
// test and everything else on the machine used during a measurement, and the hypervisor's steal
// time, so that a run on a busy machine says so. Off Linux every figure is null.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** utime, stime, cutime, cstime of a process, in seconds (fields 14–17 of /proc/PID/stat). */
function times(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i) => Number(f[i]) / TICK;
  return { own: n(11) + n(12), children: n(13) + n(14) };
}

/** The machine's CPU time (all cores, seconds): busy (not idle or iowait) and steal. */
function machine() {
  const line = read('/proc/stat')?.split('\n')[0];
  if (!line) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .split(/\s+/)
    .slice(1)
    .map((v) => Number(v) / TICK);
  return {
    busy: user + nice + system + irq + softirq,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
    steal,
  };
}

/** A reading before or after a measurement; `pids` are the servers under test. */
export function snapshot(pids) {
  const self = times('self');
  return {
    at: performance.now(),
    machine: machine(),
    // Children that have exited and been waited for: the load generators of this measurement.
    generators: self?.children ?? null,
    bench: self?.own ?? null,
    servers: pids.map((pid) => times(pid)?.own ?? null),
  };
}

/**
 * What a measurement cost, in cores (CPU seconds per second): the generator, the servers, this
 * process, and the rest of the machine (`others`), with the steal time in percent.
 */
export function health(before, after) {
  const seconds = (after.at - before.at) / 1000;
  const d = (a, b) => (a === null || b === null ? null : (b - a) / seconds);
  const cores = (v) => (v === null ? null : Number(v.toFixed(2)));
  const generator = d(before.generators, after.generators);
  const bench = d(before.bench, after.bench);
  const servers = after.servers.reduce(
    (sum, v, i) =>
      sum === null || v === null || before.servers[i] === null
        ? null
        : sum + (v - before.servers[i]) / seconds,
    0,
  );
  const m = before.machine && after.machine;
  const busy = m ? (after.machine.busy - before.machine.busy) / seconds : null;
  const total = m ? after.machine.total - before.machine.total : null;
  const others =
    busy === null || generator === null || servers === null || bench === null
      ? null
      : Math.max(0, busy - generator - servers - bench);
  return {
    generatorCores: cores(generator),
    serverCores: cores(servers),
    benchCores: cores(bench),
    othersCores: cores(others),
    machineBusyCores: cores(busy),
    stealPercent:
      m && total > 0
        ? Number(((100 * (after.machine.steal - before.machine.steal)) / total).toFixed(1))
        : null,
  };
}

/** Above these a measurement counts as taken on a busy machine. */
export const BUSY = { othersCores: 0.25, stealPercent: 2 };

/** Why a measurement's figures may say more about the machine than the server, or ''. */
export function busyNote(h) {
  const why = [];
  if (h.othersCores !== null && h.othersCores > BUSY.othersCores)
    why.push(`other processes used ${h.othersCores} cores`);
  if (h.stealPercent !== null && h.stealPercent > BUSY.stealPercent)
    why.push(`${h.stealPercent} % steal`);
  return why.join(', ');
}

export const cpuCount = () => os.cpus().length;
