// The message rows of the warm store and the indexes written with them, in the caller's
// transaction (sql-store.ts applyChanges and insertMessages): inserting what is absent, the
// thread / mention / search indexes of new or changed messages, and settled_cursor.
import type { Kysely } from 'kysely';
import type { Message } from '../../model/message.js';
import { indexText } from '../../model/search-tokens.js';
import { chunks, MESSAGE_ROWS_PER_INSERT, row, rowsPerInsert } from './rows.js';
import type { DB } from './schema.js';

/** Which derived indexes the persist path writes with each message (indexMessages). */
export interface IndexOptions {
  search: boolean;
}

/** Whether the message is stored (as a row or an overlay), by id. */
export async function stored(tx: Kysely<DB>, m: Message): Promise<boolean> {
  const row = await tx.selectFrom('messages').select('id').where('id', '=', m.id).executeTakeFirst()
    ?? await tx.selectFrom('message_overlays').select('id').where('conversation_id', '=', m.conversation_id).where('id', '=', m.id).executeTakeFirst();
  return row !== undefined;
}

/**
 * settled_cursor := last_cursor where every change between them is there (one counted range,
 * usually one batch) — for all the given conversations in one statement.
 */
export async function settleIn(db: Kysely<DB>, conversationIds: string[]): Promise<void> {
  for (const ids of chunks(sortedUnique(conversationIds), CONVERSATIONS_PER_STATEMENT)) {
    await db.updateTable('conversations').set((eb) => ({ settled_cursor: eb.ref('last_cursor') }))
      .where('id', 'in', ids)
      .whereRef('settled_cursor', '<', 'last_cursor')
      .where((eb) => eb(
        eb.selectFrom('changes').select((e) => e.fn.countAll().as('n'))
          .whereRef('changes.conversation_id', '=', 'conversations.id')
          .whereRef('changes.cursor', '>', 'conversations.settled_cursor')
          .whereRef('changes.cursor', '<=', 'conversations.last_cursor'),
        '=',
        eb(eb.ref('last_cursor'), '-', eb.ref('settled_cursor')),
      ))
      .execute();
  }
}

/** last_cursor := the highest change recorded, for all the given conversations in one statement (never lowered). */
export async function raiseLastCursor(db: Kysely<DB>, conversationIds: string[]): Promise<void> {
  for (const ids of chunks(sortedUnique(conversationIds), CONVERSATIONS_PER_STATEMENT)) {
    await db.updateTable('conversations')
      .set((eb) => ({ last_cursor: eb.selectFrom('changes').select((e) => e.fn.max('cursor').as('c')).whereRef('changes.conversation_id', '=', 'conversations.id') }))
      .where('id', 'in', ids)
      .where((eb) => eb('last_cursor', '<', eb.selectFrom('changes').select((e) => e.fn.max('cursor').as('c')).whereRef('changes.conversation_id', '=', 'conversations.id')))
      .execute();
  }
}

/**
 * last_seq and last_activity_at := the newest stored message's, for all the given conversations
 * in one statement (never lowered: an archived newest message leaves them as they are).
 */
export async function raiseLastSeq(db: Kysely<DB>, conversationIds: string[]): Promise<void> {
  for (const ids of chunks(sortedUnique(conversationIds), CONVERSATIONS_PER_STATEMENT)) {
    await db.updateTable('conversations')
      .set((eb) => ({
        last_seq: eb.selectFrom('messages').select((e) => e.fn.max('seq').as('s')).whereRef('messages.conversation_id', '=', 'conversations.id'),
        last_activity_at: eb.selectFrom('messages').select('created_at').whereRef('messages.conversation_id', '=', 'conversations.id').orderBy('seq', 'desc').limit(1),
      }))
      .where('id', 'in', ids)
      .where((eb) => eb('last_seq', '<', eb.selectFrom('messages').select((e) => e.fn.max('seq').as('s')).whereRef('messages.conversation_id', '=', 'conversations.id')))
      .execute();
  }
}

