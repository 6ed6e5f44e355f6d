// ReceiptStore over the warm store's Kysely instance (SQLite or PostgreSQL).
// Watermarks: one multi-row INSERT … ON CONFLICT DO UPDATE SET x = greatest(x, excluded.x)
// per batch, so replays and reordered batches never move a watermark backwards.
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
    return guard(async () => {
      for (let i = 0; i < batch.length; i += 5000) {
        await this.db.insertInto('receipts')
          .values(batch.slice(i, i + 5000).map((w) => ({
            conversation_id: w.conversationId, user_id: w.user, delivered_seq: Math.max(w.delivered, w.read), read_seq: w.read,
          })))
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
