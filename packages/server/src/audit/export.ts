/**
 * @module Writes audit events as CloudTrail log files: gzip-compressed `{"Records": [...]}`
 * under `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`, one file per account, region
 * and hour. A file's name follows from what it covers (account, region, the part of its hour
 * inside the range exported, and the filters), never from chance: exporting the same range
 * again overwrites the same files, so a tool that reads the folder never counts an event twice.
 */

import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AuditEvent } from './event.js';

const HOUR = 3_600_000;

/** What an export covers: its time range (epoch ms, `end` inclusive as the admin API reads it). */
export interface ExportRange {
  start?: number;
  end?: number;
  /** The export's other filters, in any stable text form: part of each file's name. */
  filter?: string;
}

/**
 * Groups events into CloudTrail files under `dir`; returns the paths written.
 * @example await writeCloudTrailFiles('trail', events, { start: Date.parse('2026-01-01') })
 */
export async function writeCloudTrailFiles(
  dir: string,
  events: AuditEvent[],
  range: ExportRange = {},
): Promise<string[]> {
  const groups = new Map<string, AuditEvent[]>();
  for (const event of events) {
    const hour = event.eventTime.slice(0, 13); // 2026-11-23T02
    const key = `${event.recipientAccountId}|${event.awsRegion}|${hour}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(event);
  }
  const written: string[] = [];
  for (const [key, records] of groups) {
    const [account, region, hour] = key.split('|') as [string, string, string];
    const [yyyy, mm, dd] = hour.slice(0, 10).split('-') as [string, string, string];
    const folder = join(dir, 'AWSLogs', account, 'CloudTrail', region, yyyy, mm, dd);
    await mkdir(folder, { recursive: true });
    const stamp = `${yyyy}${mm}${dd}T${hour.slice(11, 13)}00Z`;
    // The part of this hour the export covers: the whole hour unless the range cuts it.
    const from = Date.parse(`${hour}:00:00Z`);
    const covered = [
      Math.max(from, range.start ?? from),
      Math.min(from + HOUR - 1, range.end ?? from + HOUR - 1),
    ];
    const unique = createHash('sha256')
      .update(`${key}|${covered.join('-')}|${range.filter ?? ''}`)
      .digest('hex')
      .slice(0, 16);
    const file = join(folder, `${account}_CloudTrail_${region}_${stamp}_${unique}.json.gz`);
    // Written beside, then renamed over: a reader never sees half a file.
    const partial = `${file}.partial`;
    await writeFile(partial, gzipSync(JSON.stringify({ Records: records })));
    await rename(partial, file);
    written.push(file);
  }
  return written;
}
