// GdprJobStore and UserDataStore (store/gdpr-store.ts) over the warm store's Kysely<DB>, for
// SQLite and PostgreSQL. Rewrites go one row per statement, each idempotent: a rerun after a
// crash rewrites what is left and leaves what is done as it is.
import { sql, type Kysely } from 'kysely';
import type { Message } from '../../model/message.js';
import { ownAuditDetails, type GdprJob, type GdprJobPatch, type GdprJobStore, type UserDataStore, type UserReaction, type UserUpload } from '../gdpr-store.js';
import { guard } from './errors.js';
import { iso, toMessage } from './rows.js';
import type { DB, GdprJobsTable } from './schema.js';

function toJob(r: GdprJobsTable): GdprJob {
  return {
    id: r.id, kind: r.kind as GdprJob['kind'], user: r.user_id, requested_by: r.requested_by, state: r.state as GdprJob['state'], step: r.step,
    progress: JSON.parse(r.progress) as GdprJob['progress'], cursor: r.cursor === null ? null : (JSON.parse(r.cursor) as GdprJob['cursor']),
    result: r.result === null ? null : (JSON.parse(r.result) as GdprJob['result']), error: r.error,
    created_at: iso(r.created_at), started_at: iso(r.started_at), finished_at: iso(r.finished_at),
  };
}

const MESSAGE_CHANGES = ['message', 'edit', 'delete'];
/** An audit entry's details (JSON text) as an object, without other users' identities. */
function ownDetails(json: string | null, user: string): Record<string, unknown> | null {
  return ownAuditDetails(json === null ? null : (JSON.parse(json) as Record<string, unknown>), user);
}

export class SqlGdpr implements GdprJobStore, UserDataStore {
  constructor(private readonly db: Kysely<DB>) {}

  createJob(j: GdprJob): Promise<void> {
    return guard(async () => {
      await this.db.insertInto('gdpr_jobs').values({
        id: j.id, kind: j.kind, user_id: j.user, requested_by: j.requested_by, state: j.state, step: j.step, progress: JSON.stringify(j.progress),
        cursor: j.cursor === null ? null : JSON.stringify(j.cursor), result: j.result === null ? null : JSON.stringify(j.result), error: j.error,
        created_at: j.created_at, started_at: j.started_at, finished_at: j.finished_at,
      }).execute();
    });
  }

