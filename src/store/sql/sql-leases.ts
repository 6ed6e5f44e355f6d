// Leases (store/leases.ts) in the warm store's `leases` table, for SQLite and PostgreSQL.
// acquire is one conditional upsert (atomic in both dialects): the row is written only when it
// is absent, expired or already ours; a lease held by a dead process of this host is taken over
// with a compare-and-set on the dead holder's name.
import type { Kysely } from 'kysely';
import { holderIsDead, type Leases } from '../leases.js';
import { guard } from './errors.js';
import type { DB } from './schema.js';

export class SqlLeases implements Leases {
  constructor(private readonly db: Kysely<DB>) {}

  acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return guard(async () => {
      const now = Date.now();
      const r = await this.db.insertInto('leases').values({ name, holder, expires_at: now + ttlMs })
        .onConflict((oc) => oc.column('name').doUpdateSet({ holder, expires_at: now + ttlMs })
          .where((eb) => eb.or([eb('leases.expires_at', '<', now), eb('leases.holder', '=', holder)])))
        .returning('holder').executeTakeFirst();
      if (r?.holder === holder) return true;
      const cur = await this.db.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
      if (!cur || !holderIsDead(cur.holder)) return false;
      const taken = await this.db.updateTable('leases').set({ holder, expires_at: now + ttlMs })
        .where('name', '=', name).where('holder', '=', cur.holder).executeTakeFirst();
      return Number(taken.numUpdatedRows) === 1;
    });
  }

  renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return guard(async () => {
      const r = await this.db.updateTable('leases').set({ expires_at: Date.now() + ttlMs })
        .where('name', '=', name).where('holder', '=', holder).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
  }

  release(name: string, holder: string): Promise<void> {
    return guard(async () => {
      await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
    });
  }
}
