// The archiver's view of the warm store (ArchiveSource, src/archive/archive.ts) over the same
// Kysely<DB> as SqlStore, for SQLite and PostgreSQL. Reads use the (conversation_id, seq)
// primary key; deletes go in chunks so one archive step never holds a long write lock.
import type { Kysely } from 'kysely';
import type { ArchiveCandidate, ArchiveSource, RetentionPolicy } from '../archive-source.js';
import type { Message } from '../../model/message.js';
import { chunks, MESSAGE_ROWS_PER_INSERT, row, toMessage } from './rows.js';
import { guard } from './errors.js';
import type { DB } from './schema.js';

const DELETE_CHUNK = 5000;

export class SqlArchiveSource implements ArchiveSource {
  constructor(private readonly db: Kysely<DB>, private readonly dialect: 'sqlite' | 'postgres' = 'sqlite') {}

  listForArchive(conversationId: string, afterSeq: number, upToSeq: number, limit: number): Promise<Message[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('messages').selectAll()
        .where('conversation_id', '=', conversationId).where('seq', '>', afterSeq).where('seq', '<=', upToSeq)
        .orderBy('seq', 'asc').limit(limit).execute();
      return rows.map(toMessage);
    });
  }

  deleteArchived(conversationId: string, upToSeq: number, archived?: ReadonlyMap<number, number>): Promise<number> {
    return guard(async () => {
      let total = 0;
      for (;;) {
        // Lowest seqs first: a crash mid-way leaves a suffix, which the next run deletes.
        const n = await this.db.transaction().execute(async (tx) => {
          let q = tx.selectFrom('messages').selectAll()
            .where('conversation_id', '=', conversationId).where('seq', '<=', upToSeq)
            .orderBy('seq', 'asc').limit(DELETE_CHUNK);
          // locked: a persist worker's edit of one of these waits, then finds it gone (→ overlay)
          if (this.dialect === 'postgres') q = q.forUpdate();
          const batch = (await q.execute()).map(toMessage);
          if (batch.length === 0) return 0;
          const changed = batch.filter((m) => archived?.get(m.seq) !== m.version);
          for (const part of chunks(changed, MESSAGE_ROWS_PER_INSERT)) {
            await tx.insertInto('message_overlays').values(part.map(row))
              .onConflict((oc) => oc.columns(['conversation_id', 'seq']).doUpdateSet((eb) => ({
                version: eb.ref('excluded.version'), text: eb.ref('excluded.text'), edited_at: eb.ref('excluded.edited_at'), deleted_at: eb.ref('excluded.deleted_at'),
                mentions: eb.ref('excluded.mentions'), metadata: eb.ref('excluded.metadata'), attachments: eb.ref('excluded.attachments'),
              })).where('message_overlays.version', '<', (eb) => eb.ref('excluded.version')))
              .execute();
          }
          const res = await tx.deleteFrom('messages')
            .where('conversation_id', '=', conversationId).where('seq', '<=', batch[batch.length - 1].seq)
            .executeTakeFirst();
          return Number(res.numDeletedRows);
        });
        if (n === 0) return total;
        total += n;
      }
    });
  }

  listOverlays(conversationId: string, fromSeq: number, toSeq: number): Promise<Message[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('message_overlays').selectAll()
        .where('conversation_id', '=', conversationId).where('seq', '>=', fromSeq).where('seq', '<=', toSeq).orderBy('seq').execute();
      return rows.map(toMessage);
    });
  }

  dropOverlays(conversationId: string, folded: { seq: number; version: number }[]): Promise<void> {
    return guard(async () => {
      // one statement per overlay: folds are rare and small (the overlays of one rewritten file)
      for (const f of folded) {
        await this.db.deleteFrom('message_overlays')
          .where('conversation_id', '=', conversationId).where('seq', '=', f.seq).where('version', '<=', f.version).execute();
      }
    });
  }

  conversationsToArchive(policy: RetentionPolicy, now = new Date()): Promise<ArchiveCandidate[]> {
    return guard(async () => {
      if (policy.days <= 0 && policy.keepLast <= 0) return [];
      const bound = new Map<string, number>();
      if (policy.keepLast > 0) {
        const rows = await this.db.selectFrom('messages')
          .select((eb) => ['conversation_id', eb.fn.min('seq').as('lo'), eb.fn.max('seq').as('hi')])
          .groupBy('conversation_id').execute();
        for (const r of rows) {
          const upTo = Number(r.hi) - policy.keepLast;
          if (upTo >= Number(r.lo)) bound.set(r.conversation_id, upTo);
        }
      }
      if (policy.days > 0) {
        const cutoff = new Date(now.getTime() - policy.days * 86_400_000).toISOString();
        const rows = await this.db.selectFrom('messages')
          .select((eb) => ['conversation_id', eb.fn.max('seq').as('hi')])
          .where('created_at', '<', cutoff).groupBy('conversation_id').execute();
        const byDays = new Map(rows.map((r) => [r.conversation_id, Number(r.hi)]));
        if (policy.keepLast > 0) {
          for (const [id, upTo] of bound) {
            const d = byDays.get(id);
            if (d === undefined) bound.delete(id);
            else bound.set(id, Math.min(upTo, d));
          }
        } else {
          for (const [id, hi] of byDays) bound.set(id, hi);
        }
      }
      return [...bound].sort(([a], [b]) => (a < b ? -1 : 1)).map(([conversationId, upToSeq]) => ({ conversationId, upToSeq }));
    });
  }
}
