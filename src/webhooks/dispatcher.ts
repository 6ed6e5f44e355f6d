// The webhook background service of a process (main/background.ts, when WEBHOOK_DELIVERY is on):
// every second it lists the endpoints, takes the lease `webhook:<endpoint id>` of each endpoint
// nobody delivers for (store/leases.ts: one holder at a time across processes, renewed while
// held, taken over at once from a dead process of this host, else after WEBHOOK_LEASE_TTL_S),
// and runs an EndpointDeliverer per lease it holds. A deleted endpoint's deliverer stops; an
// updated one's sees the new url, events and secrets. Commits of this process's persist workers
// (`deps.persisted`) wake the deliverers at once. Hourly, attempts older than WEBHOOK_LOG_DAYS go.
// Metrics (deps.metrics): attempts by endpoint and outcome, attempt latency, stored → delivered
// lag, and the endpoints held here (strata_webhook_*, docs/webhooks.md).
import type { EventEmitter } from 'node:events';
import { COMMITTED } from '../changes/persist-wait.js';
import { newHolder, takeLease, type HeldLease, type Leases } from '../store/leases.js';
import type { WebhookStore } from '../store/webhook-store.js';
import { sleep, type Service } from '../workers/service.js';
import { EndpointDeliverer, type DeliveryLogger, type DeliveryOptions, type WebhookMetrics } from './deliverer.js';
import { httpSend, type Send } from '../http/sender.js';

export interface DispatcherOptions extends DeliveryOptions {
  leaseTtlMs: number;
  logDays: number;
  /** How often the endpoint list (and the leases) is looked at. */
  endpointPollMs?: number;
}

export interface DispatcherDeps {
  store: WebhookStore;
  leases: Leases;
  /** ChangeStore.settle. */
  settle: (conversationId: string) => Promise<number>;
  persisted?: EventEmitter;
  /** The HTTP attempt (tests may wrap it; the default POSTs with fetch). */
  send?: Send;
  /** strata_webhook_* (http/metrics.ts). */
  metrics?: WebhookMetrics;
}

/** The lease that makes one process the deliverer of an endpoint. */
export const leaseName = (endpointId: string) => `webhook:${endpointId}`;

interface Running {
  deliverer: EndpointDeliverer;
  lease: HeldLease;
  done: Promise<void>;
  finished: boolean;
}

export class WebhookDispatcher implements Service {
  readonly name = 'webhooks';
  /** This process's name in the leases (`host:pid:random`). */
  readonly holder = newHolder();

  constructor(private readonly deps: DispatcherDeps, private readonly o: DispatcherOptions, private readonly log: DeliveryLogger & { info(obj: object, msg?: string): void }) {}

  async run(signal: AbortSignal): Promise<void> {
    const running = new Map<string, Running>();
    const onCommit = (conversationId: string) => {
      for (const r of running.values()) r.deliverer.notify(conversationId);
    };
    this.deps.persisted?.on(COMMITTED, onCommit);
    const stopOne = async (id: string, r: Running) => {
      r.deliverer.stop();
      await r.done;
      await r.lease.release().catch(() => undefined); // the ttl frees it anyway
      running.delete(id);
    };
    let lastPrune = 0;
    try {
      while (!signal.aborted) {
        try {
          const endpoints = await this.deps.store.listEndpoints();
          const ids = new Set(endpoints.map((e) => e.id));
          for (const [id, r] of running) {
            if (!ids.has(id) || !r.lease.held || r.finished) await stopOne(id, r);
          }
          for (const e of endpoints) {
            if (signal.aborted) break;
            const r = running.get(e.id);
            if (r) {
              r.deliverer.update(e);
              continue;
            }
            const lease = await takeLease(this.deps.leases, leaseName(e.id), this.holder, { ttlMs: this.o.leaseTtlMs, wait: false });
            if (!lease) continue;
            const deliverer = new EndpointDeliverer(this.deps.store, this.deps.settle, e, this.o, this.deps.send ?? httpSend, this.log, this.deps.metrics);
            const entry: Running = { deliverer, lease, finished: false, done: Promise.resolve() };
            entry.done = deliverer.run(() => lease.held && !signal.aborted)
              .catch((err) => this.log.warn({ err, endpoint: e.id }, 'webhook deliverer stopped on an error; restarting'))
              .finally(() => {
                entry.finished = true;
              });
            running.set(e.id, entry);
            this.log.info({ endpoint: e.id, holder: this.holder }, 'delivering webhooks of endpoint');
          }
          if (Date.now() - lastPrune >= 3_600_000) {
            lastPrune = Date.now();
            const n = await this.deps.store.pruneAttempts(new Date(Date.now() - this.o.logDays * 86_400_000).toISOString());
            if (n > 0) this.log.info({ pruned: n }, 'webhook attempts pruned');
          }
        } catch (err) {
          this.log.warn({ err }, 'webhook dispatcher step failed; retrying');
        }
        this.deps.metrics?.webhookEndpoints.set(running.size);
        await sleep(this.o.endpointPollMs ?? 1000, signal);
      }
    } finally {
      this.deps.persisted?.off(COMMITTED, onCommit);
      await Promise.all([...running].map(([id, r]) => stopOne(id, r)));
      this.deps.metrics?.webhookEndpoints.set(running.size);
    }
  }
}
