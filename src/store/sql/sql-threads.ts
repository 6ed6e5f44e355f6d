// ThreadStore over the warm store's Kysely instance (SQLite or PostgreSQL). The indexes are
// written by the persist path (sql-store.ts indexThreadsAndMentions); this adapter reads them
// and keeps the roots and read watermarks of threads.
import { sql, type Kysely } from 'kysely';
import type { MentionRow, ThreadStore, ThreadSummary, UserThread } from '../thread-store.js';
import { PARTICIPANTS_SHOWN } from '../thread-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { DB, ThreadsTable } from './schema.js';

export class SqlThreads implements ThreadStore {
  constructor(private db: Kysely<DB>) {}

  openThread(root: { conversation_id: string; id: string; seq: number; sender: string }): Promise<void> {
    return guard(async () => {
      await this.db.insertInto('threads')
        .values({ conversation_id: root.conversation_id, root_id: root.id, root_seq: root.seq, root_sender: root.sender, reply_count: 0, last_reply_seq: 0, last_reply_at: null })
        .onConflict((oc) => oc.columns(['conversation_id', 'root_id']).doNothing())
        .execute();
    });
  }

  getThread(conversationId: string, rootId: string): Promise<ThreadSummary | null> {
    return guard(async () => {
      const row = await this.db.selectFrom('threads').selectAll().where('conversation_id', '=', conversationId).where('root_id', '=', rootId).executeTakeFirst();
      if (!row) return null;
      return (await this.withParticipants([row]))[0];
    });
  }

  listThreads(conversationId: string, opts: { beforeSeq?: number; limit: number }): Promise<ThreadSummary[]> {
    return guard(async () => {
      let q = this.db.selectFrom('threads').selectAll().where('conversation_id', '=', conversationId).where('reply_count', '>', 0);
      if (opts.beforeSeq !== undefined) q = q.where('last_reply_seq', '<', opts.beforeSeq);
      const rows = await q.orderBy('last_reply_seq', 'desc').limit(opts.limit).execute();
      return this.withParticipants(rows);
    });
  }

  listUserThreads(user: string, opts: { before?: { at: string; conversationId: string; rootId: string }; limit: number }): Promise<UserThread[]> {
    return guard(async () => {
      let q = this.db.selectFrom('threads as t')
        .innerJoin('members as m', (j) => j.onRef('m.conversation_id', '=', 't.conversation_id').on('m.user_id', '=', user))
        .leftJoin('thread_reads as r', (j) => j.onRef('r.conversation_id', '=', 't.conversation_id').onRef('r.root_id', '=', 't.root_id').on('r.user_id', '=', user))
        .selectAll('t')
        .select((eb) => eb.fn.coalesce('r.read_seq', sql<number>`0`).as('read_seq'))
        .where('t.reply_count', '>', 0)
        .where((eb) => eb.or([
          eb('t.root_sender', '=', user),
          eb.exists(eb.selectFrom('thread_replies as tr').select('tr.seq')
            .whereRef('tr.conversation_id', '=', 't.conversation_id').whereRef('tr.root_id', '=', 't.root_id').where('tr.sender', '=', user)),
        ]));
      if (opts.before) {
        const b = opts.before;
        q = q.where((eb) => eb.or([
          eb('t.last_reply_at', '<', b.at),
          eb.and([eb('t.last_reply_at', '=', b.at), eb(eb.refTuple('t.conversation_id', 't.root_id'), '<', eb.tuple(b.conversationId, b.rootId))]),
        ]));
      }
      const rows = await q.orderBy('t.last_reply_at', 'desc').orderBy('t.conversation_id', 'desc').orderBy('t.root_id', 'desc').limit(opts.limit).execute();
      const summaries = await this.withParticipants(rows);
      if (rows.length === 0) return [];
      // every thread's unread in one query: replies by others after the user's read mark
      const unread = await this.db.selectFrom('thread_replies as tr')
        .leftJoin('thread_reads as r', (j) => j.onRef('r.conversation_id', '=', 'tr.conversation_id').onRef('r.root_id', '=', 'tr.root_id').on('r.user_id', '=', user))
        .select(['tr.conversation_id', 'tr.root_id', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('tr.root_id', 'in', [...new Set(rows.map((r) => r.root_id))])
        .where('tr.sender', '<>', user)
        .where((eb) => eb('tr.seq', '>', eb.fn.coalesce('r.read_seq', sql<number>`0`)))
        .groupBy(['tr.conversation_id', 'tr.root_id']).execute();
      const counts = new Map(unread.map((u) => [`${u.conversation_id} ${u.root_id}`, Number(u.n)]));
      return rows.map((r, i) => ({ ...summaries[i], read_seq: Number(r.read_seq), unread: counts.get(`${r.conversation_id} ${r.root_id}`) ?? 0 }));
    });
  }

  replySeqs(conversationId: string, rootId: string, range: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<number[]> {
    return guard(async () => {
      let q = this.db.selectFrom('thread_replies').select('seq').where('conversation_id', '=', conversationId).where('root_id', '=', rootId);
      if (range.beforeSeq !== undefined) q = q.where('seq', '<', range.beforeSeq);
      if (range.afterSeq !== undefined) q = q.where('seq', '>', range.afterSeq);
      const rows = await q.orderBy('seq', range.afterSeq !== undefined ? 'asc' : 'desc').limit(range.limit).execute();
      const seqs = rows.map((r) => Number(r.seq));
      return range.afterSeq !== undefined ? seqs : seqs.reverse();
    });
  }

  markThreadRead(conversationId: string, rootId: string, user: string, seq: number): Promise<number> {
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        await tx.insertInto('thread_reads').values({ conversation_id: conversationId, root_id: rootId, user_id: user, read_seq: seq })
          .onConflict((oc) => oc.columns(['conversation_id', 'root_id', 'user_id']).doUpdateSet({ read_seq: seq }).where('thread_reads.read_seq', '<', seq))
          .execute();
        const row = await tx.selectFrom('thread_reads').select('read_seq').where('conversation_id', '=', conversationId).where('root_id', '=', rootId).where('user_id', '=', user).executeTakeFirstOrThrow();
        return Number(row.read_seq);
      }),
    );
  }

