// The durable floor's SigV4 check: a minimal verifier over node:crypto for the requests the
// bench sends (POST /, no query string): the canonical request from the signed headers as
// received and the body's own SHA-256, the string to sign, the HMAC chain, compared in constant
// time. No clock-skew or scope checks beyond the credential's form: what any verifier costs at
// least.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { signingKey } from './sign.mjs';

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/**
 * True when `headers` (node:http's, lower-case names) sign `body` (a Buffer) with the secret
 * that `secretOf(accessKeyId)` returns.
 */
export function verifySigV4(method, path, headers, body, secretOf) {
  const m = AUTH.exec(headers.authorization ?? '');
  if (!m) return false;
  const [, keyId, day, region, service, signed, signature] = m;
  const secret = secretOf(keyId);
  const date = headers['x-amz-date'];
  if (!secret || typeof date !== 'string' || !date.startsWith(day)) return false;
  const payload = createHash('sha256').update(body).digest('hex');
  const claimed = headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payload) return false;
  const names = signed.split(';');
  let canonical = `${method}\n${path}\n\n`;
  for (const n of names) canonical += `${n}:${String(headers[n] ?? '').trim()}\n`;
  canonical += `\n${signed}\n${payload}`;
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const expected = createHmac('sha256', signingKey(secret, day, region, service))
    .update(toSign)
    .digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
