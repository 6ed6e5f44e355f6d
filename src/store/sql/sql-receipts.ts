// ReceiptStore and ReactionStore over the warm store's Kysely instance (SQLite or PostgreSQL).
// Watermarks: one multi-row INSERT … ON CONFLICT DO UPDATE SET x = greatest(x, excluded.x)
// per batch, so replays and reordered batches never move a watermark backwards.
import { sql, type Kysely } from 'kysely';
import { AppError } from '../../errors.js';
import type { ReactionRow, ReactionStore, ReceiptStore, Watermark } from '../receipt-store.js';
import type { DB } from './schema.js';

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw e;
    const msg = (e as Error).message ?? String(e);
    const down = /ECONNREFUSED|ECONNRESET|terminat|Connection|connect|SQLITE_BUSY/i.test(`${(e as { code?: string }).code ?? ''} ${msg}`);
    throw new AppError(down ? 'UNAVAILABLE' : 'INTERNAL', down ? 'warm store unreachable' : `warm store: ${msg}`, { cause: e, retryable: down });
  }
}

export class SqlReceipts implements ReceiptStore, ReactionStore {
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

  addReaction(messageId: string, conversationId: string, user: string, reaction: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.insertInto('reactions')
        .values({ message_id: messageId, conversation_id: conversationId, user_id: user, reaction, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['message_id', 'user_id', 'reaction']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  removeReaction(messageId: string, user: string, reaction: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.deleteFrom('reactions').where('message_id', '=', messageId).where('user_id', '=', user).where('reaction', '=', reaction).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  reactions(messageId: string): Promise<ReactionRow[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('reactions').select(['user_id', 'reaction', 'created_at']).where('message_id', '=', messageId).orderBy('created_at').execute();
      return rows.map((r) => ({ user: r.user_id, reaction: r.reaction, created_at: new Date(r.created_at).toISOString() }));
    });
  }
}
