// Builds the background services a process runs: persist workers (and later the archiver).
import type { Deps } from '../deps.js';
import { PersistHandler } from '../workers/persist-handler.js';
import type { Service } from '../workers/service.js';
import { StreamConsumer } from '../workers/stream-consumer.js';
import type { FastifyBaseLogger } from 'fastify';

export function backgroundServices(deps: Deps, logger: Pick<FastifyBaseLogger, 'warn' | 'error' | 'info'>): Service[] {
  const { config, log, store, metrics } = deps;
  const persist = new StreamConsumer(log, new PersistHandler(store, metrics), {
    batch: config.persistBatch,
    intervalMs: config.persistIntervalMs,
    claimIdleMs: config.persistClaimIdleMs,
    maxAttempts: config.persistMaxAttempts,
    onError: (err, context) => logger.warn({ err, context }, 'persist worker error'),
    onDeadLetter: (entry, error) => {
      metrics.deadLetters.inc();
      logger.error({ entry: entry.id, partition: entry.partition, error }, 'persist entry moved to dead letters');
    },
  });
  return [persist];
}

/** Runs services until the signal aborts; resolves when all have drained. */
export function runServices(services: Service[], signal: AbortSignal, logger: Pick<FastifyBaseLogger, 'error'>): Promise<void> {
  return Promise.all(services.map((s) => s.run(signal).catch((err) => logger.error({ err, service: s.name }, 'service crashed')))).then(() => undefined);
}
