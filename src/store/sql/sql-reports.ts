// ReportStore over the warm store's Kysely instance (SQLite or PostgreSQL). A duplicate flag is
// an insert that does nothing (unique message × reporter), then a read of the first report;
// resolve is one UPDATE … WHERE state = 'open' (compare-and-set).
import type { Kysely } from 'kysely';
import type { Report, ReportFilter, ReportState, ReportStore } from '../report-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { DB, ReportsTable } from './schema.js';

function toReport(r: ReportsTable): Report {
  return {
    id: r.id, conversation_id: r.conversation_id, message_id: r.message_id, sender: r.sender, reporter: r.reporter, reason: r.reason,
    message_text: r.message_text, state: r.state as ReportState, created_at: iso(r.created_at), resolved_by: r.resolved_by,
    resolved_at: iso(r.resolved_at), resolution_reason: r.resolution_reason,
  };
}

export class SqlReports implements ReportStore {
  constructor(private db: Kysely<DB>) {}

  create(r: Report): Promise<{ report: Report; created: boolean }> {
    return guard(async () => {
      const res = await this.db.insertInto('reports').values(r)
        .onConflict((oc) => oc.columns(['message_id', 'reporter']).doNothing()).executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) return { report: r, created: true };
      const prior = await this.db.selectFrom('reports').selectAll().where('message_id', '=', r.message_id).where('reporter', '=', r.reporter).executeTakeFirstOrThrow();
      return { report: toReport(prior), created: false };
    });
  }

  get(id: string): Promise<Report | null> {
    return guard(async () => {
      const r = await this.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toReport(r) : null;
    });
  }

  list(f: ReportFilter): Promise<Report[]> {
    return guard(async () => {
      let q = this.db.selectFrom('reports').selectAll();
      if (f.state !== undefined) q = q.where('state', '=', f.state);
      if (f.conversation_id !== undefined) q = q.where('conversation_id', '=', f.conversation_id);
      if (f.before !== undefined) q = q.where('id', '<', f.before);
      return (await q.orderBy('id', 'desc').limit(f.limit).execute()).map(toReport);
    });
  }

  resolve(id: string, r: { state: Exclude<ReportState, 'open'>; by: string; at: string; reason: string | null }): Promise<Report | null> {
    return guard(async () => {
      const res = await this.db.updateTable('reports').set({ state: r.state, resolved_by: r.by, resolved_at: r.at, resolution_reason: r.reason })
        .where('id', '=', id).where('state', '=', 'open').executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return null;
      return this.get(id);
    });
  }
}
