// Builds a Strata app for tests on chosen adapters: memory or real Valkey hot tier, SQLite
// (in memory) or real PostgreSQL (a schema of its own). The persist worker runs in-process.
import { EventEmitter } from 'node:events';
import { inject } from 'vitest';
import { testConfig, type Config } from '../../src/config.js';
import { buildApp, type BuildOptions, type GatewayOptions } from '../../src/app.js';
import { Archive } from '../../src/archive/archive.js';
import type { ObjectStore } from '../../src/archive/object-store.js';
import { hs256Verifier, mintToken } from '../../src/auth/tokens.js';
import type { Deps } from '../../src/deps.js';
import { createMetrics } from '../../src/http/metrics.js';
import { backgroundServices, runServices } from '../../src/main/background.js';
import { createHotAdapters, createStore, sqlAdapters, type HotAdapters } from '../../src/main/wire.js';
import { WebPushProvider } from '../../src/push-providers/web-push-provider.js';
import { hideInternalEndpoints } from '../../src/webhooks/internal-endpoints.js';
import { uniqueName } from '../unique.js';

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
  /** Options of the WebSocket gateway (always mounted, like every route). */
  gateway?: boolean | Partial<GatewayOptions>;
  /** Wire the cold tier on this object store (history reads through it, /v1/exports, the archiver). */
  archive?: ObjectStore;
  /** Sees every warning of the in-process workers (a test waiting for a failed write). */
  onWorkerWarning?: (obj: unknown, msg?: string) => void;
}

/** The hot tier with its fan-out and presence: memory, or Valkey under a unique prefix. */
export async function makeHot(kind: 'memory' | 'valkey', config: Config, url?: string, prefix?: string): Promise<HotAdapters> {
  if (kind === 'memory') return createHotAdapters({ ...config, valkeyUrl: undefined });
  return createHotAdapters(config, { url: url ?? inject('valkeyUrl'), prefix: prefix ?? uniqueName('strata') });
}

export async function makeStack(opts: StackOptions = {}): Promise<TestStack> {
  const config = testConfig({ authJwtSecret: SECRET, partitions: 4, persistIntervalMs: 5, rateLimit: 0, ...opts.config });
  const store = opts.store === 'postgres'
    ? await createStore(opts.databaseUrl ?? inject('databaseUrl'), { schema: opts.pgSchema ?? uniqueName('api') })
    : await createStore('sqlite::memory:');
  const sql = sqlAdapters(store);
  const hotSide = await makeHot(opts.hot ?? 'memory', config, opts.valkeyUrl, opts.valkeyPrefix);
  const { hot } = hotSide;
  const archive = opts.archive ? new Archive(opts.archive) : undefined;
  const archiving = archive ? { source: sql.archiveSource, leases: sql.leases } : undefined;
  const deps: Deps = {
    config, store, receipts: sql.receipts, reactions: sql.reactions, threads: sql.threads, search: sql.search, pins: sql.pins, webhooks: { store: hideInternalEndpoints(sql.webhooks), leases: sql.leases },
    // push is on when the test gives VAPID keys (test/api/push.suite.ts)
    push: {
      store: sql.push, delivery: { store: sql.webhooks, leases: sql.leases },
      provider: config.pushEnabled && config.vapidPublicKey && config.vapidPrivateKey
        ? new WebPushProvider({ publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey, subject: config.vapidSubject }) : undefined,
    },
    moderation: sql.moderation,
    hot, rate: hot, log: hot, fanout: hotSide.fanout, presence: hotSide.presence,
    auth: hs256Verifier(SECRET), metrics: createMetrics(), persisted: new EventEmitter().setMaxListeners(0), archive, archiving,
    attachments: archive && { uploads: sql.uploads, files: archive.objects },
    safety: sql.safety,
    gdpr: { jobs: sql.gdpr, data: sql.gdpr },
  };
  const gateway = typeof opts.gateway === 'object' ? opts.gateway : {};
  const { app, services } = await buildApp(deps, { ...opts.build, gateway: { ...gateway, ...opts.build?.gateway } });
  await app.ready();
  const stop = new AbortController();
  // STRATA_TEST_LOG=1 shows the workers' warnings and errors while debugging a test.
  const verbose = !!process.env.STRATA_TEST_LOG;
  const quiet = {
    warn: (o: unknown, m?: string) => {
      opts.onWorkerWarning?.(o, m);
      if (verbose) console.warn(m, o);
    },
    error: (o: unknown, m?: string) => {
      if (verbose) console.error(m, o);
    },
    info() {},
  };
  const running = opts.workers === false ? Promise.resolve() : runServices(backgroundServices(deps, quiet), stop.signal, quiet);
  return {
    app, services, deps,
    token: (user, admin) => mintToken(SECRET, user, { admin }),
    async close() {
      await app.close();
      stop.abort();
      await running;
      await hotSide.close();
      await archive?.close();
      await store.close();
    },
  };
}
