// The ONLY place that chooses adapters: from the config, build the deps object.
import { resolvedArchiveUrl, resolvedDatabaseUrl, type Config } from '../config.js';
import { Archive, type ArchiveOptions } from '../archive/archive.js';
import { createObjectStore } from '../archive/create-object-store.js';
import { resolveSecret } from '../auth/dev-secret.js';
import { cachedVerifier, hs256Verifier, jwksVerifier, type TokenVerifier } from '../auth/tokens.js';
import type { Deps } from '../deps.js';
import { createMetrics } from '../http/metrics.js';
import type { HotTier, PersistLog, RateLimiter } from '../hot-tier/hot-tier.js';
import { MemoryHotTier } from '../hot-tier/memory-hot-tier.js';
import { SqlArchiveSource } from '../store/sql/sql-archive-source.js';
import { SqlLeases } from '../store/sql/sql-leases.js';
import { createSqlStore } from '../store/sql/sql-store.js';
import type { Realtime } from '../ws/gateway.js';
import { createRealtime } from './realtime.js';

export interface Wired extends Deps {
  /** What was chosen, for the start-up banner. */
  describe: { store: string; hot: string; auth: string; archive: string };
  archive: Archive;
  /** The WebSocket gateway's adapters (fan-out, presence, receipts/reactions). */
  realtime: Realtime;
  close(): Promise<void>;
}

export type HotBundle = HotTier & RateLimiter & PersistLog;

export async function createHotTier(config: Config): Promise<HotBundle> {
  if (!config.valkeyUrl) return new MemoryHotTier(config.partitions);
  const { createValkeyHotTier } = await import('../hot-tier/valkey/valkey-hot-tier.js');
  return createValkeyHotTier(config.valkeyUrl, { prefix: config.keyPrefix, partitions: config.partitions });
}

export function createVerifier(config: Config, createDevSecret: boolean): { verifier: TokenVerifier; describe: string } {
  if (config.authJwksUrl) return { verifier: cachedVerifier(jwksVerifier(config.authJwksUrl)), describe: `JWKS ${config.authJwksUrl}` };
  const s = resolveSecret(config, createDevSecret);
  if (!s) throw new Error('no AUTH_JWT_SECRET and no dev secret yet: start the server once, or set AUTH_JWT_SECRET');
  const describe = s.file ? `HS256 dev secret ${s.file}${s.generated ? ' (generated now)' : ''}` : 'HS256 AUTH_JWT_SECRET';
  return { verifier: cachedVerifier(hs256Verifier(s.secret)), describe };
}

/** The cold tier from ARCHIVE_URL; S3 credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
export function createArchive(config: Config, opts: ArchiveOptions = {}, env: NodeJS.ProcessEnv = process.env): Archive {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined; // else the SDK's default chain
  return new Archive(createObjectStore(resolvedArchiveUrl(config), { ...config, credentials }), opts);
}

/** Just the warm store and the cold tier, for `strata archive` / `strata export`. */
export async function wireArchive(config: Config, opts: ArchiveOptions = {}) {
  const store = await createSqlStore(resolvedDatabaseUrl(config));
  await store.migrate();
  const archive = createArchive(config, opts);
  return {
    store, archive, source: new SqlArchiveSource(store.db), leases: new SqlLeases(store.db),
    async close() {
      await archive.close();
      await store.close();
    },
  };
}

export async function wire(config: Config, opts: { migrate?: boolean } = {}): Promise<Wired> {
  const dbUrl = resolvedDatabaseUrl(config);
  const store = await createSqlStore(dbUrl);
  if (opts.migrate ?? true) await store.migrate();
  const hot = await createHotTier(config);
  const realtime = await createRealtime(hot, store);
  const { verifier, describe: auth } = createVerifier(config, config.nodeEnv !== 'production');
  const archive = createArchive(config);
  const archiving = { source: new SqlArchiveSource(store.db), leases: new SqlLeases(store.db) };
  const redacted = dbUrl.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  return {
    config, store, hot, rate: hot, log: hot, auth: verifier, metrics: createMetrics(), realtime, archive, archiving,
    describe: { store: `${store.dialect} ${redacted}`, hot: config.valkeyUrl ? `valkey ${config.valkeyUrl.replace(/\/\/[^@]*@/, '//***@')}` : 'in-process memory engine', auth, archive: archive.objects.location },
    async close() {
      await realtime.close();
      await hot.close();
      await archive.close();
      await store.close();
    },
  };
}
