// Internal webhook endpoints: rows of `webhook_endpoints` that Strata itself delivers to,
// reusing the webhook machinery (streams over the persisted change log, leases, retries,
// attempts). The only one is `push` (src/push/delivery.ts): its "send" is the Web Push fan-out.
// Their ids are not UUIDs, so no /v1/admin/webhooks/{id} route can name them, and the webhook
// store the operator routes and the webhook dispatcher see (deps.webhooks.store) hides them:
// they are never listed, changed, deleted or delivered over HTTP.
import type { WebhookStore } from '../store/webhook-store.js';

export const PUSH_ENDPOINT_ID = 'push';

export function isInternalEndpoint(id: string): boolean {
  return id === PUSH_ENDPOINT_ID;
}

/** The store without internal endpoints (listEndpoints, getEndpoint); everything else as is. */
export function hideInternalEndpoints(store: WebhookStore): WebhookStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'listEndpoints') return async () => (await target.listEndpoints()).filter((e) => !isInternalEndpoint(e.id));
      if (prop === 'getEndpoint') return async (id: string) => (isInternalEndpoint(id) ? null : target.getEndpoint(id));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The store as the push deliverer sees it: the internal endpoint `id` only. */
export function onlyEndpoint(store: WebhookStore, id: string): WebhookStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'listEndpoints') return async () => (await target.listEndpoints()).filter((e) => e.id === id);
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