/** A batch's conversations are updated by one statement, not one each (rows locked in id order). */
const CONVERSATIONS_PER_STATEMENT = 500;
const sortedUnique = (ids: string[]) => [...new Set(ids)].sort();

/**
 * The thread, mention and search indexes of newly stored messages (thread-store.ts,
 * search-store.ts), in the same transaction: a reply is counted once however often its log
 * entry is delivered.
 */
export async function indexMessages(tx: Kysely<DB>, messages: Message[], index: IndexOptions): Promise<void> {
  if (messages.length === 0) return;
  const replies = messages.filter((m) => m.thread_id !== null);
  if (replies.length) {
    const counted = new Set<string>();
    for (const part of chunks(replies, rowsPerInsert(5))) {
      const fresh = await tx.insertInto('thread_replies')
        .values(part.map((m) => ({ conversation_id: m.conversation_id, root_id: m.thread_id!, seq: m.seq, sender: m.sender, in_timeline: m.in_timeline ? 1 : 0 })))
        .onConflict((oc) => oc.doNothing()).returning(['conversation_id', 'seq']).execute();
      for (const r of fresh) counted.add(`${r.conversation_id} ${Number(r.seq)}`);
    }
    const byThread = new Map<string, Message[]>();
    // delete: a reply twice in one batch (inserted once) counts once
    for (const m of replies.filter((r) => counted.delete(`${r.conversation_id} ${r.seq}`))) byThread.set(`${m.conversation_id} ${m.thread_id}`, [...(byThread.get(`${m.conversation_id} ${m.thread_id}`) ?? []), m]);
    for (const list of byThread.values()) {
      const last = list.reduce((a, b) => (b.seq > a.seq ? b : a));
      await tx.updateTable('threads')
        .set((eb) => ({ reply_count: eb('reply_count', '+', list.length) }))
        .where('conversation_id', '=', last.conversation_id).where('root_id', '=', last.thread_id!).execute();
      await tx.updateTable('threads').set({ last_reply_seq: last.seq, last_reply_at: last.created_at })
        .where('conversation_id', '=', last.conversation_id).where('root_id', '=', last.thread_id!).where('last_reply_seq', '<', last.seq).execute();
    }
  }
  const docs = !index.search ? [] : messages.filter((m) => m.deleted_at === null && m.text !== null).map((m) => ({
    conversation_id: m.conversation_id, seq: m.seq, message_id: m.id, sender: m.sender, thread_id: m.thread_id, created_at: m.created_at, words: indexText(m.text),
  }));
  for (const part of chunks(docs, rowsPerInsert(7))) await tx.insertInto('search_docs').values(part).onConflict((oc) => oc.doNothing()).execute();
  const mentions = messages.filter((m) => m.deleted_at === null).flatMap((m) => m.mentions.map((u) => ({ user_id: u, conversation_id: m.conversation_id, seq: m.seq, message_id: m.id, created_at: m.created_at })));
  for (const part of chunks(mentions, rowsPerInsert(5))) await tx.insertInto('mentions').values(part).onConflict((oc) => oc.doNothing()).execute();
}

/**
 * A changed message's indexes as it is now: its mentions and search document (an edit changed
 * them; a deleted message has neither), and its thread reply when the change's row came before
 * its insert.
 */
export async function reindexMessage(tx: Kysely<DB>, m: Message, index: IndexOptions): Promise<void> {
  await tx.deleteFrom('mentions').where('conversation_id', '=', m.conversation_id).where('seq', '=', m.seq).execute();
  if (index.search) await tx.deleteFrom('search_docs').where('conversation_id', '=', m.conversation_id).where('seq', '=', m.seq).execute();
  await indexMessages(tx, [m], index);
}

/** When a batch's creations may find their seq already archived (keepArchivedOut): the archive's watermark. */
export interface LateCheck {
  archivedThrough: (conversationId: string) => Promise<number>;
}

