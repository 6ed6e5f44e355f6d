// The ONLY place that chooses adapters: from the config, one adapter per port, into the plain
// `deps` object (src/deps.ts).
//
//   port                         VALKEY_URL unset (embedded)       VALKEY_URL set
//   hot tier, rate, persist log  MemoryHotTier                     ValkeyHotTier (one connection…
//   fan-out                      MemoryFanout (over its events)    ValkeyFanout   …shared by all
//   presence                     MemoryPresence                    ValkeyPresence  three)
//
//   port                         DATABASE_URL sqlite:… (default)   DATABASE_URL postgres://…
//   store, receipts, reactions,  Sql* over one Kysely instance, the dialect chosen by the URL
//   leases, archive source, webhooks, push (subscriptions, settings), safety (audit log,
//   reports, blocklist, blocks)
//
//   push provider                VAPID keys set (or generated into DATA_DIR outside production)
//                                → WebPushProvider; PUSH_ENABLED=false or none → no provider
//
//   object store (cold tier)     ARCHIVE_URL file:<dir> (default <DATA_DIR>/archive) or s3://bucket/prefix
//   attachments' bytes           the same object store, under uploads/<id> (docs/attachments.md)
import { EventEmitter } from 'node:events';
import { resolvedArchiveUrl, resolvedDatabaseUrl, type Config } from '../config.js';
import { Archive, type ArchiveOptions } from '../archive/archive.js';
import { resolveSecret } from '../auth/dev-secret.js';
import { cachedVerifier, hs256Verifier, jwksVerifier, type TokenVerifier } from '../auth/tokens.js';
import type { Deps } from '../deps.js';
import type { Fanout } from '../hot-tier/fanout.js';
import type { HotTier, PersistLog, RateLimiter } from '../hot-tier/hot-tier.js';
import { MemoryFanout } from '../hot-tier/memory-fanout.js';
import { MemoryHotTier } from '../hot-tier/memory-hot-tier.js';
import { MemoryPresence } from '../hot-tier/memory-presence.js';
import type { PresenceStore } from '../hot-tier/presence-store.js';
import { createMetrics } from '../http/metrics.js';
import { SqlGdpr } from '../store/sql/sql-gdpr.js';
import { SqlArchiveSource } from '../store/sql/sql-archive-source.js';
import { SqlLeases } from '../store/sql/sql-leases.js';
import { SqlReactions } from '../store/sql/sql-reactions.js';
import { SqlThreads } from '../store/sql/sql-threads.js';
import { SqlSearch } from '../store/sql/sql-search.js';
import { SqlPins } from '../store/sql/sql-pins.js';
import { SqlModeration } from '../store/sql/sql-moderation.js';
import { SqlWebhooks } from '../store/sql/sql-webhooks.js';
import { SqlUploads } from '../store/sql/sql-uploads.js';
import { SqlReceipts } from '../store/sql/sql-receipts.js';
import { SqlPush } from '../store/sql/sql-push.js';
import { SqlAudit } from '../store/sql/sql-audit.js';
import { SqlReports } from '../store/sql/sql-reports.js';
import { SqlBlocklist } from '../store/sql/sql-blocklist.js';
import { SqlBlocks } from '../store/sql/sql-blocks.js';
import type { PushProvider } from '../push-providers/push-provider.js';
import { resolveVapid } from '../push-providers/vapid-keys.js';
import { generateVapidKeys, WebPushProvider } from '../push-providers/web-push-provider.js';
import { hideInternalEndpoints } from '../webhooks/internal-endpoints.js';
import { createSqlStore, type SqlStore, type SqlStoreOptions } from '../store/sql/sql-store.js';
import { createObjectStore } from './object-store-from-url.js';

export interface Wired extends Deps {
  /** What was chosen, for the start-up banner. */
  describe: { store: string; hot: string; auth: string; archive: string; push: string };
  archive: Archive;
  close(): Promise<void>;
}

export type HotBundle = HotTier & RateLimiter & PersistLog;

/** The hot-tier side: hot tier, fan-out and presence, memory or Valkey together. */
export interface HotAdapters {
  hot: HotBundle;
  fanout: Fanout;
  presence: PresenceStore;
  describe: string;
  close(): Promise<void>;
}

export async function createHotAdapters(config: Config, valkey?: { url: string; prefix: string }): Promise<HotAdapters> {
  const target = valkey ?? (config.valkeyUrl ? { url: config.valkeyUrl, prefix: config.keyPrefix } : undefined);
  if (!target) {
    const hot = new MemoryHotTier(config.partitions);
    return { hot, fanout: new MemoryFanout(hot.events), presence: new MemoryPresence(), describe: 'in-process memory engine', close: () => hot.close() };
  }
  const { ValkeyHotTier } = await import('../hot-tier/valkey/valkey-hot-tier.js');
  const { ValkeyFanout } = await import('../hot-tier/valkey/valkey-fanout.js');
  const { ValkeyPresence } = await import('../hot-tier/valkey/valkey-presence.js');
  const hot = await ValkeyHotTier.connect(target.url, { prefix: target.prefix, partitions: config.partitions });
  const fanout = new ValkeyFanout(hot);
  return {
    hot, fanout, presence: new ValkeyPresence(hot),
    describe: `valkey ${target.url.replace(/\/\/[^@]*@/, '//***@')}`,
    async close() {
      await fanout.close();
      await hot.close();
    },
  };
}

