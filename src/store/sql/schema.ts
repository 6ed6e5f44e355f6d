// Table types for Kysely. Times are ISO strings in SQLite and timestamptz in PostgreSQL;
// rows.ts normalises both to ISO strings.
import type { Generated } from 'kysely';

export interface ConversationsTable {
  id: string;
  title: string | null;
  kind: string;
  created_by: string;
  created_at: string | Date;
  last_seq: number | string;
  last_activity_at: string | Date;
  /** Highest change cursor applied (migration 0003). */
  last_cursor: number | string;
  /** Changes at or below this cursor were pruned (migration 0003). */
  changes_floor: number | string;
  /** Every change at or below it is applied (migration 0005). */
  settled_cursor: number | string;
  /** Slow mode, seconds (0: off) (migration 0011). */
  slow_mode_s: Generated<number>;
}

export interface MembersTable {
  conversation_id: string;
  user_id: string;
  role: string;
  joined_at: string | Date;
}

export interface MessagesTable {
  conversation_id: string;
  seq: number | string;
  /** The cursor of the message's latest change (migration 0003; 0 for rows from before it). */
  version: number | string;
  id: string;
  sender: string;
  text: string | null;
  reply_to: string | null;
  /** Migration 0004 (threads and mentions). */
  thread_id: string | null;
  in_timeline: boolean | number;
  /** JSON array of user ids. */
  mentions: string;
  /** Migration 0006: JSON object text or null; JSON array of attachments. */
  metadata: string | null;
  attachments: string;
  client_id: string | null;
  created_at: string | Date;
  edited_at: string | Date | null;
  deleted_at: string | Date | null;
}

export interface ReceiptsTable {
  conversation_id: string;
  user_id: string;
  delivered_seq: number | string;
  read_seq: number | string;
}

export interface ReactionsTable {
  message_id: string;
  conversation_id: string;
  user_id: string;
  reaction: string;
  created_at: string | Date;
}

export interface LeasesTable {
  name: string;
  holder: string;
  /** Epoch milliseconds. */
  expires_at: number | string;
}

export interface ChangesTable {
  conversation_id: string;
  cursor: number | string;
  type: string;
  /** The change's canonical JSON, verbatim. */
  json: string;
  stored_at: string | Date;
}

export interface SyncStatesTable {
  token: string;
  user_id: string;
  /** JSON object: conversation id → cursor. */
  state: string;
  created_at: string | Date;
}

export interface ThreadsTable {
  conversation_id: string;
  root_id: string;
  root_seq: number | string;
  root_sender: string;
  reply_count: number | string;
  last_reply_seq: number | string;
  last_reply_at: string | Date | null;
}

export interface ThreadRepliesTable {
  conversation_id: string;
  root_id: string;
  seq: number | string;
  sender: string;
  in_timeline: boolean | number;
}

export interface ThreadReadsTable {
  conversation_id: string;
  root_id: string;
  user_id: string;
  read_seq: number | string;
}

export interface MentionsTable {
  user_id: string;
  conversation_id: string;
  seq: number | string;
  message_id: string;
  created_at: string | Date;
}

export interface SearchDocsTable {
  conversation_id: string;
  seq: number | string;
  message_id: string;
  sender: string;
  thread_id: string | null;
  created_at: string | Date;
  words: string;
}

export interface PinsTable {
  conversation_id: string;
  message_id: string;
  seq: number | string;
  pinned_by: string;
  pinned_at: string | Date;
}

/** Migration 0007 (webhooks, docs/webhooks.md). Epoch-millisecond columns are bigint. */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  /** JSON array of change types. */
  events: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: number | string | null;
  created_at: string | Date;
  updated_at: string | Date;
  scanned_until: string | Date;
}

export interface WebhookStreamsTable {
  endpoint_id: string;
  conversation_id: string;
  position: number | string;
  attempts: number | string;
  failing_since: number | string | null;
  next_attempt_at: number | string;
}

export interface WebhookAttemptsTable {
  id: string;
  endpoint_id: string;
  webhook_id: string;
  conversation_id: string;
  cursor: number | string;
  type: string;
  attempt: number | string;
  status: number | string | null;
  error: string | null;
  latency_ms: number | string;
  attempted_at: string | Date;
  outcome: string;
  replay: boolean | number;
}

