// Signs AWS JSON 1.1 calls with SigV4 and renders them as raw HTTP/1.1 requests for wrk or the
// Node load generator. A direct node:crypto signer does the bulk (the pools hold hundreds of
// thousands of requests); @smithy/signature-v4, as the AWS SDK uses it, cross-checks samples.
import { createHash, createHmac } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION } from './workload.mjs';

export const SERVICE = 'aws-marketplace';
const amzDate = (date) => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/** The headers a call carries before signing, in the form @smithy/signature-v4 signs them. */
function baseHeaders(host, operation, body) {
  return {
    host,
    'content-type': 'application/x-amz-json-1.1',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-target': `AWSMPMeteringService.${operation}`,
  };
}

const keyCache = new Map();
/** The SigV4 signing key of a secret for one day (kept per secret and day). */
export function signingKey(secret, day, region = REGION, service = SERVICE) {
  const id = `${secret}\0${day}\0${region}\0${service}`;
  let key = keyCache.get(id);
  if (!key) {
    key = createHmac('sha256', `AWS4${secret}`).update(day).digest();
    for (const part of [region, service, 'aws4_request'])
      key = createHmac('sha256', key).update(part).digest();
    keyCache.set(id, key);
  }
  return key;
}

/** Signs one call directly with node:crypto; returns headers and body. */
export function signCall({ host, operation, body, key, signingDate }) {
  const headers = baseHeaders(host, operation, body);
  const longDate = amzDate(signingDate);
  const day = longDate.slice(0, 8);
  headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex');
  headers['x-amz-date'] = longDate;
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    names.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${day}/${REGION}/${SERVICE}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', signingKey(key.secretAccessKey, day))
    .update(toSign)
    .digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  headers['user-agent'] = 'meterd-bench';
  return { headers, body };
}

/** Signs one call with @smithy/signature-v4, as the AWS SDK for JavaScript does. */
export async function signWithSmithy({ host, operation, body, key, signingDate }) {
  const signer = new SignatureV4({
    service: SERVICE,
    region: REGION,
    sha256: Hash.bind(null, 'sha256'),
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
  });
  const [hostname, port] = host.split(':');
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname,
      port: Number(port),
      path: '/',
      headers: baseHeaders(host, operation, body),
      body,
    }),
    { signingDate },
  );
  return { headers: signed.headers, body };
}

/** Throws unless the direct signer and @smithy/signature-v4 agree on `call`. */
export async function crossCheck(call) {
  const mine = signCall(call).headers.authorization;
  const smithy = (await signWithSmithy(call)).headers.authorization;
  if (mine !== smithy)
    throw new Error(`bench signer disagrees with @smithy/signature-v4:\n${mine}\n${smithy}`);
}

/** Renders a signed call as the exact bytes of an HTTP/1.1 keep-alive request. */
export function rawRequest({ headers, body }) {
  let head = 'POST / HTTP/1.1\r\n';
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return `${head}\r\n${body}`;
}
