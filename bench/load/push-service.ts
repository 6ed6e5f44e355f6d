// A Web Push service for the integrations scenario's push arm (runs inside integration-sidecar.ts):
// what a browser's push service and the browser do together, as test/helpers/push-service.ts
// does for the tests (both check and decrypt with bench/lib/web-push-check.ts). Subscriptions are made here with their own P-256 key pair and 16 random auth bytes.
// For every POST it checks the VAPID header (RFC 8292: ES256 JWT over the `k` key, aud = this
// origin, exp within 24 h, sub, k = the run's application server key), `Content-Encoding:
// aes128gcm` and a TTL, and DECRYPTS the body with the subscription's keys (RFC 8291, http_ece).
// Answers 201 to a request that passes, 400 (recorded with the reason) to one that does not;
// the decrypted payloads' conversation, seq and sender are recorded with the arrival time.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkVapid, decryptPush, newSubscriptionKeys, type SubscriptionKeys } from '../lib/web-push-check.js';

export interface BenchSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What arrived since the last take, as parallel arrays (cheap over IPC). */
export interface PushTaken {
  subs: string[];
  convs: string[];
  seqs: number[];
  senders: string[];
  at: number[];
  /** Requests refused (unknown subscription, VAPID, encoding, TTL, does not decrypt, payload not a message): count and the first reasons. */
  rejected: number;
  rejectedSamples: string[];
}

export function freshPushTaken(): PushTaken {
  return { subs: [], convs: [], seqs: [], senders: [], at: [], rejected: 0, rejectedSamples: [] };
}

export async function startBenchPushService(expectKey: string, now: () => number) {
  const subs = new Map<string, SubscriptionKeys>();
  let t = freshPushTaken();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      const subId = (req.url ?? '').split('/').pop() ?? '';
      const s = subs.get(subId);
      const reject = (reason: string) => {
        t.rejected++;
        if (t.rejectedSamples.length < 5) t.rejectedSamples.push(`${subId}: ${reason}`);
        res.writeHead(400).end(reason);
      };
      if (req.method !== 'POST' || !s) return reject(`${req.method} of unknown subscription`);
      const vapid = checkVapid(req.headers.authorization, url, expectKey);
      if (vapid) return reject(vapid);
      if (req.headers['content-encoding'] !== 'aes128gcm') return reject(`Content-Encoding ${req.headers['content-encoding']}`);
      if (!/^\d+$/.test(String(req.headers.ttl))) return reject(`TTL ${req.headers.ttl}`);
      let payload: { type?: string; conversation_id?: string; seq?: number; sender?: string };
      try {
        payload = JSON.parse(decryptPush(Buffer.concat(chunks), s).toString('utf8'));
      } catch (e) {
        return reject(`does not decrypt: ${(e as Error).message}`);
      }
      if (payload.type !== 'message' || typeof payload.conversation_id !== 'string' || typeof payload.seq !== 'number' || typeof payload.sender !== 'string') {
        return reject(`payload is not a message: ${JSON.stringify(payload).slice(0, 200)}`);
      }
      t.subs.push(subId);
      t.convs.push(payload.conversation_id);
      t.seqs.push(payload.seq);
      t.senders.push(payload.sender);
      t.at.push(at);
      res.writeHead(201).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** New subscriptions with fresh keys (what pushManager.subscribe gives a browser). */
    subscribe(n: number): BenchSubscription[] {
      return Array.from({ length: n }, () => {
        const keys = newSubscriptionKeys();
        const id = randomBytes(12).toString('hex');
        subs.set(id, keys);
        return { id, endpoint: `${url}/push/${id}`, keys: { p256dh: keys.p256dh, auth: keys.auth } };
      });
    },
    take(): PushTaken {
      const out = t;
      t = freshPushTaken();
      return out;
    },
  };
}
