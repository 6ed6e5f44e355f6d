// The PushProvider port (docs/push.md): sends one notification payload to one device
// subscription of one push service. Web Push (web-push-provider.ts) is its first adapter; APNs
// and FCM HTTP v1 would be others (docs/push.md#other-providers), chosen in src/main/wire.ts.
// A provider never retries: the caller (push-fanout.ts) decides from the result — `gone` removes
// the subscription, `retryable` fails the attempt so the change is tried again, anything else
// is dropped for that subscription.
import type { PushSubscription } from '../store/push-store.js';

export interface PushResult {
  ok: boolean;
  /** The push service's HTTP status; null when none came (timeout, refused, reset). */
  status: number | null;
  /** The subscription no longer exists at the push service (404/410): remove it. */
  gone: boolean;
  /** Worth trying again later (429, 5xx, no answer). */
  retryable: boolean;
  error: string | null;
  latencyMs: number;
}

export interface PushProvider {
  /** What the provider is, for logs and the start-up banner. */
  readonly name: string;
  /** The application server key a client subscribes with (Web Push: the VAPID public key, base64url). */
  readonly publicKey: string;
  /** Sends `payload` (UTF-8 JSON, at most ~3 KB) to the subscription; never throws. */
  send(subscription: PushSubscription, payload: string, opts: { ttlS: number; urgency: 'normal' | 'high'; timeoutMs: number }): Promise<PushResult>;
}

/** How an HTTP answer of a push service reads (RFC 8030 §5: 201 Created; 404/410 gone; 429 and 5xx later). */
export function classify(status: number | null): Pick<PushResult, 'ok' | 'gone' | 'retryable'> {
  if (status === null) return { ok: false, gone: false, retryable: true };
  if (status >= 200 && status < 300) return { ok: true, gone: false, retryable: false };
  if (status === 404 || status === 410) return { ok: false, gone: true, retryable: false };
  if (status === 429 || status >= 500) return { ok: false, gone: false, retryable: true };
  return { ok: false, gone: false, retryable: false };
}
