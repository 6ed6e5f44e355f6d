// Prometheus metrics (prom-client), one registry per app instance so tests stay isolated.
import client from 'prom-client';

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new client.Counter({ name: 'strata_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    ingested: new client.Counter({ name: 'strata_messages_ingested_total', help: 'Messages accepted by the hot tier', labelNames: ['via'], registers: [registry] }),
    beforeSendSeconds: new client.Histogram({ name: 'strata_before_send_seconds', help: 'Before-send hook latency, by outcome', labelNames: ['outcome'], buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: [registry] }),
    ingestSeconds: new client.Histogram({ name: 'strata_ingest_seconds', help: 'Time from accept to ack', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry] }),
    duplicates: new client.Counter({ name: 'strata_messages_duplicate_total', help: 'Sends answered with an earlier message (same client_id)', registers: [registry] }),
    rateLimited: new client.Counter({ name: 'strata_rate_limited_total', help: 'Sends refused by the rate limit', registers: [registry] }),
    backpressure: new client.Counter({ name: 'strata_backpressure_total', help: 'Sends refused because the persist backlog is full', registers: [registry] }),
    persisted: new client.Counter({ name: 'strata_persisted_rows_total', help: 'Rows committed to the warm store by persist workers', registers: [registry] }),
    persistLag: new client.Histogram({ name: 'strata_persist_lag_seconds', help: 'Time from ingest to warm-store commit', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry] }),
    backlog: new client.Gauge({ name: 'strata_persist_backlog', help: 'Unpersisted entries per partition', labelNames: ['partition'], registers: [registry] }),
    deadLetters: new client.Counter({ name: 'strata_dead_letters_total', help: 'Entries moved to the dead-letter stream', registers: [registry] }),
    // webhooks (docs/webhooks.md): labels stay bounded (endpoints are few; no conversation label)
    webhookDeliveries: new client.Counter({ name: 'strata_webhook_deliveries_total', help: 'Webhook attempts by endpoint and outcome (delivered, retry, dead), replays included', labelNames: ['endpoint', 'outcome'], registers: [registry] }),
    webhookAttemptSeconds: new client.Histogram({ name: 'strata_webhook_attempt_seconds', help: 'Webhook attempt latency: the POST until the answer\'s headers or the failure', labelNames: ['result'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    webhookLagSeconds: new client.Histogram({ name: 'strata_webhook_lag_seconds', help: 'Webhook delivery lag: the change recorded by the warm store until its 2xx answer (replays excluded)', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600], registers: [registry] }),
    webhookEndpoints: new client.Gauge({ name: 'strata_webhook_endpoints', help: 'Webhook endpoints this process delivers for (leases held)', registers: [registry] }),
    // push (docs/push.md): per subscription attempt and per skipped recipient; no user or conversation label
    pushNotifications: new client.Counter({ name: 'strata_push_notifications_total', help: 'Pushes to one subscription by outcome: sent, gone (404/410: removed), retry (429/5xx/no answer), dropped (other 4xx)', labelNames: ['outcome'], registers: [registry] }),
    pushSkipped: new client.Counter({ name: 'strata_push_skipped_total', help: 'Members of a message not pushed to, by reason: online (a socket got it), muted, notify, no_subscription, deleted, stale', labelNames: ['reason'], registers: [registry] }),
    pushSendSeconds: new client.Histogram({ name: 'strata_push_send_seconds', help: 'Push service latency: the request until the answer\'s headers or the failure', labelNames: ['result'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    pushLagSeconds: new client.Histogram({ name: 'strata_push_lag_seconds', help: 'Message created until a push service accepted its push (PUSH_DELAY_MS included)', buckets: [0.5, 1, 2, 2.5, 3, 4, 5, 10, 30, 60, 300, 3600], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
