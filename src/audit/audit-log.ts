// The audit log (docs/moderation.md#audit-log): every moderation and operator action is recorded
// with who did it, to whom, where, why, when and by which HTTP request. Other domains call
// record() AFTER their action took effect. Recording never undoes or fails the action: when the
// warm store refuses the entry, it goes to the server log instead (level error, "audit entry not
// stored", the whole entry), so the record survives as a log line. Entries are append-only.
// Listing reads the warm store and, when wired, the archive (audit-archive.ts) and merges them:
// newest first, one entry per id (an interrupted archiver leaves an entry in both tiers).
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../errors.js';
import type { AuditEntry, AuditFilter, AuditStore } from '../store/audit-store.js';
import { mergePages, type AuditArchive } from './audit-archive.js';

/** The actions Strata records; other domains may add theirs (an action is a plain string). */
export const AUDIT_ACTIONS = {
  'member.role_changed': 'an owner/admin changed a member\'s role (details: from, to)',
  'member.removed': 'an owner/admin removed another member (details: role)',
  'message.deleted': 'a message was deleted by someone other than its sender: a conversation owner/admin, or an operator resolving a report',
  'webhook.created': 'an operator registered a webhook endpoint (details: url, events)',
  'webhook.updated': 'an operator changed a webhook endpoint (details: url and/or events)',
  'webhook.deleted': 'an operator deleted a webhook endpoint',
  'webhook.secret_rotated': 'an operator rotated a webhook endpoint\'s secret (never the secret itself)',
  'blocklist.added': 'an operator added a blocklist entry (details: id, kind, pattern, action)',
  'blocklist.removed': 'an operator removed a blocklist entry (details: id, kind, pattern, action)',
  'report.resolved': 'an operator resolved a report (details: report_id, resolution, reporter; a mute: duration_s, until)',
  'member.banned': 'an owner/admin banned a user from a conversation (reason)',
  'member.unbanned': 'an owner/admin lifted a conversation ban',
  'member.muted': 'an owner/admin muted a member (reason; details: duration_s, until)',
  'member.unmuted': 'an owner/admin lifted a running mute (details: was_until)',
  'conversation.rules_changed': 'an owner/admin changed slow mode or the kind (details: from, to — each {kind, slow_mode_s})',
  'user.banned': 'an operator banned a user from the whole server (reason)',
  'user.unbanned': 'an operator lifted an app-wide ban',
} as const;

/** Who acts, and the HTTP request they act in (Fastify's request id, the server log's `reqId`). */
export interface Actor {
  user: string;
  requestId: string;
}

export interface AuditRecord {
  action: string;
  actor: Actor;
  target_user?: string | null;
  conversation_id?: string | null;
  message_id?: string | null;
  reason?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditLogger {
  error(obj: object, msg?: string): void;
}

export class AuditLog {
  constructor(private store: AuditStore | undefined, private log: AuditLogger, private archived?: AuditArchive) {}

  async record(r: AuditRecord): Promise<void> {
    const entry: AuditEntry = {
      id: uuidv7(), at: new Date().toISOString(), action: r.action, actor: r.actor.user, target_user: r.target_user ?? null,
      conversation_id: r.conversation_id ?? null, message_id: r.message_id ?? null, reason: r.reason ?? null, request_id: r.actor.requestId,
      details: r.details ?? null,
    };
    if (!this.store) {
      this.log.error({ audit: entry }, 'audit entry not stored: no audit store on this node');
      return;
    }
    try {
      await this.store.append(entry);
    } catch (err) {
      // the action already took effect: the log line keeps the record instead (see the header)
      this.log.error({ err, audit: entry }, 'audit entry not stored');
    }
  }

  /** Newest first, keyset-paged by `before`: the same page whether an entry is warm, archived or (briefly) both. */
  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    if (!this.store) throw new AppError('UNAVAILABLE', 'the audit log is not configured on this node');
    const at = (v: string | undefined) => (v === undefined ? undefined : new Date(v).toISOString());
    const f = { ...filter, since: at(filter.since), until: at(filter.until) };
    const warm = await this.store.list(f);
    if (!this.archived) return warm;
    // a full warm page: only archived entries newer than its last can still make the page
    const cold = await this.archived.list(f, warm.length === f.limit ? warm[warm.length - 1].id : undefined);
    return mergePages(f.limit, warm, cold);
  }
}