  unreadAdjustments(user: string): Promise<Map<string, { threadOnly: number; mentions: number }>> {
    return guard(async () => {
      const read = (alias: 'tr' | 'mn') => sql<number>`coalesce((select r.read_seq from receipts r where r.conversation_id = ${sql.ref(`${alias}.conversation_id`)} and r.user_id = ${user}), 0)`;
      const [hidden, mentioned] = await Promise.all([
        this.db.selectFrom('thread_replies as tr')
          .innerJoin('members as m', (j) => j.onRef('m.conversation_id', '=', 'tr.conversation_id').on('m.user_id', '=', user))
          .select(['tr.conversation_id', (eb) => eb.fn.countAll<number | string>().as('n')])
          .where('tr.in_timeline', '=', sql<boolean>`false`).where('tr.seq', '>', read('tr'))
          .groupBy('tr.conversation_id').execute(),
        this.db.selectFrom('mentions as mn')
          .innerJoin('members as m', (j) => j.onRef('m.conversation_id', '=', 'mn.conversation_id').on('m.user_id', '=', user))
          .select(['mn.conversation_id', (eb) => eb.fn.countAll<number | string>().as('n')])
          .where('mn.user_id', '=', user).where('mn.seq', '>', read('mn'))
          .groupBy('mn.conversation_id').execute(),
      ]);
      const out = new Map<string, { threadOnly: number; mentions: number }>();
      const at = (id: string) => out.get(id) ?? out.set(id, { threadOnly: 0, mentions: 0 }).get(id)!;
      for (const h of hidden) at(h.conversation_id).threadOnly = Number(h.n);
      for (const m of mentioned) at(m.conversation_id).mentions = Number(m.n);
      return out;
    });
  }

  listMentions(user: string, opts: { before?: { at: string; conversationId: string; seq: number }; limit: number }): Promise<MentionRow[]> {
    return guard(async () => {
      let q = this.db.selectFrom('mentions as mn')
        .innerJoin('members as m', (j) => j.onRef('m.conversation_id', '=', 'mn.conversation_id').on('m.user_id', '=', user))
        .select(['mn.conversation_id', 'mn.seq', 'mn.message_id', 'mn.created_at'])
        .where('mn.user_id', '=', user);
      if (opts.before) {
        const b = opts.before;
        q = q.where((eb) => eb.or([
          eb('mn.created_at', '<', b.at),
          eb.and([eb('mn.created_at', '=', b.at), eb(eb.refTuple('mn.conversation_id', 'mn.seq'), '<', eb.tuple(b.conversationId, b.seq))]),
        ]));
      }
      const rows = await q.orderBy('mn.created_at', 'desc').orderBy('mn.conversation_id', 'desc').orderBy('mn.seq', 'desc').limit(opts.limit).execute();
      return rows.map((r) => ({ conversation_id: r.conversation_id, seq: Number(r.seq), message_id: r.message_id, created_at: iso(r.created_at) }));
    });
  }

  /** The summaries, with every thread's first repliers from one grouped query. */
  private async withParticipants(rows: ThreadsTable[]): Promise<ThreadSummary[]> {
    if (rows.length === 0) return [];
    const firsts = await this.db.selectFrom('thread_replies')
      .select(['conversation_id', 'root_id', 'sender', (eb) => eb.fn.min('seq').as('first')])
      .where('root_id', 'in', [...new Set(rows.map((r) => r.root_id))])
      .groupBy(['conversation_id', 'root_id', 'sender']).execute();
    const byThread = new Map<string, { sender: string; first: number }[]>();
    for (const f of firsts) {
      const key = `${f.conversation_id} ${f.root_id}`;
      byThread.set(key, [...(byThread.get(key) ?? []), { sender: f.sender, first: Number(f.first) }]);
    }
    return rows.map((r) => {
      const who = (byThread.get(`${r.conversation_id} ${r.root_id}`) ?? []).sort((a, b) => a.first - b.first).slice(0, PARTICIPANTS_SHOWN);
      return {
        conversation_id: r.conversation_id, root_id: r.root_id, root_seq: Number(r.root_seq), root_sender: r.root_sender,
        reply_count: Number(r.reply_count), last_reply_seq: Number(r.last_reply_seq), last_reply_at: r.last_reply_at === null ? null : iso(r.last_reply_at),
        participants: who.map((w) => w.sender),
      };
    });
  }
}