  getJob(id: string): Promise<GdprJob | null> {
    return guard(async () => {
      const r = await this.db.selectFrom('gdpr_jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toJob(r) : null;
    });
  }

  listJobs(user: string): Promise<GdprJob[]> {
    return guard(async () => (await this.db.selectFrom('gdpr_jobs').selectAll().where('user_id', '=', user).orderBy('id', 'desc').execute()).map(toJob));
  }

  unfinishedJobs(): Promise<GdprJob[]> {
    return guard(async () => (await this.db.selectFrom('gdpr_jobs').selectAll().where('state', 'in', ['pending', 'running']).orderBy('id').execute()).map(toJob));
  }

  updateJob(id: string, p: GdprJobPatch): Promise<void> {
    return guard(async () => {
      const set: Partial<GdprJobsTable> = {};
      if (p.state !== undefined) set.state = p.state;
      if (p.step !== undefined) set.step = p.step;
      if (p.progress !== undefined) set.progress = JSON.stringify(p.progress);
      if (p.cursor !== undefined) set.cursor = p.cursor === null ? null : JSON.stringify(p.cursor);
      if (p.result !== undefined) set.result = p.result === null ? null : JSON.stringify(p.result);
      if (p.error !== undefined) set.error = p.error;
      if (p.started_at !== undefined) set.started_at = p.started_at;
      if (p.finished_at !== undefined) set.finished_at = p.finished_at;
      if (Object.keys(set).length) await this.db.updateTable('gdpr_jobs').set(set).where('id', '=', id).execute();
    });
  }

  erasing(user: string): Promise<boolean> {
    return guard(async () => !!(await this.db.selectFrom('gdpr_jobs').select('id').where('user_id', '=', user).where('kind', '=', 'erase')
      .where('state', 'in', ['pending', 'running']).limit(1).executeTakeFirst()));
  }

  conversationsJoinedBy(user: string): Promise<string[]> {
    return guard(async () => {
      const now = await this.db.selectFrom('members').select('conversation_id').where('user_id', '=', user).execute();
      // every member change and conversation creation names its users as `"user":<json string>`
      const needle = `"user":${JSON.stringify(user)}`;
      const like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const past = await this.db.selectFrom('changes').select(['conversation_id', 'json']).where('type', 'in', ['member', 'conversation'])
        .where(sql<boolean>`json like ${like} escape '\\'`).execute();
      return [...new Set([...now.map((r) => r.conversation_id), ...past.filter((r) => r.json.includes(needle)).map((r) => r.conversation_id)])].sort();
    });
  }

  conversationsWithMessagesOf(user: string): Promise<string[]> {
    return guard(async () => {
      const a = await this.db.selectFrom('messages').select('conversation_id').distinct().where('sender', '=', user).execute();
      const b = await this.db.selectFrom('message_overlays').select('conversation_id').distinct().where('sender', '=', user).execute();
      return [...new Set([...a, ...b].map((r) => r.conversation_id))].sort();
    });
  }

  messagesOf(conversationId: string, user: string): Promise<Message[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('sender', '=', user).execute();
      const over = await this.db.selectFrom('message_overlays').selectAll().where('conversation_id', '=', conversationId).where('sender', '=', user).execute();
      return [...rows, ...over].map(toMessage).sort((x, y) => x.seq - y.seq);
    });
  }

  rewriteChanges(conversationId: string, rewrite: (json: string) => string | null): Promise<{ cursor: number; json: string }[]> {
    return guard(async () => {
      const out: { cursor: number; json: string }[] = [];
      const rows = await this.db.selectFrom('changes').select(['cursor', 'json']).where('conversation_id', '=', conversationId)
        .where('type', 'in', MESSAGE_CHANGES).orderBy('cursor').execute();
      for (const r of rows) {
        const next = rewrite(r.json);
        if (next === null) continue;
        if (next !== r.json) await this.db.updateTable('changes').set({ json: next }).where('conversation_id', '=', conversationId).where('cursor', '=', r.cursor).execute();
        out.push({ cursor: Number(r.cursor), json: next });
      }
      return out;
    });
  }

  rewriteDeadLetters(conversationId: string, rewrite: (body: string) => string): Promise<number> {
    return guard(async () => {
      let n = 0;
      const rows = await this.db.selectFrom('webhook_dead_letters').select(['id', 'body']).where('conversation_id', '=', conversationId).execute();
      for (const r of rows) {
        const next = rewrite(r.body);
        if (next === r.body) continue;
        await this.db.updateTable('webhook_dead_letters').set({ body: next }).where('id', '=', r.id).execute();
        n++;
      }
      return n;
    });
  }

  dropDerivedText(conversationId: string, seqs: number[], messageIds: string[]): Promise<void> {
    return guard(async () => {
      for (let i = 0; i < seqs.length; i += 500) {
        await this.db.deleteFrom('search_docs').where('conversation_id', '=', conversationId).where('seq', 'in', seqs.slice(i, i + 500)).execute();
      }
      for (let i = 0; i < messageIds.length; i += 500) {
        await this.db.updateTable('reports').set({ message_text: null }).where('message_id', 'in', messageIds.slice(i, i + 500)).execute();
      }
    });
  }

  reactionsOf(user: string): Promise<UserReaction[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('reactions').selectAll().where('user_id', '=', user).orderBy('created_at').orderBy('message_id').orderBy('reaction').execute();
      return rows.map((r) => ({ message_id: r.message_id, conversation_id: r.conversation_id, reaction: r.reaction, created_at: iso(r.created_at) }));
    });
  }

  deleteUserState(user: string): Promise<number> {
    return guard(async () => {
      let n = 0;
      for (const t of ['receipts', 'thread_reads', 'conversation_settings', 'push_subscriptions'] as const) {
        n += Number((await this.db.deleteFrom(t).where('user_id', '=', user).executeTakeFirst()).numDeletedRows);
      }
      // the blocks they made (blocks of them are the blocker's); the reasons they wrote in reports
      // (the reports stay in the operators' queue, with the reason emptied)
      n += Number((await this.db.deleteFrom('blocks').where('blocker', '=', user).executeTakeFirst()).numDeletedRows);
      n += Number((await this.db.updateTable('reports').set({ reason: '' }).where('reporter', '=', user).where('reason', '!=', '').executeTakeFirst()).numUpdatedRows);
      return n;
    });
  }

  uploadsOf(user: string): Promise<UserUpload[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('uploads').selectAll().where('uploader', '=', user).orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id, conversation_id: r.conversation_id, name: r.name, size: Number(r.size), content_type: r.content_type, object_key: r.object_key,
        state: r.state, message_id: r.message_id, created_at: iso(r.created_at),
      }));
    });
  }

  deleteUpload(id: string): Promise<void> {
    return guard(async () => {
      await this.db.deleteFrom('uploads').where('id', '=', id).execute();
    });
  }

  exportRows(user: string): Promise<Record<string, unknown[]>> {
    return guard(async () => {
      const norm = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v])));
      return {
        memberships: norm(await this.db.selectFrom('members').selectAll().where('user_id', '=', user).orderBy('conversation_id').execute()),
        receipts: norm(await this.db.selectFrom('receipts').selectAll().where('user_id', '=', user).orderBy('conversation_id').execute()),
        thread_reads: norm(await this.db.selectFrom('thread_reads').selectAll().where('user_id', '=', user).orderBy('conversation_id').execute()),
        mentions: norm(await this.db.selectFrom('mentions').selectAll().where('user_id', '=', user).orderBy('conversation_id').orderBy('seq').execute()),
        push_subscriptions: norm(await this.db.selectFrom('push_subscriptions').select(['id', 'endpoint', 'user_agent', 'created_at']).where('user_id', '=', user).orderBy('id').execute()),
        conversation_settings: norm(await this.db.selectFrom('conversation_settings').selectAll().where('user_id', '=', user).orderBy('conversation_id').execute()),
        // details as an object, without who reported them (a report's `reporter`): the export goes to the user
        audit: norm(await this.db.selectFrom('audit_log').selectAll().where((eb) => eb.or([eb('target_user', '=', user), eb('actor', '=', user)])).orderBy('id').execute())
          .map((r) => ({ ...r, details: ownDetails(r.details as string | null, user) })),
        // the reported message by id only: its sender and text are another user's
        reports_made: norm(await this.db.selectFrom('reports').select(['id', 'conversation_id', 'message_id', 'reason', 'state', 'created_at', 'resolved_at'])
          .where('reporter', '=', user).orderBy('id').execute()),
        // the user's own blocks: who blocked them is the blocker's business (docs/moderation.md#blocks)
        blocks: norm(await this.db.selectFrom('blocks').selectAll().where('blocker', '=', user).execute()),
      };
    });
  }
}
