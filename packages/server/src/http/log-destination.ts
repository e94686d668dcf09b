/**
 * @module Where meterd's log lines go (standard output, by pino's own writer, sonic-boom), and
 * what happens when they cannot go there: a full disk, a failing device or a reader that stopped
 * reading must never hold or end serving. Lines that cannot be written are dropped and counted,
 * one warning per episode goes to standard error, and logging resumes by itself.
 */

import { write as writeFd, writeSync } from 'node:fs';
import { prettyFactory } from 'pino-pretty';
import sonicBoom from 'sonic-boom';

// A CommonJS module whose types declare an ES default export: its class is `.default`.
const SonicBoom = sonicBoom.default;

/** Lines waiting for a slow destination, in bytes, past which new lines are dropped. */
const MAX_BACKLOG_BYTES = 1 << 20;
/** How often a failed destination is tried again while lines are being dropped. */
const RETRY_MS = 500;

export interface LogDestinationOptions {
  /** The file descriptor to write to. Default 1 (standard output). */
  fd?: number;
  /**
   * Rewrites each line before it is written (see {@link prettyLines}); it runs in the call that
   * logs, so a rewritten line is dropped and counted exactly as a plain one.
   */
  format?: (line: string) => string;
  /** Told of every line dropped. */
  onDrop?: () => void;
  /** Where the warnings go; default standard error, written without waiting and without failing. */
  warn?: (line: string) => void;
}

/** A destination for pino: its `write` never blocks and never throws. */
export interface LogDestination {
  write(line: string): void;
  /** Resolves once what was written has reached the destination, or after `timeoutMs`. */
  settle(timeoutMs?: number): Promise<void>;
}

export function logDestination(options: LogDestinationOptions = {}): LogDestination {
  const { onDrop = () => undefined, warn = warnOnStderr, format } = options;
  // Asynchronous: a write waits in libuv's thread pool, never in the event loop. No exit hook
  // (pino's own destination adds one that flushes synchronously, forever on a full disk).
  const stream = new SonicBoom({ fd: options.fd ?? 1, sync: false, maxLength: MAX_BACKLOG_BYTES });
  /** The episode in progress: from a write failing or a line dropped, to the backlog written. */
  let episode: { reason: string; dropped: number; failing: boolean } | undefined;
  let busy = false;
  let retry: NodeJS.Timeout | undefined;

  const drop = (reason: string) => {
    onDrop();
    if (episode) episode.dropped++;
    else {
      episode = { reason, dropped: 1, failing: false };
      warn(
        `meterd: log lines are being dropped (${reason}); they are counted in meterd_log_lines_dropped_total`,
      );
    }
  };
  stream.on('drop', () => drop('the log destination is not keeping up'));
  stream.on('error', (error: NodeJS.ErrnoException) => {
    const reason = `writing the log failed: ${error.code ?? error.message}`;
    if (!episode) {
      episode = { reason, dropped: 0, failing: true };
      warn(
        `meterd: ${reason}; log lines are dropped and counted in meterd_log_lines_dropped_total until it succeeds again`,
      );
    }
    episode.failing = true;
    // Sonic-boom keeps the lines that failed and tries them again at its next write.
    retry ??= setInterval(() => stream.write(''), RETRY_MS).unref();
  });
  stream.on('drain', () => {
    busy = false;
    clearInterval(retry);
    retry = undefined;
    if (!episode) return;
    warn(`meterd: the log destination takes writes again; ${episode.dropped} lines were dropped`);
    episode = undefined;
  });

  return {
    write(line) {
      if (episode?.failing) return drop(episode.reason);
      busy = true;
      stream.write(format ? format(line) : line);
    },
    settle(timeoutMs = 1000) {
      if (!busy || episode?.failing) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(done, timeoutMs).unref();
        function done() {
          clearTimeout(timer);
          stream.off('drain', done);
          resolve();
        }
        stream.once('drain', done);
      });
    },
  };
}

/** How log lines are written: pino's JSON lines, or lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** The default format: pretty for a terminal, JSON for a file, a pipe or a log collector. */
export const defaultLogFormat = (isTty = Boolean(process.stdout.isTTY)): LogFormat =>
  isTty ? 'pretty' : 'json';

/**
 * Rewrites pino's JSON lines for a person: local time, level name, message, then the details.
 * pino-pretty's formatter run in place rather than as its stream, so that the lines still go
 * through this module's destination, which never blocks and counts what it drops.
 * @example logDestination({ format: prettyLines() })
 */
export function prettyLines(colorize = Boolean(process.stdout.isTTY)): (line: string) => string {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return (line) => pretty(line);
}

function warnOnStderr(line: string): void {
  writeFd(2, `${line}\n`, () => undefined);
}

/**
 * Writes `text` to standard error now if it can, and drops it if it cannot (Node's own
 * `process.stderr` fails the process on a full disk). For what meterd prints once at start;
 * warnings while serving go by `warnOnStderr`, which does not wait.
 */
export function printToStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // a full or closed standard error: the log has the same facts
  }
}
