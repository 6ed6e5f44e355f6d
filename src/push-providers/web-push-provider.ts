// Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291): the
// `web-push` package builds each request (the VAPID JWT signed for the endpoint's origin, the
// encrypted body, TTL and Urgency headers); it goes out through the webhooks' HTTP sender
// (keep-alive per origin, a timeout, no redirects), so a push service on http://127.0.0.1 (tests)
// and on https (browsers' push services) go the same way.
import webpush from 'web-push';
import type { PushSubscription } from '../store/push-store.js';
import { httpSend, type Send } from '../http/sender.js';
import { classify, type PushProvider, type PushResult } from './push-provider.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact of the operator, sent in the JWT's `sub`. */
  subject: string;
}

export class WebPushProvider implements PushProvider {
  readonly name = 'web-push';
  readonly publicKey: string;

  constructor(private readonly vapid: VapidKeys, private readonly post: Send = httpSend) {
    // checks the keys and the subject now: a bad configuration stops the start, not the first push
    webpush.getVapidHeaders('https://push.example', vapid.subject, vapid.publicKey, vapid.privateKey, 'aes128gcm');
    this.publicKey = vapid.publicKey;
  }

  async send(s: PushSubscription, payload: string, opts: { ttlS: number; urgency: 'normal' | 'high'; timeoutMs: number }): Promise<PushResult> {
    let req: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      req = webpush.generateRequestDetails({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, payload, {
        vapidDetails: this.vapid, TTL: opts.ttlS, urgency: opts.urgency, contentEncoding: 'aes128gcm',
      });
    } catch (err) {
      // keys the service accepted but web-push cannot use: nothing will ever go to this subscription
      return { ok: false, status: null, gone: false, retryable: false, error: `cannot encrypt for this subscription: ${(err as Error).message}`.slice(0, 500), latencyMs: 0 };
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
    const r = await this.post(req.endpoint, headers, req.body ?? Buffer.alloc(0), opts.timeoutMs);
    return { ...classify(r.status), status: r.status, error: r.error, latencyMs: r.latencyMs };
  }
}

/** A fresh VAPID key pair (P-256), base64url: `strata vapid-keys`, and the embedded defaults' first start. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
