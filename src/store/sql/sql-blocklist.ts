// BlocklistStore over the warm store's Kysely instance (SQLite or PostgreSQL).
import type { Kysely } from 'kysely';
import type { BlocklistAction, BlocklistEntry, BlocklistKind, BlocklistStore } from '../blocklist-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { BlocklistTable, DB } from './schema.js';

function toEntry(r: BlocklistTable): BlocklistEntry {
  return { id: r.id, kind: r.kind as BlocklistKind, pattern: r.pattern, action: r.action as BlocklistAction, created_by: r.created_by, created_at: iso(r.created_at) };
}

export class SqlBlocklist implements BlocklistStore {
  constructor(private db: Kysely<DB>) {}

  add(e: BlocklistEntry): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.insertInto('blocklist').values(e).onConflict((oc) => oc.columns(['kind', 'pattern']).doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  list(): Promise<BlocklistEntry[]> {
    return guard(async () => (await this.db.selectFrom('blocklist').selectAll().orderBy('created_at').orderBy('id').execute()).map(toEntry));
  }

  remove(id: string): Promise<BlocklistEntry | null> {
    return guard(async () => {
      const r = await this.db.selectFrom('blocklist').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) return null;
      const res = await this.db.deleteFrom('blocklist').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0 ? toEntry(r) : null;
    });
  }
}