export interface WebhookDeadLettersTable {
  id: string;
  endpoint_id: string;
  webhook_id: string;
  conversation_id: string;
  cursor: number | string;
  type: string;
  body: string;
  attempts: number | string;
  last_status: number | string | null;
  last_error: string | null;
  failed_at: string | Date;
  state: string;
  replay_attempts: number | string;
  replay_failing_since: number | string | null;
  next_attempt_at: number | string;
}

export interface UploadsTable {
  id: string;
  conversation_id: string;
  uploader: string;
  name: string;
  size: number | string;
  content_type: string;
  object_key: string;
  /** pending | receiving | claimed | attached | released (store/upload-store.ts). */
  state: string;
  message_id: string | null;
  claim_key: string | null;
  width: number | null;
  height: number | null;
  created_at: string | Date;
  attached_at: string | Date | null;
  released_at: string | Date | null;
}

/** Migration 0009 (Web Push, docs/push.md). */
export interface PushSubscriptionsTable {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: string | Date;
}

export interface ConversationSettingsTable {
  conversation_id: string;
  user_id: string;
  muted: boolean | number;
  /** all | mentions | none */
  notify: string;
  updated_at: string | Date;
}

/** Migration 0012 (user safety and the audit log, docs/moderation.md). */
export interface AuditLogTable {
  id: string;
  at: string | Date;
  action: string;
  actor: string;
  target_user: string | null;
  conversation_id: string | null;
  message_id: string | null;
  reason: string | null;
  request_id: string;
  /** JSON object or null. */
  details: string | null;
}

export interface ReportsTable {
  id: string;
  conversation_id: string;
  message_id: string;
  sender: string;
  reporter: string;
  reason: string;
  message_text: string | null;
  state: string;
  created_at: string | Date;
  resolved_by: string | null;
  resolved_at: string | Date | null;
  resolution_reason: string | null;
}

export interface BlocklistTable {
  id: string;
  kind: string;
  pattern: string;
  action: string;
  created_by: string;
  created_at: string | Date;
}

export interface BlocksTable {
  blocker: string;
  blocked: string;
  created_at: string | Date;
}

/** Migration 0011 (moderation, docs/moderation.md). */
export interface ConversationBansTable {
  conversation_id: string;
  user_id: string;
  banned_by: string;
  reason: string | null;
  created_at: string | Date;
}

export interface ConversationMutesTable {
  conversation_id: string;
  user_id: string;
  until_ms: number | string | bigint;
  muted_by: string;
  reason: string | null;
  created_at: string | Date;
}

export interface UserBansTable {
  user_id: string;
  banned_by: string;
  reason: string | null;
  created_at: string | Date;
}

/** Migration 0013 (GDPR export and erase, docs/gdpr.md). */
export interface GdprJobsTable {
  id: string;
  kind: string;
  user_id: string;
  requested_by: string;
  state: string;
  step: string;
  /** JSON object. */
  progress: string;
  /** JSON: where the job's current step stands. */
  cursor: string | null;
  /** JSON: what the finished job produced. */
  result: string | null;
  error: string | null;
  created_at: string | Date;
  started_at: string | Date | null;
  finished_at: string | Date | null;
}

export interface DB {
  gdpr_jobs: GdprJobsTable;
  conversation_bans: ConversationBansTable;
  conversation_mutes: ConversationMutesTable;
  user_bans: UserBansTable;
  audit_log: AuditLogTable;
  reports: ReportsTable;
  blocklist: BlocklistTable;
  blocks: BlocksTable;
  push_subscriptions: PushSubscriptionsTable;
  conversation_settings: ConversationSettingsTable;
  uploads: UploadsTable;
  search_docs: SearchDocsTable;
  pins: PinsTable;
  threads: ThreadsTable;
  thread_replies: ThreadRepliesTable;
  thread_reads: ThreadReadsTable;
  mentions: MentionsTable;
  /** Same columns as messages: archived messages changed after they were archived. */
  message_overlays: MessagesTable;
  changes: ChangesTable;
  sync_states: SyncStatesTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
  receipts: ReceiptsTable;
  reactions: ReactionsTable;
  leases: LeasesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_streams: WebhookStreamsTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_dead_letters: WebhookDeadLettersTable;
}
