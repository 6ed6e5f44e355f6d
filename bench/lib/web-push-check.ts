// What a browser's push service and the browser check and do with a Web Push request, shared by
// the bench's push service (bench/load/push-service.ts) and the tests' (test/helpers/
// push-service.ts; tests may import bench/, src/ may not):
//   - checkVapid: the VAPID header (RFC 8292), `Authorization: vapid t=<jwt>, k=<key>`, the JWT
//     ES256-signed with the k key (node:crypto, ieee-p1363), aud = the service's origin, exp in
//     the future and at most 24 h ahead, sub a mailto: or https: URI, k = the expected key;
//   - newSubscriptionKeys / decryptPush: a subscription's P-256 key pair and 16 random auth bytes
//     (as a browser makes them), and the body decrypted per RFC 8291 with them (the `http_ece`
//     package, as a user agent decrypts).
// Pure functions: no state, no I/O.
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import ece from 'http_ece';

/** null when the header passes; otherwise why it does not. */
export function checkVapid(header: string | undefined, origin: string, expectKey: string): string | null {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) return `Authorization is not "vapid t=…, k=…": ${header}`;
  const [, jwt, k] = m;
  if (k !== expectKey) return 'k is not the application server key';
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'the JWT has not three parts';
  const [h, p, sig] = parts;
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; typ?: string };
  if (head.alg !== 'ES256') return `JWT alg ${head.alg}`;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))) return 'bad JWT signature';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  if (claims.aud !== origin) return `aud ${claims.aud} is not ${origin}`;
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 86_400 + 60) return `exp ${claims.exp} is not within 24 h`;
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return `sub ${claims.sub}`;
  return null;
}

export interface SubscriptionKeys {
  /** The subscription's private side, kept at the service. */
  ecdh: ECDH;
  /** The 16 auth bytes, base64url. */
  auth: string;
  /** The public key a browser hands out as keys.p256dh, base64url. */
  p256dh: string;
}

/** Fresh keys for a subscription (what pushManager.subscribe makes). */
export function newSubscriptionKeys(): SubscriptionKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, auth: randomBytes(16).toString('base64url'), p256dh: ecdh.getPublicKey().toString('base64url') };
}

/** The plaintext of an aes128gcm body (RFC 8291); throws when it does not decrypt. */
export function decryptPush(body: Buffer, keys: Pick<SubscriptionKeys, 'ecdh' | 'auth'>): Buffer {
  return ece.decrypt(body, { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth });
}
