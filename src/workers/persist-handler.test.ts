// Log entries written before the change log and before threads and mentions (a message's bare
// JSON, no version, no thread_id / in_timeline / mentions) are stored with their defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createSqlStore, type SqlStore } from '../store/sql/sql-store.js';
import { PersistHandler } from './persist-handler.js';

describe('PersistHandler: entries from before the change log', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await createSqlStore('sqlite::memory:');
    await store.migrate();
  });
  afterAll(async () => store?.close());

  it('stores a bare message with version 0, no thread, in the timeline, no mentions, searchable', async () => {
    const conv = uuidv7();
    await store.createConversation({ id: conv, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members: [{ user: 'alice', role: 'owner' }] });
    const id = uuidv7();
    const old = { id, conversation_id: conv, seq: 1, sender: 'alice', text: 'from an old node', reply_to: null, client_id: null, created_at: '2026-01-01T00:00:00.000Z', edited_at: null, deleted_at: null };
    await new PersistHandler(store).handle([{ id: '1-0', partition: 0, payload: JSON.stringify(old), deliveries: 1 }]);
    expect(await store.getMessage(id)).toEqual({ ...old, version: 0, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [] });
    const docs = await store.db.selectFrom('search_docs').select('words').where('conversation_id', '=', conv).execute();
    expect(docs.map((d) => d.words)).toEqual(['from an old node']);
  });
});
