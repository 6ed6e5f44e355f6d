// Composition root of the API process (`strata start`): wire adapters, build the app, listen,
// run the persist workers in-process unless WORKERS=false, and shut down in order on
// SIGTERM/SIGINT: stop accepting, drain workers, close adapters.
import type { Config } from '../config.js';
import { buildApp } from '../app.js';
import { webPlugin } from '../webapp/web-plugin.js';
import { wire } from './wire.js';
import { backgroundServices, runServices } from './background.js';

export async function startApi(config: Config, opts: { banner?: boolean } = {}) {
  const deps = await wire(config);
  const { app } = await buildApp(deps, {
    plugins: [webPlugin(config)],
    gateway: { maxFrameBytes: config.wsMaxFrameBytes, maxBufferBytes: config.wsMaxBufferBytes, idleTimeoutMs: config.wsIdleTimeoutS * 1000, resumeMax: config.resumeMax },
  });
  const address = await app.listen({ port: config.port, host: config.host });
  const stop = new AbortController();
  const services = config.workers ? backgroundServices(deps, app.log) : [];
  const running = runServices(services, stop.signal, app.log);

  if (opts.banner ?? true) {
    const base = address.replace('127.0.0.1', 'localhost');
    process.stdout.write([
      '',
      `  Strata is listening on ${base}`,
      `  warm store : ${deps.describe.store}`,
      `  hot tier   : ${deps.describe.hot}`,
      `  archive    : ${deps.describe.archive}`,
      `  auth       : ${deps.describe.auth}`,
      `  push       : ${deps.describe.push}`,
      `  workers    : ${config.workers ? `persist${config.retentionDays || config.retentionKeepLast ? ' + archiver' : ''} (in-process)` : 'off (run `npx strata worker`)'}`,
      `  web page   : ${base}/`,
      `  API docs   : ${base}/docs`,
      `  get a token: npx strata token alice`,
      `  try it     : curl -H "Authorization: Bearer $(npx strata token alice)" ${base}/v1/conversations`,
      '',
    ].join('\n') + '\n');
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      stop.abort();
      await running;
      await deps.close();
    })());
  return { app, deps, address, close };
}
