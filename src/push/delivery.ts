// Push delivery as a background service (docs/push.md): the internal webhook endpoint `push`
// (webhooks/internal-endpoints.ts) is created on start — from then on every stored message
// change is its to deliver — and a WebhookDispatcher that sees only that endpoint runs it with
// the push fan-out (push-fanout.ts) as its send. So push inherits the webhook machinery's
// guarantees: driven from the persisted change log (a kill -9 loses nothing; a successor
// continues from the stream positions), one process at a time per lease, per conversation in
// cursor order, every attempt logged (GET /v1/admin/push/deliveries). A push that failed for
// one subscription is retried for that subscription alone (push-retry.ts, beside the
// dispatcher), never by failing the conversation's stream. Shutdown: in-flight fan-outs finish
// (at most PUSH_DELAY_MS of waiting plus PUSH_TIMEOUT_MS), and in-flight retries.
import type { EventEmitter } from 'node:events';
import type { Config } from '../config.js';
import type { Metrics } from '../http/metrics.js';
import type { Leases } from '../store/leases.js';
import type { PushStore } from '../store/push-store.js';
import type { ReceiptStore } from '../store/receipt-store.js';
import type { Store } from '../store/store.js';
import type { WebhookStore } from '../store/webhook-store.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { onlyEndpoint, PUSH_ENDPOINT_ID } from '../webhooks/internal-endpoints.js';
import { newSecret } from '../webhooks/signing.js';
import { sleep, type Service } from '../workers/service.js';
import type { PushProvider } from '../push-providers/push-provider.js';
import { PushFanout } from './push-fanout.js';

export interface PushDeliveryDeps {
  config: Config;
  store: Store;
  receipts: ReceiptStore;
  metrics: Metrics;
  persisted?: EventEmitter;
  push: { store: PushStore; provider: PushProvider; delivery: { store: WebhookStore; leases: Leases } };
}

type Log = { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };

/** Creates the internal endpoint unless it exists (two processes at once: one insert wins, the other reads it). */
export async function ensurePushEndpoint(store: WebhookStore): Promise<void> {
  if (await store.getEndpoint(PUSH_ENDPOINT_ID)) return;
  try {
    await store.createEndpoint({ id: PUSH_ENDPOINT_ID, url: 'internal:push', events: ['message'], secret: newSecret(), created_at: new Date().toISOString() });
  } catch (err) {
    if (!(await store.getEndpoint(PUSH_ENDPOINT_ID))) throw err;
  }
}

/** Retryable failures in a row (over PUSH_DISABLE_AFTER_S) that remove a subscription. */
const MAX_FAILURES = 10;
/** Pushes queued per failing subscription (the oldest go first), and failing subscriptions queued at once. */
const MAX_PENDING = 100;
const MAX_RETRY_SUBSCRIPTIONS = 100_000;

/**
 * The webhook store as the push deliverer writes to it: a dead letter of the push endpoint keeps
 * no body (no message text outlives the message in it). The fan-out never fails a change
 * (push-fanout.ts), so none should arise; this holds even if one does.
 */
export function withoutBodies(store: WebhookStore): WebhookStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'recordAttempt') {
        return (a: Parameters<WebhookStore['recordAttempt']>[0], from: number, outcome: Parameters<WebhookStore['recordAttempt']>[2]) =>
          target.recordAttempt(a, from, outcome.kind === 'dead' ? { ...outcome, deadLetter: { ...outcome.deadLetter, body: '' } } : outcome);
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export function pushDelivery(deps: PushDeliveryDeps, log: Log): Service {
  const { config: c } = deps;
  return {
    name: 'push',
    async run(signal) {
      for (let failures = 0; !signal.aborted; failures++) {
        try {
          await ensurePushEndpoint(deps.push.delivery.store);
          break;
        } catch (err) {
          log.warn({ err }, 'could not create the push endpoint; retrying');
          await sleep(Math.min(30_000, 500 * 2 ** failures), signal);
        }
      }
      if (signal.aborted) return;
      const fanout = new PushFanout({
        store: deps.store, receipts: deps.receipts, push: deps.push.store, provider: deps.push.provider, metrics: deps.metrics, log,
      }, {
        delayMs: c.pushDelayMs, previewChars: c.pushPreviewChars, ttlS: c.pushTtlS, timeoutMs: c.pushTimeoutMs, maxAgeMs: c.pushMaxAgeS * 1000,
        retry: {
          retryForMs: c.pushRetryForS * 1000, retryBaseMs: c.webhookRetryBaseMs, retryMaxMs: c.webhookRetryMaxMs, maxFailures: MAX_FAILURES,
          disableAfterMs: c.pushDisableAfterS * 1000, maxPending: MAX_PENDING, maxSubscriptions: MAX_RETRY_SUBSCRIPTIONS,
        },
      });
      const dispatcher = new WebhookDispatcher({
        store: withoutBodies(onlyEndpoint(deps.push.delivery.store, PUSH_ENDPOINT_ID)), leases: deps.push.delivery.leases, settle: (id) => deps.store.settle(id),
        persisted: deps.persisted, send: fanout.send,
      }, {
        timeoutMs: c.pushDelayMs + c.pushTimeoutMs, retryForMs: c.pushRetryForS * 1000, retryBaseMs: c.webhookRetryBaseMs, retryMaxMs: c.webhookRetryMaxMs,
        pollMs: c.webhookPollMs, concurrency: c.pushConcurrency, leaseTtlMs: c.webhookLeaseTtlS * 1000, logDays: c.webhookLogDays,
      }, log);
      await Promise.all([dispatcher.run(signal), fanout.retry.run(signal)]);
    },
  };
}
