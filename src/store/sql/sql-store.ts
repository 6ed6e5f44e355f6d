// The warm store over Kysely, one implementation for SQLite (better-sqlite3, WAL) and
// PostgreSQL (pg). Message inserts are multi-row, in one transaction, ON CONFLICT DO NOTHING:
// idempotent under redelivery. The change log's half (change-store.ts): applyChanges records
// each change once per cursor and applies message changes by id over an older version only, in
// one transaction, reporting collisions (a cursor or seq another change or message holds)
// instead of dropping them; message changes of archived rows land as overlays. Native errors
// become AppError here: connection failures and transaction conflicts are UNAVAILABLE
// (retryable), anything else keeps its cause and is not retryable (errors.ts).
// Dialect bits (connection, pragmas, pool) live in dialect/.
import { Migrator, sql, type Kysely } from 'kysely';
import { AppError } from '../../errors.js';
import { randomUUID } from 'node:crypto';
import type { StoredChange } from '../../model/change.js';
import type { Message } from '../../model/message.js';
import type { ApplyResult, ChangeBounds } from '../change-store.js';
import type { Conversation, ConversationSummary, Member, MessageRange, Role, Store } from '../store.js';
import { postgresKysely, type PostgresOptions } from './dialect/postgres.js';
import { sqliteKysely } from './dialect/sqlite.js';
import { guard, translate } from './errors.js';
import { migrations } from './migrations.js';
import { row, toConversationSummary, toMessage, toRole } from './rows.js';
import { isLostSeqTombstone } from '../../model/tombstone.js';
import type { DB } from './schema.js';
import { insertRows, raiseLastCursor, raiseLastSeq, reindexMessage, settleIn, stored, type IndexOptions } from './message-rows.js';

export interface SqlStoreOptions extends PostgresOptions {
  /**
   * Write a search document per stored message (default true). Off only for measuring what the
   * documents cost the persist path (bench scenario "search"): search finds nothing then.
   */
  searchIndex?: boolean;
}
export type Dialect = 'sqlite' | 'postgres';

/** `sqlite:<file>` / `sqlite::memory:` or a `postgres://` URL. */
export async function createSqlStore(url: string, opts: SqlStoreOptions = {}): Promise<SqlStore> {
  const index = { search: opts.searchIndex ?? true };
  if (url.startsWith('sqlite:')) return new SqlStore(await sqliteKysely(url.slice('sqlite:'.length)), 'sqlite', index);
  return new SqlStore(await postgresKysely(url, opts), 'postgres', index);
}

export class SqlStore implements Store {
  private readonly index: IndexOptions;

  constructor(readonly db: Kysely<DB>, readonly dialect: Dialect, index: Partial<IndexOptions> = {}) {
    this.index = { search: index.search ?? true };
  }

  async migrate(): Promise<void> {
    // Kysely finds its bookkeeping tables by introspecting every schema; pin them to ours so
    // deployments (and tests) that share a database through search_path stay apart.
    let migrationTableSchema: string | undefined;
    if (this.dialect === 'postgres') {
      const r = await guard(() => sql<{ s: string }>`select current_schema() as s`.execute(this.db));
      migrationTableSchema = r.rows[0]?.s;
    }
    const migrator = new Migrator({ db: this.db, migrationTableSchema, provider: { getMigrations: async () => migrations(this.dialect) } });
    const { error } = await migrator.migrateToLatest();
    if (error) translate(error);
  }

