// AuditStore over the warm store's Kysely instance (SQLite or PostgreSQL): one row per entry,
// listed newest first by id with the filters as plain equality / range conditions on indexed
// columns.
import type { Kysely } from 'kysely';
import type { AuditEntry, AuditFilter, AuditStore } from '../audit-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { AuditLogTable, DB } from './schema.js';

function toEntry(r: AuditLogTable): AuditEntry {
  return {
    id: r.id, at: iso(r.at), action: r.action, actor: r.actor, target_user: r.target_user, conversation_id: r.conversation_id, message_id: r.message_id,
    reason: r.reason, request_id: r.request_id, details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  };
}

export class SqlAudit implements AuditStore {
  constructor(private db: Kysely<DB>) {}

  append(e: AuditEntry): Promise<void> {
    return guard(async () => {
      await this.db.insertInto('audit_log').values({ ...e, details: e.details === null ? null : JSON.stringify(e.details) }).execute();
    });
  }

  list(f: AuditFilter): Promise<AuditEntry[]> {
    return guard(async () => {
      let q = this.db.selectFrom('audit_log').selectAll();
      if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
      if (f.target_user !== undefined) q = q.where('target_user', '=', f.target_user);
      if (f.conversation_id !== undefined) q = q.where('conversation_id', '=', f.conversation_id);
      if (f.action !== undefined) q = q.where('action', '=', f.action);
      if (f.since !== undefined) q = q.where('at', '>=', f.since);
      if (f.until !== undefined) q = q.where('at', '<', f.until);
      if (f.before !== undefined) q = q.where('id', '<', f.before);
      const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
      return rows.map(toEntry);
    });
  }

  listOldest(after: string | null, limit: number): Promise<AuditEntry[]> {
    return guard(async () => {
      let q = this.db.selectFrom('audit_log').selectAll();
      if (after !== null) q = q.where('id', '>', after);
      return (await q.orderBy('id', 'asc').limit(limit).execute()).map(toEntry);
    });
  }

  removeArchived(ids: string[]): Promise<number> {
    return guard(async () => {
      let n = 0;
      // chunks keep each statement under the dialects' parameter limits
      for (let i = 0; i < ids.length; i += 500) {
        n += Number((await this.db.deleteFrom('audit_log').where('id', 'in', ids.slice(i, i + 500)).executeTakeFirst()).numDeletedRows);
      }
      return n;
    });
  }
}
