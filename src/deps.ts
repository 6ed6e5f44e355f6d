// The plain `deps` object every use-case receives, built in src/main/wire.ts (the only place
// that chooses adapters). No container, no singletons.
import type { Config } from './config.js';
import type { TokenVerifier } from './auth/tokens.js';
import type { HotTier, PersistLog, RateLimiter } from './hot-tier/hot-tier.js';
import type { Store } from './store/store.js';
import type { Metrics } from './http/metrics.js';
import type { Archive, ArchiveSource } from './archive/archive.js';
import type { Leases } from './store/leases.js';

export interface Deps {
  config: Config;
  store: Store;
  hot: HotTier;
  rate: RateLimiter;
  log: PersistLog;
  auth: TokenVerifier;
  metrics: Metrics;
  /** Called when a message committed to the warm store (in-process persist worker), for ACK_AFTER=store. */
  persisted?: import('node:events').EventEmitter;
  /** The cold tier, when wired: history reads through it, edits of archived messages are refused. */
  archive?: Archive;
  /** What archiving needs besides the archive: the warm rows to move, cross-process leases. */
  archiving?: { source: ArchiveSource; leases: Leases };
}
