// Composition root of a worker process (`strata worker`): persist workers only, no HTTP. Run
// as many as needed; the consumer group shares the partitions' entries between them.
import pino from 'pino';
import type { Config } from '../config.js';
import { wire } from './wire.js';
import { backgroundServices, runServices } from './background.js';

export async function startWorker(config: Config) {
  const logger = pino({ level: config.logLevel });
  const deps = await wire(config);
  const stop = new AbortController();
  const running = runServices(backgroundServices(deps, logger), stop.signal, logger);
  logger.info({ store: deps.describe.store, hot: deps.describe.hot, partitions: config.partitions }, 'worker started');
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stop.abort();
      await running;
      await deps.close();
      logger.info('worker stopped');
    })());
  return { deps, close };
}
