// A real Web Push service for tests: an HTTP server on 127.0.0.1 that does what a browser's push
// service and the browser do together. Subscriptions are made here with their own P-256 key pair
// and 16 random auth bytes (as a browser makes them). For every POST it checks:
//   - the VAPID header (RFC 8292): `Authorization: vapid t=<jwt>, k=<key>`, the JWT ES256-signed
//     with the k key (node:crypto, ieee-p1363), aud = this service's origin, exp in the future
//     and at most 24 h ahead, sub present, k = the application server key the test expects;
//   - `Content-Encoding: aes128gcm` and a TTL header;
//   - the body decrypts per RFC 8291 with the subscription's private key and auth secret
//     (the `http_ece` package, as a user agent decrypts).
// A request failing any check is answered 400 and recorded as `rejected` with the reason.
// Decrypted payloads are recorded per subscription; a subscription can be told to answer
// 404/410/500 or to hold the request until the sender gives up ('timeout').
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ece from 'http_ece';

export type PushAnswer = 'ok' | '404' | '410' | '429' | '500' | '400' | 'timeout';

export interface Delivered {
  /** Arrival order over the whole service, from 1. */
  n: number;
  sub: string;
  payload: Record<string, any>;
  ttl: number;
  urgency: string | null;
  at: number;
}

export interface Rejected {
  sub: string;
  reason: string;
  at: number;
}

export interface TestSubscription {
  /** The key of this subscription at the service (the last path segment). */
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushService {
  url: string;
  /** Requests decrypted and answered as `answer` says (2xx and not). */
  readonly delivered: (Delivered & { answer: PushAnswer })[];
  readonly rejected: Rejected[];
  /** The application server key every VAPID header must carry. */
  expectKey: string;
  /** A new subscription with fresh keys (what pushManager.subscribe gives a browser). */
  subscribe(): TestSubscription;
  /** How the service answers requests for a subscription from now on. */
  answer(subId: string, a: PushAnswer | ((n: number) => PushAnswer)): void;
  /** Payloads accepted (2xx) for a subscription, in arrival order. */
  accepted(subId: string): Delivered[];
  close(): Promise<void>;
}

interface Sub {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  count: number;
  answer: PushAnswer | ((n: number) => PushAnswer);
}

function checkVapid(header: string | undefined, origin: string, expectKey: string): string | null {
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

export async function startPushService(expectKey: string): Promise<PushService> {
  const subs = new Map<string, Sub>();
  const delivered: (Delivered & { answer: PushAnswer })[] = [];
  const rejected: Rejected[] = [];
  const held = new Set<http.ServerResponse>();
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const subId = (req.url ?? '').split('/').pop() ?? '';
      const s = subs.get(subId);
      const at = Date.now();
      const reject = (reason: string) => {
        rejected.push({ sub: subId, reason, at });
        res.writeHead(400).end(reason);
      };
      if (req.method !== 'POST' || !s) return reject(`${req.method} of unknown subscription ${subId}`);
      const vapid = checkVapid(req.headers.authorization, svc.url, svc.expectKey);
      if (vapid) return reject(vapid);
      if (req.headers['content-encoding'] !== 'aes128gcm') return reject(`Content-Encoding ${req.headers['content-encoding']}`);
      const ttl = Number(req.headers.ttl);
      if (!Number.isInteger(ttl) || ttl < 0) return reject(`TTL ${req.headers.ttl}`);
      let payload: Record<string, any>;
      try {
        const plain = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: s.ecdh, authSecret: s.auth.toString('base64url') });
        payload = JSON.parse(plain.toString('utf8')) as Record<string, any>;
      } catch (e) {
        return reject(`does not decrypt: ${(e as Error).message}`);
      }
      s.count++;
      const answer = typeof s.answer === 'function' ? s.answer(s.count) : s.answer;
      delivered.push({ n: ++n, sub: subId, payload, ttl, urgency: (req.headers.urgency as string | undefined) ?? null, at, answer });
      if (answer === 'timeout') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      res.writeHead(answer === 'ok' ? 201 : Number(answer)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const svc: PushService = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    delivered, rejected, expectKey,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomBytes(12).toString('hex');
      subs.set(id, { ecdh, auth, count: 0, answer: 'ok' });
      return { id, endpoint: `${svc.url}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
    },
    answer(subId, a) {
      subs.get(subId)!.answer = a;
    },
    accepted: (subId) => delivered.filter((d) => d.sub === subId && d.answer === 'ok'),
    async close() {
      for (const r of held) r.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
  return svc;
}
