// ReceiptStore over the warm store's Kysely instance (SQLite or PostgreSQL).
// Watermarks: one multi-row INSERT … ON CONFLICT DO UPDATE SET x = greatest(x, excluded.x)
// per batch (chunks of 5000 rows, a pair named twice merged first), so replays and reordered
// batches never move a watermark backwards.
import { sql, type Kysely } from 'kysely';
import type { ReceiptStore, Watermark } from '../receipt-store.js';
import { guard } from './errors.js';
import type { DB } from './schema.js';

export class SqlReceipts implements ReceiptStore {
  constructor(private db: Kysely<DB>, private dialect: 'sqlite' | 'postgres') {}

  advanceWatermarks(batch: Watermark[]): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    const greatest = this.dialect === 'postgres' ? 'greatest' : 'max';
    const g = (col: string, value: string) => sql.raw(`${greatest}(receipts.${col}, ${value})`);
    // One row per (conversation, user): PostgreSQL refuses an upsert that names a row twice.
    const rows = new Map<string, { conversation_id: string; user_id: string; delivered_seq: number; read_seq: number }>();
    for (const w of batch) {
      const key = `${w.conversationId}\n${w.user}`;
      const cur = rows.get(key);
      const delivered = Math.max(w.delivered, w.read, cur?.delivered_seq ?? 0);
      const read = Math.max(w.read, cur?.read_seq ?? 0);
      rows.set(key, { conversation_id: w.conversationId, user_id: w.user, delivered_seq: delivered, read_seq: read });
    }
    const merged = [...rows.values()];
    return guard(async () => {
      for (let i = 0; i < merged.length; i += 5000) {
        await this.db.insertInto('receipts')
          .values(merged.slice(i, i + 5000))
          .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet({
            delivered_seq: g('delivered_seq', 'excluded.delivered_seq') as never,
            read_seq: g('read_seq', 'excluded.read_seq') as never,
          }))
          .execute();
      }
    });
  }

  watermarks(conversationId: string): Promise<Watermark[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('receipts').selectAll().where('conversation_id', '=', conversationId).execute();
      return rows.map((r) => ({ conversationId, user: r.user_id, delivered: Number(r.delivered_seq), read: Number(r.read_seq) }));
    });
  }
}
