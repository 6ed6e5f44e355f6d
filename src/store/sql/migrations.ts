// Schema migrations, applied in order by Kysely's Migrator (start-up and `strata migrate`).
// A migration never changes once released; add a new one instead.
import { type Kysely, type Migration, sql } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

function time(d: Dialect) {
  return d === 'postgres' ? 'timestamptz' : 'text';
}

export function migrations(dialect: Dialect): Record<string, Migration> {
  const t = time(dialect);
  return {
    '0001_core': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('conversations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('title', 'text')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('last_activity_at', sql.raw(t), (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('members')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('joined_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('members_pk', ['conversation_id', 'user_id'])
          .execute();
        await db.schema.createIndex('members_user_idx').on('members').column('user_id').execute();
        await db.schema
          .createTable('messages')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('text', 'text')
          .addColumn('reply_to', 'text')
          .addColumn('client_id', 'text')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addColumn('edited_at', sql.raw(t))
          .addColumn('deleted_at', sql.raw(t))
          .addPrimaryKeyConstraint('messages_pk', ['conversation_id', 'seq'])
          .execute();
        await db.schema.createIndex('messages_client_idx').on('messages').columns(['conversation_id', 'sender', 'client_id']).execute();
        await db.schema.createIndex('messages_created_idx').on('messages').column('created_at').execute();
        await db.schema
          .createTable('receipts')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('delivered_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('receipts_pk', ['conversation_id', 'user_id'])
          .execute();
        await db.schema
          .createTable('reactions')
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('reaction', 'text', (c) => c.notNull())
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('reactions_pk', ['message_id', 'user_id', 'reaction'])
          .execute();
      },
    },
    '0002_leases': {
      // Named, expiring locks across processes (src/workers/leases.ts); expires_at in epoch ms.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('leases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0003_change_log': {
      // The conversation change log (docs/changes.md): message versions, the changes kept for
      // replay, and the sync positions behind GET /v1/sync tokens.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('messages').addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('conversations').addColumn('last_cursor', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('conversations').addColumn('changes_floor', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema
          .createTable('changes')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('cursor', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('json', 'text', (c) => c.notNull())
          .addColumn('stored_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('changes_pk', ['conversation_id', 'cursor'])
          .execute();
        await db.schema.createIndex('changes_stored_idx').on('changes').column('stored_at').execute();
        await db.schema
          .createTable('sync_states')
          .addColumn('token', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sync_states_user_idx').on('sync_states').columns(['user_id', 'created_at']).execute();
        // The latest version of archived messages changed after they were archived (an edit, a
        // delete): applied over the archive's rows on read (docs/changes.md).
        await db.schema
          .createTable('message_overlays')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('version', 'bigint', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('text', 'text')
          .addColumn('reply_to', 'text')
          .addColumn('client_id', 'text')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addColumn('edited_at', sql.raw(t))
          .addColumn('deleted_at', sql.raw(t))
          .addPrimaryKeyConstraint('message_overlays_pk', ['conversation_id', 'seq'])
          .execute();
      },
    },
    '0004_threads_mentions': {
      // Threads and mentions (docs/threads.md): the message's new fields, and indexes that stay
      // in the warm store when the archiver moves the messages themselves to Parquet, so a
      // thread, a thread list or a user's mentions read the same whichever tier holds the rows.
      async up(db: Kysely<any>) {
        for (const table of ['messages', 'message_overlays']) {
          await db.schema.alterTable(table).addColumn('thread_id', 'text').execute();
          await db.schema.alterTable(table).addColumn('in_timeline', 'boolean', (c) => c.notNull().defaultTo(true)).execute();
          await db.schema.alterTable(table).addColumn('mentions', 'text', (c) => c.notNull().defaultTo('[]')).execute();
        }
        // one row per thread: opened by the first reply's send (the root's place), counted by the persist workers
        await db.schema
          .createTable('threads')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('root_id', 'text', (c) => c.notNull())
          .addColumn('root_seq', 'bigint', (c) => c.notNull())
          .addColumn('root_sender', 'text', (c) => c.notNull())
          .addColumn('reply_count', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('last_reply_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('last_reply_at', sql.raw(t))
          .addPrimaryKeyConstraint('threads_pk', ['conversation_id', 'root_id'])
          .execute();
        await db.schema.createIndex('threads_activity_idx').on('threads').columns(['conversation_id', 'last_reply_seq']).execute();
        await db.schema
          .createTable('thread_replies')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('root_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('in_timeline', 'boolean', (c) => c.notNull())
          .addPrimaryKeyConstraint('thread_replies_pk', ['conversation_id', 'root_id', 'seq'])
          .execute();
        await db.schema.createIndex('thread_replies_sender_idx').on('thread_replies').columns(['sender', 'conversation_id', 'root_id']).execute();
        await db.schema.createIndex('thread_replies_root_idx').on('thread_replies').columns(['root_id', 'seq']).execute();
        await db.schema
          .createTable('thread_reads')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('root_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('read_seq', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('thread_reads_pk', ['conversation_id', 'root_id', 'user_id'])
          .execute();
        await db.schema
          .createTable('mentions')
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('mentions_pk', ['user_id', 'conversation_id', 'seq'])
          .execute();
        await db.schema.createIndex('mentions_newest_idx').on('mentions').columns(['user_id', 'created_at']).execute();
      },
    },
    '0005_search_pins': {
      // Full-text search (docs/search.md): one document per message with text, its normalised
      // words indexed by the engine (SQLite FTS5 over an external-content table kept in step
      // by triggers; PostgreSQL a generated tsvector under GIN). Never archived. And pins.
      async up(db: Kysely<any>) {
        if (dialect === 'sqlite') {
          await sql`create table search_docs (
            id integer primary key, conversation_id text not null references conversations(id) on delete cascade, seq integer not null,
            message_id text not null, sender text not null, thread_id text, created_at text not null, words text not null,
            unique (conversation_id, seq))`.execute(db);
          await sql`create virtual table search_fts using fts5(words, content='search_docs', content_rowid='id', tokenize='unicode61 remove_diacritics 0')`.execute(db);
          await sql`create trigger search_docs_ai after insert on search_docs begin insert into search_fts(rowid, words) values (new.id, new.words); end`.execute(db);
          await sql`create trigger search_docs_ad after delete on search_docs begin insert into search_fts(search_fts, rowid, words) values ('delete', old.id, old.words); end`.execute(db);
          await sql`create trigger search_docs_au after update on search_docs begin
            insert into search_fts(search_fts, rowid, words) values ('delete', old.id, old.words);
            insert into search_fts(rowid, words) values (new.id, new.words); end`.execute(db);
        } else {
          await sql`create table search_docs (
            conversation_id text not null references conversations(id) on delete cascade, seq bigint not null,
            message_id text not null, sender text not null, thread_id text, created_at timestamptz not null, words text not null,
            tsv tsvector generated always as (to_tsvector('simple', words)) stored,
            primary key (conversation_id, seq))`.execute(db);
          await sql`create index search_docs_tsv_idx on search_docs using gin (tsv)`.execute(db);
        }
        await db.schema.createIndex('search_docs_newest_idx').on('search_docs').columns(['conversation_id', 'created_at']).execute();
        // every change up to it is applied (last_cursor is only the highest): reads that wait
        // for the warm store to catch up check it in one query (change-store.ts)
        await db.schema.alterTable('conversations').addColumn('settled_cursor', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
        await sql`update conversations set settled_cursor = last_cursor`.execute(db);
        await db.schema
          .createTable('pins')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('pinned_by', 'text', (c) => c.notNull())
          .addColumn('pinned_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('pins_pk', ['conversation_id', 'message_id'])
          .execute();
      },
    },
    '0006_metadata_attachments': {
      // A message's own data and its attachments (docs/attachments.md): JSON text, as the API
      // returns them, in the message rows and their overlays.
      async up(db: Kysely<any>) {
        for (const table of ['messages', 'message_overlays']) {
          await db.schema.alterTable(table).addColumn('metadata', 'text').execute();
          await db.schema.alterTable(table).addColumn('attachments', 'text', (c) => c.notNull().defaultTo('[]')).execute();
        }
      },
    },
    '0007_webhooks': {
      // Webhooks (docs/webhooks.md): endpoints; per endpoint and conversation the delivery
      // position in the change log and the retry state of the change after it; every attempt
      // (GET /v1/admin/webhooks/{id}/deliveries); dead letters with the body they were sent with.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('webhook_endpoints')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('events', 'text', (c) => c.notNull())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('previous_secret', 'text')
          .addColumn('previous_secret_until', 'bigint')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addColumn('updated_at', sql.raw(t), (c) => c.notNull())
          .addColumn('scanned_until', sql.raw(t), (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('webhook_streams')
          .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('position', 'bigint', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('failing_since', 'bigint')
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('webhook_streams_pk', ['endpoint_id', 'conversation_id'])
          .execute();
        await db.schema
          .createTable('webhook_attempts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
          .addColumn('webhook_id', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('cursor', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('status', 'integer')
          .addColumn('error', 'text')
          .addColumn('latency_ms', 'integer', (c) => c.notNull())
          .addColumn('attempted_at', sql.raw(t), (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('replay', 'boolean', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('webhook_attempts_endpoint_idx').on('webhook_attempts').columns(['endpoint_id', 'id']).execute();
        await db.schema.createIndex('webhook_attempts_time_idx').on('webhook_attempts').column('attempted_at').execute();
        await db.schema
          .createTable('webhook_dead_letters')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
          .addColumn('webhook_id', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('cursor', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('last_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('failed_at', sql.raw(t), (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('replay_attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('replay_failing_since', 'bigint')
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull().defaultTo(0))
          .addUniqueConstraint('webhook_dead_letters_change_uq', ['endpoint_id', 'conversation_id', 'cursor'])
          .execute();
        await db.schema.createIndex('webhook_dead_letters_due_idx').on('webhook_dead_letters').columns(['endpoint_id', 'state', 'next_attempt_at']).execute();
      },
    },
    '0008_uploads': {
      // Attachments (docs/attachments.md): one row per upload, the state its bytes are in
      // (store/upload-store.ts); the bytes themselves are in the object store under object_key.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('uploads')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('uploader', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('object_key', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text')
          .addColumn('claim_key', 'text')
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addColumn('attached_at', sql.raw(t))
          .addColumn('released_at', sql.raw(t))
          .execute();
        await db.schema.createIndex('uploads_message_idx').on('uploads').column('message_id').execute();
        await db.schema.createIndex('uploads_sweep_idx').on('uploads').columns(['state', 'created_at']).execute();
      },
    },
    '0009_push': {
      // Web Push (docs/push.md): the users' push subscriptions (one row per push service
      // endpoint) and each user's notification settings per conversation (no row: the defaults).
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('push_subscriptions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('endpoint', 'text', (c) => c.notNull().unique())
          .addColumn('p256dh', 'text', (c) => c.notNull())
          .addColumn('auth', 'text', (c) => c.notNull())
          .addColumn('user_agent', 'text')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .execute();
        await db.schema.createIndex('push_subscriptions_user_idx').on('push_subscriptions').column('user_id').execute();
        await db.schema
          .createTable('conversation_settings')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('muted', 'boolean', (c) => c.notNull())
          .addColumn('notify', 'text', (c) => c.notNull())
          .addColumn('updated_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('conversation_settings_pk', ['conversation_id', 'user_id'])
          .execute();
        await db.schema.createIndex('conversation_settings_user_idx').on('conversation_settings').column('user_id').execute();
      },
    },
    '0012_safety': {
      // User safety and the audit log (docs/moderation.md): the audit log of moderation and
      // operator actions (append-only, paged newest first by id, filtered by actor, target user,
      // conversation, action, time), members' reports of messages, the operators' blocklist,
      // and users' blocks.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('audit_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', sql.raw(t), (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('target_user', 'text')
          .addColumn('conversation_id', 'text')
          .addColumn('message_id', 'text')
          .addColumn('reason', 'text')
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('details', 'text')
          .execute();
        for (const col of ['actor', 'target_user', 'conversation_id', 'action', 'at']) {
          await db.schema.createIndex(`audit_log_${col}_idx`).on('audit_log').columns(col === 'at' ? ['at'] : [col, 'id']).execute();
        }
        await db.schema
          .createTable('reports')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('reporter', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('message_text', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addColumn('resolved_by', 'text')
          .addColumn('resolved_at', sql.raw(t))
          .addColumn('resolution_reason', 'text')
          .addUniqueConstraint('reports_message_reporter_uq', ['message_id', 'reporter'])
          .execute();
        await db.schema.createIndex('reports_state_idx').on('reports').columns(['state', 'id']).execute();
        await db.schema.createIndex('reports_conversation_idx').on('reports').columns(['conversation_id', 'id']).execute();
        await db.schema
          .createTable('blocklist')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('pattern', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addUniqueConstraint('blocklist_kind_pattern_uq', ['kind', 'pattern'])
          .execute();
        await db.schema
          .createTable('blocks')
          .addColumn('blocker', 'text', (c) => c.notNull())
          .addColumn('blocked', 'text', (c) => c.notNull())
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('blocks_pk', ['blocker', 'blocked'])
          .execute();
        await db.schema.createIndex('blocks_blocked_idx').on('blocks').column('blocked').execute();
      },
    },
    '0011_moderation': {
      // Conversation moderation (docs/moderation.md): bans, mutes, slow mode per conversation
      // (the kind column takes 'announcement' too), and operators' app-wide bans.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('conversations').addColumn('slow_mode_s', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema
          .createTable('conversation_bans')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('banned_by', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('conversation_bans_pk', ['conversation_id', 'user_id'])
          .execute();
        await db.schema
          .createTable('conversation_mutes')
          .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('until_ms', 'bigint', (c) => c.notNull())
          .addColumn('muted_by', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addPrimaryKeyConstraint('conversation_mutes_pk', ['conversation_id', 'user_id'])
          .execute();
        await db.schema
          .createTable('user_bans')
          .addColumn('user_id', 'text', (c) => c.primaryKey())
          .addColumn('banned_by', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .execute();
      },
    },
    '0013_gdpr_jobs': {
      // GDPR export and erase of one user (docs/gdpr.md): one row per job, its step and the
      // cursor of its progress, so that a successor resumes a job whose node died.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('gdpr_jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('step', 'text', (c) => c.notNull())
          .addColumn('progress', 'text', (c) => c.notNull())
          .addColumn('cursor', 'text')
          .addColumn('result', 'text')
          .addColumn('error', 'text')
          .addColumn('created_at', sql.raw(t), (c) => c.notNull())
          .addColumn('started_at', sql.raw(t))
          .addColumn('finished_at', sql.raw(t))
          .execute();
        await db.schema.createIndex('gdpr_jobs_user_idx').on('gdpr_jobs').columns(['user_id', 'id']).execute();
        await db.schema.createIndex('gdpr_jobs_state_idx').on('gdpr_jobs').columns(['state', 'id']).execute();
      },
    },
    '0014_upload_sweep_indexes': {
      // The upload sweep's scans (attachments/sweep.ts): stale claims by when they were claimed,
      // released uploads by when they were released, each in the order it pages them.
      async up(db: Kysely<any>) {
        await db.schema.createIndex('uploads_claimed_idx').on('uploads').columns(['state', 'attached_at', 'id']).execute();
        await db.schema.createIndex('uploads_released_idx').on('uploads').columns(['state', 'released_at', 'id']).execute();
      },
    },
  };
}
