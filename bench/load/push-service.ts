// A Web Push service for the integrations scenario's push arm (runs inside integration-sidecar.ts):
// what a browser's push service and the browser do together, as test/helpers/push-service.ts
// does for the tests (the VAPID check is a copy of that file's: the bench imports nothing from
// test/). Subscriptions are made here with their own P-256 key pair and 16 random auth bytes.
// For every POST it checks the VAPID header (RFC 8292: ES256 JWT over the `k` key, aud = this
// origin, exp within 24 h, sub, k = the run's application server key), `Content-Encoding:
// aes128gcm` and a TTL, and DECRYPTS the body with the subscription's keys (RFC 8291, http_ece).
// Answers 201 to a request that passes, 400 (recorded with the reason) to one that does not;
// the decrypted payloads' conversation, seq and sender are recorded with the arrival time.
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ece from 'http_ece';

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

function checkVapid(header: string | undefined, origin: string, expectKey: string): string | null {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) return `Authorization is not "vapid t=…, k=…": ${header}`;
  const [, jwt, k] = m;
  if (k !== expectKey) return 'k is not the application server key';
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'the JWT has not three parts';
  const [h, p, sig] = parts;
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
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

export async function startBenchPushService(expectKey: string, now: () => number) {
  const subs = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: string }>();
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
        payload = JSON.parse(ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: s.ecdh, authSecret: s.auth }).toString('utf8'));
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
        const ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
        const auth = randomBytes(16).toString('base64url');
        const id = randomBytes(12).toString('hex');
        subs.set(id, { ecdh, auth });
        return { id, endpoint: `${url}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } };
      });
    },
    take(): PushTaken {
      const out = t;
      t = freshPushTaken();
      return out;
    },
  };
}
