// Builds a Strata app for tests on chosen adapters: memory or real Valkey hot tier, SQLite
// (in memory) or real PostgreSQL (a schema of its own). The persist worker runs in-process.
import { inject } from 'vitest';
import { testConfig, type Config } from '../../src/config.js';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { hs256Verifier, mintToken } from '../../src/auth/tokens.js';
import { createMetrics } from '../../src/http/metrics.js';
import { MemoryHotTier } from '../../src/hot-tier/memory-hot-tier.js';
import { backgroundServices, runServices } from '../../src/main/background.js';
import { createSqlStore } from '../../src/store/sql/sql-store.js';
import type { HotBundle } from '../../src/main/wire.js';
import { createRealtime } from '../../src/main/realtime.js';
import { gatewayPlugin, type GatewayOptions } from '../../src/ws/gateway.js';
import { uniqueName } from '../unique.js';
import { Archive } from '../../src/archive/archive.js';
import type { ObjectStore } from '../../src/archive/object-store.js';
import { SqlArchiveSource } from '../../src/store/sql/sql-archive-source.js';
import { SqlLeases } from '../../src/store/sql/sql-leases.js';

export const SECRET = 'test-secret-0123456789-0123456789-abcdef';

export interface TestStack {
  app: Awaited<ReturnType<typeof buildApp>>['app'];
  services: Awaited<ReturnType<typeof buildApp>>['services'];
  deps: Parameters<typeof buildApp>[0];
  token(user: string, admin?: boolean): Promise<string>;
  close(): Promise<void>;
}

export interface StackOptions {
  hot?: 'memory' | 'valkey';
  store?: 'sqlite' | 'postgres';
  config?: Partial<Config>;
  workers?: boolean;
  build?: BuildOptions;
  /** Servers other than the shared ones (outage and flush tests run their own). */
  valkeyUrl?: string;
  databaseUrl?: string;
  /** Fixed names, so that other processes (a `strata worker`) can share the stack's data. */
  valkeyPrefix?: string;
  pgSchema?: string;
  /** Mount the WebSocket gateway (GET /v1/ws, receipts, reactions, presence), with these options. */
  gateway?: boolean | Partial<GatewayOptions>;
  /** Wire the cold tier on this object store (history reads through it, /v1/exports, the archiver). */
  archive?: ObjectStore;
}

export async function makeHot(kind: 'memory' | 'valkey', config: Config, url?: string, prefix?: string): Promise<HotBundle> {
  if (kind === 'memory') return new MemoryHotTier(config.partitions);
  const { createValkeyHotTier } = await import('../../src/hot-tier/valkey/valkey-hot-tier.js');
  return createValkeyHotTier(url ?? inject('valkeyUrl'), { prefix: prefix ?? uniqueName('strata'), partitions: config.partitions });
}

export async function makeStack(opts: StackOptions = {}): Promise<TestStack> {
  const config = testConfig({ authJwtSecret: SECRET, partitions: 4, persistIntervalMs: 5, rateLimit: 0, ...opts.config });
  const store = opts.store === 'postgres'
    ? await createSqlStore(opts.databaseUrl ?? inject('databaseUrl'), { schema: opts.pgSchema ?? uniqueName('api') })
    : await createSqlStore('sqlite::memory:');
  await store.migrate();
  const hot = await makeHot(opts.hot ?? 'memory', config, opts.valkeyUrl, opts.valkeyPrefix);
  const archive = opts.archive ? new Archive(opts.archive) : undefined;
  const archiving = archive ? { source: new SqlArchiveSource(store.db), leases: new SqlLeases(store.db) } : undefined;
  const deps = { config, store, hot, rate: hot, log: hot, auth: hs256Verifier(SECRET), metrics: createMetrics(), archive, archiving };
  const realtime = opts.gateway ? await createRealtime(hot, store) : undefined;
  const plugins = [...(opts.build?.plugins ?? []), ...(realtime ? [gatewayPlugin(deps, realtime, opts.gateway === true ? {} : opts.gateway || {})] : [])];
  const { app, services } = await buildApp(deps, { ...opts.build, plugins });
  await app.ready();
  const stop = new AbortController();
  // STRATA_TEST_LOG=1 shows the workers' warnings and errors while debugging a test.
  const quiet = process.env.STRATA_TEST_LOG
    ? { warn: (o: unknown, m?: string) => console.warn(m, o), error: (o: unknown, m?: string) => console.error(m, o), info() {} }
    : { warn() {}, error() {}, info() {} };
  const running = opts.workers === false ? Promise.resolve() : runServices(backgroundServices(deps, quiet), stop.signal, quiet);
  return {
    app, services, deps,
    token: (user, admin) => mintToken(SECRET, user, { admin }),
    async close() {
      await app.close();
      stop.abort();
      await running;
      await realtime?.close();
      await hot.close();
      await archive?.close();
      await store.close();
    },
  };
}