/**
 * Inserts what is absent (same conversation_id and seq: left as it is) and indexes it; advances
 * last_seq. The ids inserted (as warm rows or, `late`, as overlays).
 */
export async function insertRows(tx: Kysely<DB>, messages: Message[], index: IndexOptions, late?: LateCheck): Promise<Set<string>> {
  const inserted = new Set<string>();
  if (messages.length === 0) return inserted;
  for (const chunk of chunks(messages, MESSAGE_ROWS_PER_INSERT)) {
    const res = await tx.insertInto('messages').values(chunk.map(row)).onConflict((oc) => oc.doNothing()).returning('id').execute();
    const fresh = new Set(res.map((r) => r.id));
    for (const id of fresh) inserted.add(id);
    // checked after the insert: it succeeded, so a deletion by the archiver had committed before,
    // and the manifest naming the seq archived was saved before that
    // last_seq read after the insert, not before the batch: a change that wrote the row and
    // raised last_seq, then the archiver that moved the row out, may both commit in between
    const candidates = late ? chunk.filter((m) => fresh.has(m.id)) : [];
    const last = candidates.length ? await lastSeqs(tx, candidates.map((m) => m.conversation_id)) : new Map<string, number>();
    const movedOut = late ? await keepArchivedOut(tx, candidates.filter((m) => m.seq <= (last.get(m.conversation_id) ?? 0)), late.archivedThrough) : new Set<string>();
    // a message moved out is indexed already, at its newer version, by the change that overtook it
    await indexMessages(tx, chunk.filter((m) => fresh.has(m.id) && !movedOut.has(m.id)), index);
  }
  await raiseLastSeq(tx, messages.map((m) => m.conversation_id));
  return inserted;
}

/** The conversations' last_seq, by id. */
export async function lastSeqs(tx: Kysely<DB>, conversationIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const ids of chunks(sortedUnique(conversationIds), CONVERSATIONS_PER_STATEMENT)) {
    for (const r of await tx.selectFrom('conversations').select(['id', 'last_seq']).where('id', 'in', ids).execute()) out.set(r.id, Number(r.last_seq));
  }
  return out;
}

/**
 * Messages just inserted whose seq the archive already holds go back out of the warm rows, into
 * overlays (kept only when newer than an overlay there); the ids moved. A creation overtaken by a
 * later change of its message (applied first by another worker, which wrote the row) can arrive
 * after the archiver moved that row to Parquet: left inserted, it would stand at or below the
 * watermark, stale, and be served before the archive's newer copy until the next run cleared it.
 * Only `late` messages are checked (seq at or below the conversation's last_seq, read after the insert):
 * a seq the archive holds was stored, and last_seq raised past it (raiseLastSeq, by creations and
 * by a change's insert of an absent row alike), before.
 */
async function keepArchivedOut(tx: Kysely<DB>, late: Message[], archivedThrough: (conversationId: string) => Promise<number>): Promise<Set<string>> {
  const through = new Map<string, number>();
  const moved = new Set<string>();
  for (const m of late) {
    if (!through.has(m.conversation_id)) through.set(m.conversation_id, await archivedThrough(m.conversation_id));
    if (m.seq > through.get(m.conversation_id)!) continue;
    const r = row(m);
    await tx.insertInto('message_overlays').values(r)
      .onConflict((oc) => oc.columns(['conversation_id', 'seq']).doUpdateSet({
        version: r.version, text: r.text, edited_at: r.edited_at, deleted_at: r.deleted_at, mentions: r.mentions, metadata: r.metadata, attachments: r.attachments,
      }).where('message_overlays.version', '<', r.version))
      .execute();
    await tx.deleteFrom('messages').where('conversation_id', '=', m.conversation_id).where('seq', '=', m.seq).where('id', '=', m.id).execute();
    moved.add(m.id);
  }
  return moved;
}
