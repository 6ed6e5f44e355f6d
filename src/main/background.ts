// Builds the background services a process runs: persist workers, the backlog gauge, the webhook
// deliverer and the push deliverer (WEBHOOK_DELIVERY) and, when the archive is wired, the
// archiver (idle unless a retention policy is set) and the audit archiver (AUDIT_ARCHIVE_DAYS).
import type { Deps } from '../deps.js';
import { reacceptCollisions, restoreDedupOf, type RepairLogger } from '../changes/repair.js';
import { seedFromStore } from '../messages/ingest.js';
import { ArchiverService } from '../workers/archiver.js';
import { PersistHandler } from '../workers/persist-handler.js';
import { sleep, type Service } from '../workers/service.js';
import { StreamConsumer } from '../workers/stream-consumer.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { uploadSweeper } from '../attachments/sweep.js';
import { pushDelivery } from '../push/delivery.js';
import type { FastifyBaseLogger } from 'fastify';
import { lostChange, parseChange, type StoredChange } from '../model/change.js';
import { ChangeLog } from '../changes/change-log.js';
import { AuditLog } from '../audit/audit-log.js';
import { AuditArchive } from '../audit/audit-archive.js';
import { auditArchiver } from '../audit/audit-archiver.js';
import { GdprService, type GdprDeps } from '../gdpr/jobs.js';

function deadChange(payload: string): StoredChange | null {
  try {
    return parseChange(payload);
  } catch {
    return null; // not JSON: no position to take
  }
}

export function backgroundServices(deps: Deps, logger: Pick<FastifyBaseLogger, 'warn' | 'error' | 'info'>): Service[] {
  const { config, store, metrics } = deps;
  const persist = persistConsumer(deps, logger);
  const services: Service[] = [persist, backlogGauge(deps), changePruner(deps, logger)];
  if (deps.attachments) services.push(uploadSweeper(deps, logger));
  if (config.webhookDelivery && deps.webhooks) {
    services.push(new WebhookDispatcher({ store: deps.webhooks.store, leases: deps.webhooks.leases, settle: (c) => store.settle(c), persisted: deps.persisted, metrics }, {
      timeoutMs: config.webhookTimeoutMs, retryForMs: config.webhookRetryForS * 1000, retryBaseMs: config.webhookRetryBaseMs, retryMaxMs: config.webhookRetryMaxMs,
      pollMs: config.webhookPollMs, concurrency: config.webhookConcurrency, leaseTtlMs: config.webhookLeaseTtlS * 1000, logDays: config.webhookLogDays,
    }, logger));
  }
  // push rides on the webhook machinery (an internal endpoint): delivered where webhooks are
  const push = deps.push;
  if (config.webhookDelivery && push?.provider && push.delivery) {
    services.push(pushDelivery({ ...deps, push: { store: push.store, provider: push.provider, delivery: push.delivery } }, logger));
  }
  // GDPR export and erase jobs (docs/gdpr.md), under leases in the warm store
  const leases = deps.archiving?.leases ?? deps.webhooks?.leases;
  if (deps.gdpr && leases) {
    services.push(new GdprService(deps as GdprDeps, {
      changes: new ChangeLog(deps, (c) => seedFromStore(deps, c)), leases, pollMs: 5000, logger,
      audit: new AuditLog(deps.safety?.audit, { error: (obj, msg) => logger.error(obj, msg) }),
    }));
  }
  if (deps.archive && deps.archiving) {
    services.push(new ArchiverService(deps.archive, deps.archiving.source, deps.archiving.leases, {
      policy: { days: config.retentionDays, keepLast: config.retentionKeepLast },
      intervalMs: config.archiveIntervalS * 1000,
      logger,
    }));
  }
  // the audit log's cold tier (docs/moderation.md#audit-log), under the same leases
  const auditArchive = AuditArchive.of(deps.archive);
  if (auditArchive && deps.archiving && deps.safety) {
    services.push(auditArchiver(auditArchive, deps.safety.audit, deps.archiving.leases, {
      days: config.auditArchiveDays, intervalMs: config.archiveIntervalS * 1000, logger,
    }));
  }
  return services;
}

/** The persist worker: the log applied to the warm store, collisions repaired, lost dedup keys restored. */
export function persistConsumer(deps: Deps, logger: RepairLogger & { error(obj: object, msg: string): void }): StreamConsumer {
  const { config, log, store, metrics } = deps;
  return new StreamConsumer(log, new PersistHandler(store, metrics, deps.persisted, deps.archive && ((c) => deps.archive!.archivedThrough(c)),
    (collisions) => reacceptCollisions(deps, (c) => seedFromStore(deps, c), collisions, logger),
    (messages) => restoreDedupOf(deps, messages, logger)), {
    batch: config.persistBatch,
    intervalMs: config.persistIntervalMs,
    claimIdleMs: config.persistClaimIdleMs,
    maxAttempts: config.persistMaxAttempts,
    onError: (err, context) => logger.warn({ err, context }, 'persist worker error'),
    onDeadLetter: (entry, error) => {
      metrics.deadLetters.inc();
      logger.error({ entry: entry.id, partition: entry.partition, error }, 'persist entry moved to dead letters');
      // its cursor would be a hole every reader stops at: a `lost` placeholder takes the position
      // (a replay of the dead letter collides with it and is accepted under a new cursor)
      const change = deadChange(entry.payload);
      if (change) {
        store.applyChanges([lostChange(change.conversation_id, change.cursor)])
          .catch((err) => logger.warn({ err, entry: entry.id }, 'could not record the lost placeholder of a dead letter'));
      }
    },
  });
}

/**
 * Drops changes older than CHANGE_RETENTION_DAYS from the warm store, hourly (docs/changes.md):
 * a client behind what is kept gets RELOAD_REQUIRED. Every process may run it: the delete is
 * idempotent and the floor only ever rises.
 */
function changePruner(deps: Deps, logger: Pick<FastifyBaseLogger, 'warn' | 'info'>): Service {
  return {
    name: 'change-pruner',
    async run(signal) {
      while (!signal.aborted) {
        const before = new Date(Date.now() - deps.config.changeRetentionDays * 86_400_000).toISOString();
        try {
          const n = await deps.store.pruneChanges(before);
          if (n > 0) logger.info({ pruned: n, before }, 'change log pruned');
        } catch (err) {
          logger.warn({ err }, 'change log prune failed; retrying next hour');
        }
        await sleep(3_600_000, signal);
      }
    },
  };
}

/** Samples each partition's backlog into the strata_persist_backlog gauge. */
function backlogGauge(deps: Deps): Service {
  return {
    name: 'backlog-gauge',
    async run(signal) {
      while (!signal.aborted) {
        for (let p = 0; p < deps.log.partitions; p++) {
          const n = await deps.log.backlog(p).catch(() => undefined);
          if (n !== undefined) deps.metrics.backlog.set({ partition: String(p) }, n);
        }
        await sleep(5000, signal);
      }
    },
  };
}

/** Runs services until the signal aborts; resolves when all have drained. */
export function runServices(services: Service[], signal: AbortSignal, logger: Pick<FastifyBaseLogger, 'error'>): Promise<void> {
  return Promise.all(services.map((s) => s.run(signal).catch((err) => logger.error({ err, service: s.name }, 'service crashed')))).then(() => undefined);
}
