// The GDPR contract's subject over a migrated SqlStore (gdpr-store.contract.ts), for the SQLite
// and PostgreSQL runs (sqlite-gdpr.test.ts, postgres-gdpr.int.test.ts).
import { v7 as uuidv7 } from 'uuid';
import type { GdprUnderTest } from '../gdpr-store.contract.js';
import { SqlGdpr } from './sql-gdpr.js';
import { SqlReactions } from './sql-reactions.js';
import { SqlReceipts } from './sql-receipts.js';
import type { SqlStore } from './sql-store.js';

export function gdprSubject(open: () => Promise<SqlStore>) {
  return async (): Promise<GdprUnderTest> => {
    const store = await open();
    const gdpr = new SqlGdpr(store.db);
    return {
      jobs: gdpr, data: gdpr, store, reactions: new SqlReactions(store.db), receipts: new SqlReceipts(store.db, store.dialect),
      async conversation() {
        const id = uuidv7();
        await store.createConversation({ id, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members: [{ user: 'alice', role: 'owner' }] });
        return id;
      },
      close: () => store.close(),
    };
  };
}
