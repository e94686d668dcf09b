/**
 * @module A TCP proxy for outage tests: it forwards connections to a real server until told to
 * cut them all, stall them (stop forwarding, sockets left open, as a network that drops every
 * packet), or refuse new ones (reset on accept), and then to restore forwarding.
 */

import { createServer, connect, type Server, type Socket } from 'node:net';

type Mode = 'forward' | 'stall' | 'refuse';

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

export class TcpProxy {
  private mode: Mode = 'forward';
  private readonly pairs = new Set<Pair>();
  private server: Server | undefined;
  /** Connections accepted, and those reset on accept. */
  accepted = 0;
  refused = 0;

  constructor(
    private readonly target: { host: string; port: number },
    readonly port = 0,
  ) {}

  async start(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.port;
  }

  /** Destroys every open connection, on both sides. */
  cut(): void {
    for (const pair of this.pairs) this.drop(pair);
  }

  /** Stops forwarding: open sockets stay open, new ones are accepted but get nothing through. */
  stall(): void {
    this.mode = 'stall';
    // Unpiped, so that a drained destination cannot resume its source.
    for (const pair of this.pairs) {
      pair.client.unpipe();
      pair.upstream?.unpipe();
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  /** Resets every new connection on accept (after cutting the open ones). */
  refuse(): void {
    this.mode = 'refuse';
    this.cut();
  }

  /** Forwards again: stalled connections resume, new ones are connected. */
  restore(): void {
    const stalled = this.mode === 'stall';
    this.mode = 'forward';
    if (!stalled) return;
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connectUpstream(pair);
      else this.forward(pair, pair.upstream);
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private accept(client: Socket) {
    this.accepted++;
    if (this.mode === 'refuse') {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined };
    this.pairs.add(pair);
    client.on('error', () => this.drop(pair));
    client.on('close', () => this.drop(pair));
    if (this.mode === 'stall') client.pause();
    else this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair) {
    const upstream = connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', () => this.drop(pair));
    upstream.on('close', () => this.drop(pair));
    this.forward(pair, upstream);
  }

  private forward(pair: Pair, upstream: Socket) {
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
  }

  private drop(pair: Pair) {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
