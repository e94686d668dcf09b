/**
 * @module A scriptable HTTP endpoint on 127.0.0.1 for client tests: records requests, answers from a script.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake endpoint saw it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's port, telling connections apart. */
  remotePort: number | undefined;
}

/** How to answer one request: a status and a JSON (or raw `text`) body, a hang, or a dropped connection. */
export type Reply =
  | { status: number; body?: unknown; text?: string; headers?: Record<string, string> }
  | { hang: true }
  | { drop: true };

/** A running fake endpoint. */
export interface FakeEndpoint {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a fake endpoint answering with `reply(request, index)`. Hanging requests are released
 * when the endpoint closes.
 *
 * @example
 * const fake = await startFakeEndpoint(() => ({ status: 200, body: { MeteringRecordId: 'r-1' } }));
 */
export async function startFakeEndpoint(
  reply: (request: RecordedRequest, index: number) => Reply | Promise<Reply>,
): Promise<FakeEndpoint> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
      };
      const index = requests.push(recorded) - 1;
      const answer = await reply(recorded, index);
      if ('hang' in answer) return;
      if ('drop' in answer) {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-RequestId': `req-${index + 1}`,
        ...answer.headers,
      });
      res.end(answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An AWS JSON error reply, shaped as the service sends it. */
export const awsError = (status: number, type: string, message = `${type} message`): Reply => ({
  status,
  body: { __type: type, message },
  headers: { 'x-amzn-ErrorType': type },
});

/** The access key ID a request was signed with, or `undefined` if unsigned. */
export function signedBy(request: RecordedRequest): string | undefined {
  const auth = request.headers.authorization;
  return auth ? /Credential=([^/]+)\//.exec(auth)?.[1] : undefined;
}
