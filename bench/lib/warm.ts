// Read-only view of a stack's warm store from the harness: how many messages are persisted,
// for the correctness checks and the persist-lag curve. PostgreSQL through pg; the embedded
// SQLite file through better-sqlite3 (WAL: reading beside the writer is safe).
import path from 'node:path';
import pg from 'pg';
import Database from 'better-sqlite3';
import type { Stack } from './stack.js';

export interface WarmView {
  /** Sum of conversations.last_seq (cheap; equals the row count when rows commit in seq order per conversation). */
  persisted(convIds: string[]): Promise<number>;
  /** Exact: rows, distinct (conversation, seq), and conversations whose seqs are not 1..max. */
  exact(convIds: string[]): Promise<{ rows: number; distinct: number; gappy: number }>;
  close(): Promise<void>;
}

const EXACT = `SELECT count(*) AS rows, count(DISTINCT conversation_id || ':' || seq) AS distinct_, 
  (SELECT count(*) FROM (SELECT conversation_id FROM messages WHERE conversation_id IN (__IDS__) GROUP BY conversation_id HAVING max(seq) <> count(*) OR min(seq) <> 1) g) AS gappy
  FROM messages WHERE conversation_id IN (__IDS__)`;

export async function warmView(stack: Stack): Promise<WarmView> {
  if (stack.kind === 'valkey-pg') {
    const client = new pg.Client({ connectionString: stack.pgUrl });
    await client.connect();
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(',');
    return {
      async persisted(convIds) {
        const r = await client.query(`SELECT coalesce(sum(last_seq), 0)::bigint AS n FROM conversations WHERE id = ANY($1)`, [convIds]);
        return Number(r.rows[0].n);
      },
      async exact(convIds) {
        const r = await client.query(EXACT.replace(/__IDS__/g, ids(convIds.length)), convIds);
        return { rows: Number(r.rows[0].rows), distinct: Number(r.rows[0].distinct_), gappy: Number(r.rows[0].gappy) };
      },
      close: () => client.end(),
    };
  }
  const db = new Database(path.join(stack.dataDir, 'strata.db'), { readonly: true, fileMustExist: true });
  const q = (n: number) => Array.from({ length: n }, () => '?').join(',');
  return {
    async persisted(convIds) {
      const r = db.prepare(`SELECT coalesce(sum(last_seq), 0) AS n FROM conversations WHERE id IN (${q(convIds.length)})`).get(...convIds) as { n: number };
      return Number(r.n);
    },
    async exact(convIds) {
      const r = db.prepare(EXACT.replace(/__IDS__/g, q(convIds.length))).get(...convIds, ...convIds) as { rows: number; distinct_: number; gappy: number };
      return { rows: Number(r.rows), distinct: Number(r.distinct_), gappy: Number(r.gappy) };
    },
    async close() {
      db.close();
    },
  };
}
