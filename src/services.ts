// buildServices(deps): every use-case of the API, built once over the ports in `deps`. REST
// routes and WebSocket frame handlers (app.ts) both call these same objects, so a send, a read
// or an edit behaves the same whichever way it arrives.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ChangeLog } from './changes/change-log.js';
import { SyncService } from './changes/sync.js';
import { Access } from './conversations/access.js';
import { ConversationService } from './conversations/service.js';
import type { Deps } from './deps.js';
import { announcer } from './hot-tier/fanout.js';
import { EditService } from './messages/edits.js';
import { HistoryService, withOverlays } from './messages/history.js';
import { IngestService } from './messages/ingest.js';
import { PresenceTracker } from './presence/tracker.js';
import { ReactionService } from './reactions/service.js';
import { ThreadService } from './threads/service.js';
import { SearchService } from './search/service.js';
import { PinService } from './pins/service.js';
import { WebhookAdmin } from './webhooks/service.js';
import { PushService } from './push/service.js';
import { AppBans } from './moderation/app-bans.js';
import { ConversationRules } from './moderation/conversation-rules.js';
import { beforeSendHook } from './hooks/before-send.js';
import { AttachmentService } from './attachments/service.js';
import { ReceiptBatcher } from './receipts/receipt-batcher.js';
import { ReceiptService } from './receipts/service.js';
import { AuditLog } from './audit/audit-log.js';
import { AuditArchive } from './audit/audit-archive.js';
import { Blocklist } from './moderation/blocklist.js';
import { Blocks } from './moderation/blocks.js';
import { Reports } from './moderation/reports.js';

export interface ServiceOptions {
  /** This node's name in presence entries (default: host-pid-random). */
  nodeId: string;
  presenceTtlMs: number;
  /** How long delivered/read watermarks gather on this node before one write. */
  receiptFlushMs: number;
}

export const SERVICE_DEFAULTS: Omit<ServiceOptions, 'nodeId'> = { presenceTtlMs: 30_000, receiptFlushMs: 50 };

export interface Logger {
  warn(obj: object, msg?: string): void;
  /** An audit entry the warm store refused (audit/audit-log.ts); warn when absent. */
  error?(obj: object, msg?: string): void;
}

export type Services = ReturnType<typeof buildServices>;

export function buildServices(deps: Deps, log: Logger, options: Partial<ServiceOptions> = {}) {
  const o: ServiceOptions = { ...SERVICE_DEFAULTS, nodeId: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`, ...options };
  const announce = announcer(deps.fanout, (err, topic) => log.warn({ err, topic }, 'fan-out publish failed'));
  const access = new Access(deps.store);
  // threads find roots through the edit service's loader, which is built on ingest: bound late
  let edits: EditService | undefined;
  const cold = deps.archive && withOverlays(deps.archive, deps.store);
  const threads = new ThreadService(deps, access, (user, id) => edits!.load(user, id), cold);
  const attachments = new AttachmentService(deps, access, log);
  // user safety and the audit log (docs/moderation.md)
  const audit = new AuditLog(deps.safety?.audit, { error: (obj, msg) => (log.error ? log.error(obj, msg) : log.warn(obj, msg)) }, AuditArchive.of(deps.archive));
  const blocklist = new Blocklist(deps.safety?.blocklist, audit);
  const blocks = new Blocks(deps.safety?.blocks, deps.store);
  const safety = { allowSend: (user: string, conversationId: string) => blocks.allowSend(user, conversationId), filterText: (text: string) => blocklist.filter(text) };
  // bans, mutes, slow mode, kinds and app-wide bans (docs/moderation.md)
  const appBans = new AppBans(deps, announce, audit);
  const ingest = new IngestService(deps, access, (user, conversationId, body) => threads.place(user, conversationId, body), beforeSendHook(deps.config, deps.metrics), attachments, safety, appBans);
  const changes = new ChangeLog(deps, (conversationId) => ingest.seed(conversationId));
  const sync = new SyncService(deps, changes);
  const rules = new ConversationRules(deps, access, changes, announce, audit);
  const conversations = new ConversationService(deps.store, deps.hot, access, announce, changes, deps.threads, audit, blocks, rules);
  const history = new HistoryService(deps, access, cold);
  const search = new SearchService(deps, threads);
  const pins = new PinService(access, deps.pins, changes, threads);
  edits = new EditService(deps, access, ingest, changes, cold, threads, (m) => attachments.released(m), { audit, filterText: safety.filterText });
  // delivered advances gather longer than reads, but well within PUSH_DELAY_MS: push reads them to skip connected members
  const deliveredFlushMs = Math.max(o.receiptFlushMs, deps.config.receiptDeliveredFlushMs || Math.min(500, Math.floor(deps.config.pushDelayMs / 4)));
  const batcher = new ReceiptBatcher(deps.receipts, o.receiptFlushMs, (err) => log.warn({ err }, 'receipt flush failed'), deliveredFlushMs);
  const receipts = new ReceiptService(deps, access, edits, deps.receipts, batcher, deps.fanout);
  const reactions = new ReactionService(edits, deps.reactions, changes);
  const presence = new PresenceTracker(deps.presence, deps.fanout, o.nodeId, o.presenceTtlMs, deps.store);
  return {
    access, conversations, ingest, changes, sync, history, edits: edits as EditService, threads, search, pins, receipts, reactions, presence, attachments,
    webhooks: new WebhookAdmin(deps, audit),
    audit, blocklist, blocks, rules, appBans,
    // a report's mute/ban: the operator paths of the conversation rules (no audit entry of their own: the resolution records one)
    reports: new Reports(deps.safety?.reports, edits, audit, {
      mute: async (actor, id, user, durationS, reason) => ({ until: (await rules.muteAsOperator(actor.user, id, user, durationS, reason)).until }),
      ban: async (actor, id, user, reason) => void (await rules.banAsOperator(actor.user, id, user, reason)),
    }),
    push: new PushService(deps, access, announce),
    /** Flushes what is still batched (receipts). */
    close: () => batcher.close(),
  };
}
