// PinStore over the warm store's Kysely instance (SQLite or PostgreSQL).
import type { Kysely } from 'kysely';
import type { PinRow, PinStore } from '../pin-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { DB } from './schema.js';

export class SqlPins implements PinStore {
  constructor(private db: Kysely<DB>) {}

  pin(conversationId: string, r: PinRow): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.insertInto('pins')
        .values({ conversation_id: conversationId, message_id: r.message_id, seq: r.seq, pinned_by: r.pinned_by, pinned_at: r.pinned_at })
        .onConflict((oc) => oc.columns(['conversation_id', 'message_id']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  unpin(conversationId: string, messageId: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.deleteFrom('pins').where('conversation_id', '=', conversationId).where('message_id', '=', messageId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  listPins(conversationId: string): Promise<PinRow[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('pins').selectAll().where('conversation_id', '=', conversationId).orderBy('pinned_at', 'desc').orderBy('seq', 'desc').execute();
      return rows.map((r) => ({ message_id: r.message_id, seq: Number(r.seq), pinned_by: r.pinned_by, pinned_at: iso(r.pinned_at) }));
    });
  }
}