  async ping(): Promise<void> {
    await guard(() => sql`select 1`.execute(this.db));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // --- conversations -----------------------------------------------------------------------

  createConversation(c: Conversation): Promise<void> {
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        await tx.insertInto('conversations')
          .values({ id: c.id, title: c.title, kind: c.kind, created_by: c.created_by, created_at: c.created_at, last_seq: 0, last_activity_at: c.created_at, last_cursor: 0, changes_floor: 0, settled_cursor: 0 })
          .execute();
        if (c.members.length) {
          await tx.insertInto('members')
            .values(c.members.map((m) => ({ conversation_id: c.id, user_id: m.user, role: m.role, joined_at: c.created_at })))
            .execute();
        }
      }),
    );
  }

  getConversation(id: string): Promise<Conversation | null> {
    return guard(async () => {
      const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      const members = await this.db.selectFrom('members').select(['user_id', 'role']).where('conversation_id', '=', id).orderBy('joined_at').orderBy('user_id').execute();
      const s = toConversationSummary({ ...row, read_seq: 0 });
      return { id: s.id, title: s.title, kind: s.kind, created_by: s.created_by, created_at: s.created_at, members: members.map((m) => ({ user: m.user_id, role: toRole(m.role) })) };
    });
  }

  listConversations(user: string): Promise<ConversationSummary[]> {
    return guard(async () => {
      const rows = await this.db
        .selectFrom('members as m')
        .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
        .leftJoin('receipts as r', (j) => j.onRef('r.conversation_id', '=', 'c.id').onRef('r.user_id', '=', 'm.user_id'))
        .select(['c.id', 'c.title', 'c.kind', 'c.created_by', 'c.created_at', 'c.last_seq', 'c.last_activity_at', 'r.read_seq'])
        .where('m.user_id', '=', user)
        .orderBy('c.last_activity_at', 'desc')
        .orderBy('c.id')
        .execute();
      return rows.map((r) => toConversationSummary({ ...r, read_seq: r.read_seq ?? 0 }));
    });
  }

  getRole(conversationId: string, user: string): Promise<Role | null> {
    return guard(async () => {
      const row = await this.db.selectFrom('members').select('role').where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst();
      return row ? toRole(row.role) : null;
    });
  }

  shareConversation(a: string, b: string): Promise<boolean> {
    return guard(async () => {
      const row = await this.db.selectFrom('members as ma')
        .innerJoin('members as mb', 'mb.conversation_id', 'ma.conversation_id')
        .select('ma.conversation_id').where('ma.user_id', '=', a).where('mb.user_id', '=', b).limit(1).executeTakeFirst();
      return row !== undefined;
    });
  }

  addMember(conversationId: string, member: Member): Promise<void> {
    return guard(async () => {
      const res = await this.db.insertInto('members')
        .values({ conversation_id: conversationId, user_id: member.user, role: member.role, joined_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new AppError('MEMBER_EXISTS', `${member.user} is already a member`);
    });
  }

  removeMember(conversationId: string, user: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.deleteFrom('members').where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  setRole(conversationId: string, user: string, role: Role): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.updateTable('members').set({ role }).where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  setTitle(conversationId: string, title: string | null): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.updateTable('conversations').set({ title }).where('id', '=', conversationId).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  // --- messages ----------------------------------------------------------------------------

  insertMessages(messages: Message[]): Promise<number> {
    if (messages.length === 0) return Promise.resolve(0);
    return guard(() => this.db.transaction().execute(async (tx) => (await insertRows(tx, messages, this.index)).size));
  }

  // --- the change log (change-store.ts) -----------------------------------------------------

  applyChanges(changes: StoredChange[], archivedThrough?: (conversationId: string) => Promise<number>): Promise<ApplyResult> {
    if (changes.length === 0) return Promise.resolve({ applied: 0, collisions: [] });
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        const now = new Date().toISOString();
        const fresh = new Set<string>();
        // 5 columns × 5,000 rows stays under SQLite's bound-parameter limit
        for (let i = 0; i < changes.length; i += 5000) {
          const rows = await tx.insertInto('changes')
            .values(changes.slice(i, i + 5000).map((c) => ({ conversation_id: c.conversation_id, cursor: c.cursor, type: c.type, json: c.json, stored_at: now })))
            .onConflict((oc) => oc.doNothing())
            .returning(['conversation_id', 'cursor'])
            .execute();
          for (const r of rows) fresh.add(`${r.conversation_id} ${Number(r.cursor)}`);
        }
        // a change recorded before (a redelivered entry) changes nothing; another change at its
        // cursor is a collision (the hot tier handed the cursor out twice)
        const known = new Set(fresh);
        const apply = changes.filter((c) => fresh.delete(`${c.conversation_id} ${c.cursor}`)); // delete: a change twice in one batch applies once
        const collisions = await this.collided(tx, changes.filter((c) => !known.has(`${c.conversation_id} ${c.cursor}`)), archivedThrough);
        const creates = apply.filter((c) => c.type === 'message');
        // a creation whose seq the archive already holds is kept out of the warm rows (message-rows.ts keepArchivedOut)
        const late = archivedThrough && creates.length ? { archivedThrough } : undefined;
        const insertedIds = await insertRows(tx, creates.map((c) => c.message!), this.index, late);
        if (insertedIds.size < creates.length) {
          // a seq taken by another message: that message was not stored. Its change stays
          // recorded (the log stays gap-free); accepted again, it moves the message to a new seq.
          for (const c of creates) {
            const at = await tx.selectFrom('messages').select('id').where('conversation_id', '=', c.conversation_id).where('seq', '=', c.message!.seq).executeTakeFirst();
            if (at && at.id !== c.message!.id) collisions.push(c);
          }
        }
        // by conversation and seq: the archiver locks rows in ascending seq too, so the two never deadlock
        const edits = apply.filter((c) => c.type === 'edit' || c.type === 'delete')
          .sort((a, b) => (a.conversation_id < b.conversation_id ? -1 : a.conversation_id > b.conversation_id ? 1 : a.message!.seq - b.message!.seq || a.cursor - b.cursor));
        const rowsWritten = new Set<string>();
        for (const c of edits) {
          const outcome = await this.applyMessageChange(tx, c.message!, archivedThrough);
          if (outcome === 'collision') collisions.push(c);
          else if (outcome === 'row-written') rowsWritten.add(c.conversation_id);
        }
        // a row this change wrote before its creation arrived counts like one the creation wrote
        if (rowsWritten.size) await raiseLastSeq(tx, [...rowsWritten]);
        const touched = apply.map((c) => c.conversation_id);
        await raiseLastCursor(tx, touched);
        await settleIn(tx, touched);
        return { applied: apply.length - collisions.filter((c) => c.type === 'message' && apply.includes(c)).length, collisions };
      }),
    );
  }

  /**
   * An edit or delete, over an older version only: the message's warm row, or — no row — an
   * overlay (its seq archived) or the row itself (its creation not applied yet, the creation
   * will find it). On PostgreSQL the UPDATE reads the rows committed when it starts: a creation
   * committed by another worker right after it is seen by the next statement, so a row found
   * there at an older version is updated again rather than taken for a newer one.
   */
  private async applyMessageChange(tx: Kysely<DB>, m: Message, archivedThrough: ((conversationId: string) => Promise<number>) | undefined): Promise<'applied' | 'row-written' | 'skipped' | 'collision'> {
    const set = {
      text: m.text, edited_at: m.edited_at, deleted_at: m.deleted_at, version: m.version, mentions: JSON.stringify(m.mentions),
      metadata: m.metadata === null ? null : JSON.stringify(m.metadata), attachments: JSON.stringify(m.attachments),
    };
    for (let attempt = 1; ; attempt++) {
      const res = await tx.updateTable('messages').set(set)
        .where('conversation_id', '=', m.conversation_id).where('seq', '=', m.seq).where('id', '=', m.id).where('version', '<', m.version).executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) {
        await reindexMessage(tx, m, this.index);
        return 'applied';
      }
      const held = await tx.selectFrom('messages').select(['id', 'version']).where('conversation_id', '=', m.conversation_id).where('seq', '=', m.seq).executeTakeFirst();
      // another message holds this seq (the hot tier came back behind): never overwrite it
      if (held && held.id !== m.id) return 'collision';
      if (held && Number(held.version) >= m.version) return 'skipped'; // a newer version is there already
      if (!held) break;
      // an older version committed since the UPDATE began: update it now
      if (attempt >= 5) throw new AppError('UNAVAILABLE', `message ${m.id} kept changing under an edit; the batch is retried`, { retryable: true });
    }
    // No row: archived (the archiver moved it out), or not inserted yet (this change overtook
    // its message's insert on another worker: the insert will find the row).
    const archived = archivedThrough ? m.seq <= (await archivedThrough(m.conversation_id)) : false;
    if (archived && isLostSeqTombstone(m)) return 'skipped'; // the seq was archived, not lost: the tombstone stands for nothing
    const table = archived ? 'message_overlays' : 'messages';
    const wrote = await tx.insertInto(table).values(row(m))
      .onConflict((oc) => oc.columns(['conversation_id', 'seq']).doUpdateSet(set)
        .where(`${table}.version`, '<', m.version).where(`${table}.id`, '=', m.id))
      .executeTakeFirst();
    if (Number(wrote.numInsertedOrUpdatedRows ?? 0) === 0) {
      // a newer version of it, or another message committed at its seq since the check above
      const at = await tx.selectFrom(table).select('id').where('conversation_id', '=', m.conversation_id).where('seq', '=', m.seq).executeTakeFirst();
      return at && at.id !== m.id ? 'collision' : 'skipped';
    }
    await reindexMessage(tx, m, this.index);
    return archived ? 'applied' : 'row-written';
  }

  /**
   * Of changes whose cursor was already recorded: those recorded with other bytes (another
   * change took the cursor), and redelivered creations whose message is not stored (it
   * collided on its seq and its repair did not happen: the redelivery reports it again).
   */
  private async collided(tx: Kysely<DB>, seen: StoredChange[], archivedThrough?: (conversationId: string) => Promise<number>): Promise<StoredChange[]> {
    const out: StoredChange[] = [];
    const archived = async (m: Message) => (archivedThrough ? m.seq <= (await archivedThrough(m.conversation_id)) : false);
    for (const c of seen) {
      const row = await tx.selectFrom('changes').select('json').where('conversation_id', '=', c.conversation_id).where('cursor', '=', c.cursor).executeTakeFirst();
      if (row && row.json !== c.json) out.push(c);
      else if (row && c.type === 'message' && !(await stored(tx, c.message!)) && !(await archived(c.message!))) out.push(c);
    }
    // a message whose cursor was taken but whose seq is free keeps its seq (no gap): stored
    // here at its own place, its change is accepted again under a new cursor (changes/repair.ts)
    for (const c of out) {
      if (c.type !== 'message' || (await stored(tx, c.message!))) continue;
      const atSeq = await tx.selectFrom('messages').select('id').where('conversation_id', '=', c.conversation_id).where('seq', '=', c.message!.seq).executeTakeFirst();
      if (!atSeq) await insertRows(tx, [c.message!], this.index);
    }
    return out;
  }

  listOverlays(conversationId: string, fromSeq: number, toSeq: number): Promise<Message[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('message_overlays').selectAll()
        .where('conversation_id', '=', conversationId).where('seq', '>=', fromSeq).where('seq', '<=', toSeq).orderBy('seq').execute();
      return rows.map(toMessage);
    });
  }

  listChanges(conversationId: string, afterCursor: number, limit: number): Promise<string[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('changes').select('json')
        .where('conversation_id', '=', conversationId).where('cursor', '>', afterCursor)
        .orderBy('cursor').limit(limit).execute();
      return rows.map((r) => r.json);
    });
  }

  countChanges(conversationId: string, afterCursor: number, upTo: number): Promise<number> {
    return guard(async () => {
      const r = await this.db.selectFrom('changes').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('conversation_id', '=', conversationId).where('cursor', '>', afterCursor).where('cursor', '<=', upTo).executeTakeFirst();
      return Number(r?.n ?? 0);
    });
  }

  changeBounds(conversationIds: string[]): Promise<ChangeBounds[]> {
    if (conversationIds.length === 0) return Promise.resolve([]);
    return guard(async () => {
      const rows = await this.db.selectFrom('conversations').select(['id', 'last_cursor', 'changes_floor', 'settled_cursor']).where('id', 'in', conversationIds).execute();
      const byId = new Map(rows.map((r) => [r.id, { floor: Number(r.changes_floor), last: Number(r.last_cursor), settled: Number(r.settled_cursor) }]));
      return conversationIds.map((id) => byId.get(id) ?? { floor: 0, last: 0, settled: 0 });
    });
  }

  settle(conversationId: string): Promise<number> {
    return guard(async () => {
      await settleIn(this.db, [conversationId]);
      const r = await this.db.selectFrom('conversations').select('settled_cursor').where('id', '=', conversationId).executeTakeFirst();
      return Number(r?.settled_cursor ?? 0);
    });
  }

  pruneChanges(before: string): Promise<number> {
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        const tops = await tx.selectFrom('changes').select(['conversation_id', (eb) => eb.fn.max('cursor').as('top')])
          .where('stored_at', '<', before).groupBy('conversation_id').execute();
        let pruned = 0;
        for (const t of tops) {
          const top = Number(t.top);
          await tx.updateTable('conversations').set({ changes_floor: top }).where('id', '=', t.conversation_id).where('changes_floor', '<', top).execute();
          await tx.updateTable('conversations').set({ settled_cursor: top }).where('id', '=', t.conversation_id).where('settled_cursor', '<', top).execute();
          const res = await tx.deleteFrom('changes').where('conversation_id', '=', t.conversation_id).where('cursor', '<=', top).executeTakeFirst();
          pruned += Number(res.numDeletedRows);
        }
        return pruned;
      }),
    );
  }

  saveSyncState(user: string, cursors: Record<string, number>): Promise<string> {
    return guard(async () => {
      const token = randomUUID();
      await this.db.insertInto('sync_states').values({ token, user_id: user, state: JSON.stringify(cursors), created_at: new Date().toISOString() }).execute();
      return token;
    });
  }

  loadSyncState(user: string, token: string, notBefore: string): Promise<Record<string, number> | null> {
    return guard(async () => {
      // expired positions of this user go as their next one is read: the table stays small
      await this.db.deleteFrom('sync_states').where('user_id', '=', user).where('created_at', '<', notBefore).execute();
      const row = await this.db.selectFrom('sync_states').select('state').where('token', '=', token).where('user_id', '=', user).executeTakeFirst();
      return row ? (JSON.parse(row.state) as Record<string, number>) : null;
    });
  }

  listMessages(conversationId: string, range: MessageRange): Promise<Message[]> {
    return guard(async () => {
      let q = this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
      if (range.afterSeq !== undefined) {
        q = q.where('seq', '>', range.afterSeq).orderBy('seq', 'asc');
      } else {
        if (range.beforeSeq !== undefined) q = q.where('seq', '<', range.beforeSeq);
        q = q.orderBy('seq', 'desc');
      }
      const rows = await q.limit(range.limit).execute();
      const out = rows.map(toMessage);
      return range.afterSeq !== undefined ? out : out.reverse();
    });
  }

  getMessage(id: string): Promise<Message | null> {
    return guard(async () => {
      const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toMessage(row) : null;
    });
  }

  getMessageBySeq(conversationId: string, seq: number): Promise<Message | null> {
    return guard(async () => {
      const row = await this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('seq', '=', seq).executeTakeFirst();
      return row ? toMessage(row) : null;
    });
  }

  findByClientId(conversationId: string, sender: string, clientId: string): Promise<Message | null> {
    return guard(async () => {
      const row = await this.db.selectFrom('messages').selectAll()
        .where('conversation_id', '=', conversationId).where('sender', '=', sender).where('client_id', '=', clientId)
        .orderBy('seq').executeTakeFirst();
      return row ? toMessage(row) : null;
    });
  }

  listWithClientIdSince(conversationId: string, since: string): Promise<Message[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('messages').selectAll()
        .where('conversation_id', '=', conversationId).where('client_id', 'is not', null).where('created_at', '>=', since)
        .orderBy('seq').execute();
      return rows.map(toMessage);
    });
  }

  listMessagesAt(conversationId: string, seqs: number[]): Promise<Message[]> {
    if (seqs.length === 0) return Promise.resolve([]);
    return guard(async () => {
      const rows = await this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('seq', 'in', seqs).orderBy('seq').execute();
      return rows.map(toMessage);
    });
  }

  maxSeq(conversationId: string): Promise<number> {
    return guard(async () => {
      const conv = await this.db.selectFrom('conversations').select('last_seq').where('id', '=', conversationId).executeTakeFirst();
      const msg = await this.db.selectFrom('messages').select((eb) => eb.fn.max('seq').as('m')).where('conversation_id', '=', conversationId).executeTakeFirst();
      return Math.max(Number(conv?.last_seq ?? 0), Number(msg?.m ?? 0));
    });
  }

}
