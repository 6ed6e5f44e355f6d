// Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291): the
// `web-push` package builds each request (the encrypted body, TTL and Urgency headers); the
// VAPID JWT is signed per push service origin and reused for VAPID_JWT_REUSE_S (it is valid 12 h;
// signing one per push is most of web-push's CPU). It goes out through the HTTP sender
// (keep-alive per origin, a timeout, no redirects) over agents whose DNS lookup refuses every
// non-public address (address-guard.ts): a push never connects to the loopback (but for the
// http:// test push services), a private network or a metadata service, whatever the endpoint's
// name resolves to at that moment; an endpoint URL the policy refuses is not sent to at all.
import http from 'node:http';
import https from 'node:https';
import webpush from 'web-push';
import type { PushSubscription } from '../store/push-store.js';
import { httpSender, type Send } from '../http/sender.js';
import { ADDRESS_REFUSED, guardedLookup, refusedUrl, type AddressPolicy } from './address-guard.js';
import { classify, type PushProvider, type PushResult } from './push-provider.js';

/** How long a VAPID JWT is valid, and how long one is reused (then a new one is signed, with hours to spare). */
const VAPID_JWT_VALID_S = 12 * 3600;
const VAPID_JWT_REUSE_S = 11 * 3600;
/** Origins whose JWT is kept (push services are few: Mozilla, FCM, WNS, Apple). */
const MAX_ORIGINS = 1000;

/** The sender push uses: http only to the loopback, https only to public addresses. */
export const guardedSend: Send = httpSender({
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, lookup: guardedLookup(true) }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, lookup: guardedLookup(false) }),
});

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact of the operator, sent in the JWT's `sub`. */
  subject: string;
}

export class WebPushProvider implements PushProvider {
  readonly name = 'web-push';
  readonly publicKey: string;
  /** Origin → its VAPID Authorization header and when to sign a new one (epoch ms). */
  private readonly jwts = new Map<string, { authorization: string; renewAt: number }>();

  constructor(
    private readonly vapid: VapidKeys,
    private readonly post: Send = guardedSend,
    /** Checked again before every push (subscriptions saved before a policy change); undefined: the address checks of the agents only. */
    private readonly policy?: AddressPolicy,
  ) {
    // checks the keys and the subject now: a bad configuration stops the start, not the first push
    webpush.getVapidHeaders('https://push.example', vapid.subject, vapid.publicKey, vapid.privateKey, 'aes128gcm');
    this.publicKey = vapid.publicKey;
  }

  /** The VAPID Authorization header for the endpoint's origin, signed at most every VAPID_JWT_REUSE_S. */
  private authorization(origin: string, now = Date.now()): string {
    const had = this.jwts.get(origin);
    if (had && had.renewAt > now) return had.authorization;
    const exp = Math.floor(now / 1000) + VAPID_JWT_VALID_S;
    const h = webpush.getVapidHeaders(origin, this.vapid.subject, this.vapid.publicKey, this.vapid.privateKey, 'aes128gcm', exp);
    if (this.jwts.size >= MAX_ORIGINS) this.jwts.clear();
    this.jwts.set(origin, { authorization: h.Authorization, renewAt: now + VAPID_JWT_REUSE_S * 1000 });
    return h.Authorization;
  }

  async send(s: PushSubscription, payload: string, opts: { ttlS: number; urgency: 'normal' | 'high'; timeoutMs: number }): Promise<PushResult> {
    let req: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      const u = new URL(s.endpoint);
      const refused = refusedUrl(u, this.policy ?? { allowedHosts: [], allowedPorts: [u.port === '' ? 443 : Number(u.port)], allowHttpLocalhost: true });
      // an address no push may go to: the subscription is of no use (removed, as a 410 would)
      if (refused) return { ok: false, status: null, gone: true, retryable: false, error: refused, latencyMs: 0 };
      req = webpush.generateRequestDetails({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, payload, {
        vapidDetails: null, headers: { Authorization: this.authorization(u.origin) }, TTL: opts.ttlS, urgency: opts.urgency, contentEncoding: 'aes128gcm',
      } as unknown as webpush.RequestOptions);
    } catch (err) {
      // keys the service accepted but web-push cannot use: nothing will ever go to this subscription
      return { ok: false, status: null, gone: false, retryable: false, error: `cannot encrypt for this subscription: ${(err as Error).message}`.slice(0, 500), latencyMs: 0 };
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
    const r = await this.post(req.endpoint, headers, req.body ?? Buffer.alloc(0), opts.timeoutMs);
    // the name resolved to a private address at connect time: dropped, never retried
    if (r.error?.startsWith(ADDRESS_REFUSED)) return { ok: false, status: null, gone: false, retryable: false, error: r.error, latencyMs: r.latencyMs };
    return { ...classify(r.status), status: r.status, error: r.error, latencyMs: r.latencyMs };
  }
}

/** A fresh VAPID key pair (P-256), base64url: `strata vapid-keys`, and the embedded defaults' first start. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
