// BlockStore over the warm store's Kysely instance (SQLite or PostgreSQL).
import type { Kysely } from 'kysely';
import type { BlockStore } from '../block-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { DB } from './schema.js';

export class SqlBlocks implements BlockStore {
  constructor(private db: Kysely<DB>) {}

  block(blocker: string, blocked: string, at: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.insertInto('blocks').values({ blocker, blocked, created_at: at })
        .onConflict((oc) => oc.columns(['blocker', 'blocked']).doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  unblock(blocker: string, blocked: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.deleteFrom('blocks').where('blocker', '=', blocker).where('blocked', '=', blocked).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  list(blocker: string): Promise<{ user: string; blocked_at: string }[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('blocks').select(['blocked', 'created_at']).where('blocker', '=', blocker).orderBy('created_at', 'desc').orderBy('blocked').execute();
      return rows.map((r) => ({ user: r.blocked, blocked_at: iso(r.created_at) }));
    });
  }

  between(a: string, b: string): Promise<boolean> {
    return guard(async () => {
      const r = await this.db.selectFrom('blocks').select('blocker')
        .where((eb) => eb.or([eb.and([eb('blocker', '=', a), eb('blocked', '=', b)]), eb.and([eb('blocker', '=', b), eb('blocked', '=', a)])]))
        .executeTakeFirst();
      return r !== undefined;
    });
  }
}
