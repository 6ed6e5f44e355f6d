// The AuditStore port: the audit log of moderation and operator actions (table `audit_log`,
// migration 0012, docs/moderation.md#audit-log). Append-only: an entry is never changed or
// deleted by the API. Entries are listed newest first by id (UUID v7, time-ordered), keyset-paged
// with `before` (an entry id), filtered by any of actor, target user, conversation, action and a
// time range. Old entries move to the archive (audit/audit-archive.ts): the archiver reads them
// oldest first and removes them once its manifest lists them.
export interface AuditEntry {
  /** UUID v7: time-ordered, the paging key. */
  id: string;
  /** When the action was taken (ISO-8601). */
  at: string;
  /** What was done, e.g. `member.role_changed` (audit/audit-log.ts AUDIT_ACTIONS). */
  action: string;
  /** Who did it: the token's `sub`. */
  actor: string;
  target_user: string | null;
  conversation_id: string | null;
  message_id: string | null;
  reason: string | null;
  /** The id of the HTTP request that did it (the server log's `reqId`). */
  request_id: string;
  /** Anything else the action records (a JSON object), or null. */
  details: Record<string, unknown> | null;
}

export interface AuditFilter {
  actor?: string;
  target_user?: string;
  conversation_id?: string;
  action?: string;
  /** Entries at or after this time (ISO-8601). */
  since?: string;
  /** Entries before this time (ISO-8601, exclusive). */
  until?: string;
  /** Entries older than this entry id (the previous page's last id). */
  before?: string;
  limit: number;
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first (by id), at most `limit`. */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Oldest first (by id): the entries after `after` (an entry id; null: from the first), at most `limit`. */
  listOldest(after: string | null, limit: number): Promise<AuditEntry[]>;
  /** Removes the entries with these ids (the archive holds them now); returns how many were there. Idempotent. */
  removeArchived(ids: string[]): Promise<number>;
}
