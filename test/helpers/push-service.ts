// A real Web Push service for tests: an HTTP server on 127.0.0.1 that does what a browser's push
// service and the browser do together. Subscriptions are made here with their own P-256 key pair
// and 16 random auth bytes (as a browser makes them). For every POST it checks:
//   - the VAPID header (RFC 8292): `Authorization: vapid t=<jwt>, k=<key>`, the JWT ES256-signed
//     with the k key, aud = this service's origin, exp in the future and at most 24 h ahead, sub
//     present, k = the application server key the test expects;
//   - `Content-Encoding: aes128gcm` and a TTL header;
//   - the body decrypts per RFC 8291 with the subscription's private key and auth secret.
// The VAPID check, the subscription keys and the decryption are bench/lib/web-push-check.ts's,
// shared with the bench's push service.
// A request failing any check is answered 400 and recorded as `rejected` with the reason.
// Decrypted payloads are recorded per subscription; a subscription can be told to answer
// 404/410/500 or to hold the request until the sender gives up ('timeout').
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkVapid, decryptPush, newSubscriptionKeys, type SubscriptionKeys } from '../../bench/lib/web-push-check.js';

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

interface Sub extends SubscriptionKeys {
  count: number;
  answer: PushAnswer | ((n: number) => PushAnswer);
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
        const plain = decryptPush(Buffer.concat(chunks), s);
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
      const keys = newSubscriptionKeys();
      const id = randomBytes(12).toString('hex');
      subs.set(id, { ...keys, count: 0, answer: 'ok' });
      return { id, endpoint: `${svc.url}/push/${id}`, keys: { p256dh: keys.p256dh, auth: keys.auth } };
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
