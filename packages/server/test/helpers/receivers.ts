/**
 * @module Receivers of meterd's notifications for tests: an HTTP endpoint in the test process
 * that records what is POSTed to it and can refuse (answer 503) or be down (closed), and
 * helpers to wait for what it received, read meterd's SNS host URL, and GET over HTTPS with
 * meterd's certificate trusted.
 */

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import https from 'node:https';
import { freePort } from '@meterd/testkit';
import type { Meterd } from './meterd.js';
import { ADMIN_TOKEN } from './meterd.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

export class Receiver {
  readonly received: Received[] = [];
  /** Answer 503 instead of 200 while set. */
  refusing = false;
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  /** A receiver on a port of its own; `down` leaves it closed until `open()`. */
  static async start(options: { down?: boolean } = {}): Promise<Receiver> {
    const r = new Receiver(await freePort());
    if (!options.down) await r.open();
    return r;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (this.refusing) {
          res.writeHead(503).end();
          return;
        }
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          // kept as text
        }
        this.received.push({ path: req.url ?? '/', headers: req.headers, body, json });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections());
  }

  /** Waits until `count` deliveries match `where`, and returns them. */
  async waitFor(
    where: (r: Received) => boolean,
    count = 1,
    timeoutMs = 10_000,
  ): Promise<Received[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.filter(where);
      if (found.length >= count) return found;
      if (Date.now() > until)
        throw new Error(
          `waited ${timeoutMs} ms for ${count} deliveries; got ${found.length}: ${JSON.stringify(this.received.map((r) => r.json.Type ?? r.json['detail-type']))}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The action of an SNS Notification's message (`subscribe-success`, …). */
export const actionOf = (r: Received): string | undefined =>
  r.json.Type === 'Notification'
    ? (JSON.parse(String(r.json.Message)) as { action?: string }).action
    : undefined;

/** meterd's SNS host URL, from its listening line. */
export function snsUrlOf(meterd: Meterd): string {
  const m = /"snsUrl":"([^"]+)"/.exec(meterd.output());
  if (!m) throw new Error('meterd logged no snsUrl');
  return m[1]!;
}

/** meterd's SNS signing certificate, which is also its SNS host's TLS certificate. */
export async function certificateOf(meterd: Meterd): Promise<string> {
  const r = await fetch(`${meterd.url}/admin/v1/notifications/certificate`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return r.text();
}

/** Trusts meterd's certificate for https.get (as sns-validator fetches SigningCertURL with it). */
export function trust(certificatePem: string): void {
  const options = https.globalAgent.options as { ca?: string[] };
  options.ca = [...(options.ca ?? []), certificatePem];
}

/** GETs a URL: https with the global agent's trust (see `trust`), http with fetch. */
export async function get(url: string): Promise<{ status: number; body: string }> {
  if (!url.startsWith('https:')) {
    const r = await fetch(url);
    return { status: r.status, body: await r.text() };
  }
  return new Promise((resolve, reject) => {
    https
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Polls the delivery log until `done` holds of it. */
export async function waitForLog(
  meterd: Meterd,
  done: (log: LogEntry[]) => boolean,
  timeoutMs = 10_000,
): Promise<LogEntry[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await meterd.admin<{ notifications: LogEntry[] }>('GET', '/notifications?limit=1000');
    if (done(r.body.notifications)) return r.body.notifications;
    if (Date.now() > until)
      throw new Error(`delivery log not as awaited: ${JSON.stringify(r.body.notifications)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export interface LogEntry {
  seq: number;
  messageId: string;
  targetId: string;
  channel: string;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  body: Record<string, unknown>;
}