/** The warm-store side: every SQL adapter over one Kysely instance. */
export function sqlAdapters(store: SqlStore) {
  return {
    store,
    receipts: new SqlReceipts(store.db, store.dialect),
    reactions: new SqlReactions(store.db),
    threads: new SqlThreads(store.db),
    search: new SqlSearch(store.db, store.dialect),
    pins: new SqlPins(store.db),
    uploads: new SqlUploads(store.db),
    webhooks: new SqlWebhooks(store.db),
    push: new SqlPush(store.db),
    moderation: new SqlModeration(store.db),
    leases: new SqlLeases(store.db),
    archiveSource: new SqlArchiveSource(store.db, store.dialect),
    gdpr: new SqlGdpr(store.db),
    safety: { audit: new SqlAudit(store.db), reports: new SqlReports(store.db), blocklist: new SqlBlocklist(store.db), blocks: new SqlBlocks(store.db) },
  };
}

/** The push provider from the config (docs/push.md): Web Push with VAPID, or none (push off). */
export function createPushProvider(config: Config): { provider?: PushProvider; describe: string } {
  const v = resolveVapid(config, generateVapidKeys);
  if (!v) return { describe: 'off' };
  const policy = { allowedHosts: config.pushAllowedHosts, allowedPorts: config.pushAllowedPorts, allowHttpLocalhost: config.pushAllowHttpLocalhost };
  return { provider: new WebPushProvider({ publicKey: v.publicKey, privateKey: v.privateKey, subject: v.subject }, undefined, policy), describe: `web push, VAPID ${v.describe}` };
}

export async function createStore(url: string, opts: SqlStoreOptions = {}, migrate = true): Promise<SqlStore> {
  const store = await createSqlStore(url, opts);
  if (migrate) await store.migrate();
  return store;
}

export function createVerifier(config: Config, createDevSecret: boolean): { verifier: TokenVerifier; describe: string } {
  const rules = { issuer: config.authIssuer, audience: config.authAudience, maxAgeS: config.authMaxTokenAgeS };
  if (config.authJwksUrl) return { verifier: cachedVerifier(jwksVerifier(config.authJwksUrl, rules)), describe: `JWKS ${config.authJwksUrl}` };
  const s = resolveSecret(config, createDevSecret);
  if (!s) throw new Error('no AUTH_JWT_SECRET and no dev secret yet: start the server once, or set AUTH_JWT_SECRET');
  const describe = s.file ? `HS256 dev secret ${s.file}${s.generated ? ' (generated now)' : ''}` : 'HS256 AUTH_JWT_SECRET';
  return { verifier: cachedVerifier(hs256Verifier(s.secret, rules)), describe };
}

/** The cold tier from ARCHIVE_URL; S3 credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
export function createArchive(config: Config, opts: ArchiveOptions = {}, env: NodeJS.ProcessEnv = process.env): Archive {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined; // else the SDK's default chain
  return new Archive(createObjectStore(resolvedArchiveUrl(config), { ...config, credentials }), opts);
}

/** Just the warm store and the cold tier, for `strata archive` / `strata export`. */
export async function wireArchive(config: Config, opts: ArchiveOptions = {}) {
  const store = await createStore(resolvedDatabaseUrl(config));
  const sql = sqlAdapters(store);
  const archive = createArchive(config, opts);
  return {
    store, archive, source: sql.archiveSource, leases: sql.leases,
    async close() {
      await archive.close();
      await store.close();
    },
  };
}

export async function wire(config: Config, opts: { migrate?: boolean } = {}): Promise<Wired> {
  const dbUrl = resolvedDatabaseUrl(config);
  const store = await createStore(dbUrl, {}, opts.migrate ?? true);
  const sql = sqlAdapters(store);
  const hot = await createHotAdapters(config);
  const { verifier, describe: auth } = createVerifier(config, config.nodeEnv !== 'production');
  const archive = createArchive(config);
  const push = createPushProvider(config);
  const redacted = dbUrl.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  return {
    config, store, receipts: sql.receipts, reactions: sql.reactions, threads: sql.threads, search: sql.search, pins: sql.pins, webhooks: { store: hideInternalEndpoints(sql.webhooks), leases: sql.leases },
    push: { store: sql.push, provider: push.provider, delivery: { store: sql.webhooks, leases: sql.leases } },
    moderation: sql.moderation,
    hot: hot.hot, rate: hot.hot, log: hot.hot, fanout: hot.fanout, presence: hot.presence,
    auth: verifier, metrics: createMetrics(), persisted: new EventEmitter().setMaxListeners(0), archive, archiving: { source: sql.archiveSource, leases: sql.leases },
    attachments: { uploads: sql.uploads, files: archive.objects }, safety: sql.safety, gdpr: { jobs: sql.gdpr, data: sql.gdpr },
    describe: { store: `${store.dialect} ${redacted}`, hot: hot.describe, auth, archive: archive.objects.location, push: push.describe },
    async close() {
      await hot.close();
      await archive.close();
      await store.close();
    },
  };
}
