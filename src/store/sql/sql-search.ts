// SearchStore over the warm store's Kysely instance: SQLite FTS5 (search_fts over search_docs)
// or PostgreSQL (search_docs.tsv, GIN). The documents are written by the persist path
// (sql-store.ts indexMessages). The engine query is built from the terms' normalised words so
// that it finds at least every message the matcher (search/query.ts) accepts: FTS5 and
// PostgreSQL split a word the same way in the document and in the query (a phrase of their
// pieces); a prefix the engine cannot express exactly is left to the matcher.
import { sql, type Kysely, type SqlBool, type Expression } from 'kysely';
import type { Term } from '../../model/search-tokens.js';
import type { SearchDoc, SearchFilter, SearchStore } from '../search-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { DB } from './schema.js';

const ALNUM = /^[\p{L}\p{N}]+$/u;

/** FTS5 MATCH text: every term a quoted phrase (quotes doubled), a prefix with `*`; implicit AND. */
export function fts5Query(terms: Term[]): string {
  return terms.map((t) => `"${t.words.join(' ').replace(/"/g, '""')}"${t.prefix ? '*' : ''}`).join(' ');
}

export class SqlSearch implements SearchStore {
  constructor(private db: Kysely<DB>, private dialect: 'sqlite' | 'postgres') {}

  searchCandidates(f: SearchFilter): Promise<SearchDoc[]> {
    if (f.conversationIds.length === 0) return Promise.resolve([]);
    return guard(async () => {
      let q = this.db.selectFrom('search_docs as d')
        .select(['d.conversation_id', 'd.seq', 'd.message_id', 'd.sender', 'd.thread_id', 'd.created_at', 'd.words'])
        .where('d.conversation_id', 'in', f.conversationIds);
      if (f.terms.length) {
        if (this.dialect === 'sqlite') {
          q = q.where(sql<SqlBool>`d.id in (select rowid from search_fts where search_fts match ${fts5Query(f.terms)})`);
        } else {
          for (const t of f.terms) {
            const last = t.words[t.words.length - 1];
            if (!t.prefix) q = q.where(sql<SqlBool>`d.tsv @@ phraseto_tsquery('simple', ${t.words.join(' ')})`);
            else if (t.words.length === 1 && ALNUM.test(last)) q = q.where(sql<SqlBool>`d.tsv @@ to_tsquery('simple', ${`${last}:*`})`);
            else if (t.words.length > 1) q = q.where(sql<SqlBool>`d.tsv @@ phraseto_tsquery('simple', ${t.words.slice(0, -1).join(' ')})`);
          }
        }
      }
      if (f.sender !== undefined) q = q.where('d.sender', '=', f.sender);
      if (f.threadId !== undefined) q = q.where('d.thread_id', '=', f.threadId);
      if (f.before !== undefined) q = q.where('d.created_at', '<', f.before);
      if (f.after !== undefined) q = q.where('d.created_at', '>', f.after);
      if (f.olderThan) {
        const o = f.olderThan;
        q = q.where((eb) => eb.or([
          eb('d.created_at', '<', o.created_at),
          eb.and([eb('d.created_at', '=', o.created_at), eb.or([
            eb('d.conversation_id', '<', o.conversation_id),
            eb.and([eb('d.conversation_id', '=', o.conversation_id), eb('d.seq', '<', o.seq)]),
          ]) as Expression<SqlBool>]),
        ]));
      }
      const rows = await q.orderBy('d.created_at', 'desc').orderBy('d.conversation_id', 'desc').orderBy('d.seq', 'desc').limit(f.limit).execute();
      return rows.map((r) => ({
        conversation_id: r.conversation_id, seq: Number(r.seq), message_id: r.message_id, sender: r.sender, thread_id: r.thread_id,
        created_at: iso(r.created_at), words: r.words,
      }));
    });
  }
}
