// The plain `deps` object every use-case receives: one adapter per port, chosen from the config
// in src/main/wire.ts (the only place that chooses adapters; tests build it in
// test/helpers/app.ts). No container, no singletons. Everything here is a port (an interface)
// or a value; nothing names an adapter.
import type { EventEmitter } from 'node:events';
import type { Config } from './config.js';
import type { TokenVerifier } from './auth/tokens.js';
import type { Archive } from './archive/archive.js';
import type { Fanout } from './hot-tier/fanout.js';
import type { HotTier, PersistLog, RateLimiter } from './hot-tier/hot-tier.js';
import type { PresenceStore } from './hot-tier/presence-store.js';
import type { Metrics } from './http/metrics.js';
import type { ArchiveSource } from './store/archive-source.js';
import type { Leases } from './store/leases.js';
import type { ReactionStore } from './store/reaction-store.js';
import type { ReceiptStore } from './store/receipt-store.js';
import type { Store } from './store/store.js';
import type { ThreadStore } from './store/thread-store.js';
import type { SearchStore } from './store/search-store.js';
import type { PinStore } from './store/pin-store.js';
import type { WebhookStore } from './store/webhook-store.js';
import type { UploadStore } from './store/upload-store.js';
import type { PushStore } from './store/push-store.js';
import type { PushProvider } from './push-providers/push-provider.js';
import type { ObjectStore } from './archive/object-store.js';
import type { ModerationStore } from './store/moderation-store.js';
import type { AuditStore } from './store/audit-store.js';
import type { ReportStore } from './store/report-store.js';
import type { BlocklistStore } from './store/blocklist-store.js';
import type { BlockStore } from './store/block-store.js';
import type { GdprJobStore, UserDataStore } from './store/gdpr-store.js';

export interface Deps {
  config: Config;
  /** Warm store: conversations, members, messages. */
  store: Store;
  receipts: ReceiptStore;
  reactions: ReactionStore;
  /** The thread and mention indexes, thread read watermarks. */
  threads: ThreadStore;
  /** The full-text index (docs/search.md). */
  search: SearchStore;
  pins: PinStore;
  /** Attachments (docs/attachments.md): the upload rows and the object store holding their bytes. Absent: uploads are refused (UPLOAD_NOT_FOUND). */
  attachments?: { uploads: UploadStore; files: ObjectStore };
  /**
   * Webhooks (docs/webhooks.md): endpoints and their delivery state, and the cross-process leases
   * that keep one deliverer per endpoint. Absent: the webhook routes answer UNAVAILABLE and
   * nothing is delivered.
   */
  webhooks?: { store: WebhookStore; leases: Leases };
  /**
   * Push (docs/push.md): subscriptions and per-conversation notification settings; the provider
   * when push is on (absent: the subscription routes answer UNAVAILABLE, nothing is pushed);
   * the webhook store with the internal `push` endpoint visible (deps.webhooks.store hides it)
   * and the leases, for the push deliverer and its attempts.
   */
  push?: { store: PushStore; provider?: PushProvider; delivery?: { store: WebhookStore; leases: Leases } };
  /**
   * User safety and the audit log (docs/moderation.md): audit entries, reports, the blocklist,
   * users' blocks. Absent: their routes answer UNAVAILABLE, nothing is filtered or blocked, and
   * audit entries go to the server log only.
   */
  safety?: { audit: AuditStore; reports: ReportStore; blocklist: BlocklistStore; blocks: BlockStore };
  /**
   * Bans, mutes, slow mode, kinds and app-wide bans (docs/moderation.md). Absent: the moderation
   * routes answer UNAVAILABLE and a re-seeded hot tier starts with no restrictions.
   */
  moderation?: ModerationStore;
  /** GDPR export and erase of one user (docs/gdpr.md): the jobs and the warm store's data about a user. Absent: the routes answer UNAVAILABLE. */
  gdpr?: { jobs: GdprJobStore; data: UserDataStore };
  /** Hot tier: seq, recent ring, dedup, persist log, rate limit. */
  hot: HotTier;
  rate: RateLimiter;
  log: PersistLog;
  /** Live events between API nodes, and who is online. */
  fanout: Fanout;
  presence: PresenceStore;
  auth: TokenVerifier;
  metrics: Metrics;
  /** This process's persist workers announce committed batches here ('committed', conversationId): messages/persist-wait.ts. */
  persisted?: EventEmitter;
  /** The cold tier, when wired: history reads through it, edits of archived messages are refused. */
  archive?: Archive;
  /** What archiving needs besides the archive: the warm rows to move, cross-process leases. */
  archiving?: { source: ArchiveSource; leases: Leases };
}
