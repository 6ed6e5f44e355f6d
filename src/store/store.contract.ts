// The Store contract: every adapter (SQLite, PostgreSQL) must pass this same suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Message } from '../model/message.js';
import type { Store } from './store.js';

export function msg(conversationId: string, seq: number, over: Partial<Message> = {}): Message {
  return {
    id: uuidv7(), conversation_id: conversationId, seq, version: seq, sender: 'alice', text: `m${seq}`, reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), edited_at: null, deleted_at: null, ...over,
  };
}

export function storeContract(name: string, make: () => Promise<Store>) {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await make();
      await store.migrate();
      await store.migrate(); // idempotent
    });
    afterAll(async () => store?.close());

    async function newConversation(members = [{ user: 'alice', role: 'owner' as const }, { user: 'bob', role: 'member' as const }]) {
      const id = uuidv7();
      await store.createConversation({ id, title: 't', kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members });
      return id;
    }

    it('creates and reads a conversation with its members', async () => {
      const id = await newConversation();
      const c = await store.getConversation(id);
      expect(c).toMatchObject({ id, title: 't', kind: 'group', created_by: 'alice' });
      expect(c!.members).toEqual(expect.arrayContaining([{ user: 'alice', role: 'owner' }, { user: 'bob', role: 'member' }]));
      expect(await store.getConversation(uuidv7())).toBeNull();
      expect(await store.getRole(id, 'alice')).toBe('owner');
      expect(await store.getRole(id, 'carol')).toBeNull();
    });

    it('adds and removes members; adding twice is MEMBER_EXISTS', async () => {
      const id = await newConversation();
      await store.addMember(id, { user: 'carol', role: 'admin' });
      expect(await store.getRole(id, 'carol')).toBe('admin');
      await expect(store.addMember(id, { user: 'carol', role: 'member' })).rejects.toMatchObject({ code: 'MEMBER_EXISTS' });
      expect(await store.removeMember(id, 'carol')).toBe(true);
      expect(await store.removeMember(id, 'carol')).toBe(false);
      expect(await store.getRole(id, 'carol')).toBeNull();
    });

    it('tells whether two users share a conversation', async () => {
      const id = await newConversation([{ user: 'sh-a', role: 'owner' }, { user: 'sh-b', role: 'member' }]);
      await newConversation([{ user: 'sh-c', role: 'owner' }, { user: 'sh-d', role: 'member' }]);
      expect(await store.shareConversation('sh-a', 'sh-b')).toBe(true);
      expect(await store.shareConversation('sh-b', 'sh-a')).toBe(true);
      expect(await store.shareConversation('sh-a', 'sh-c')).toBe(false);
      expect(await store.shareConversation('sh-a', 'nobody')).toBe(false);
      await store.removeMember(id, 'sh-b');
      expect(await store.shareConversation('sh-a', 'sh-b')).toBe(false);
    });

    it('inserts messages idempotently and advances last_seq', async () => {
      const id = await newConversation();
      const batch = [1, 2, 3].map((s) => msg(id, s));
      expect(await store.insertMessages(batch)).toBe(3);
      expect(await store.insertMessages(batch)).toBe(0);
      expect(await store.insertMessages([batch[2], msg(id, 4)])).toBe(1);
      expect(await store.maxSeq(id)).toBe(4);
      const list = await store.listMessages(id, { limit: 10 });
      expect(list.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(list[0]).toEqual(batch[0]);
      const mine = await store.listConversations('bob');
      expect(mine.find((c) => c.id === id)).toMatchObject({ last_seq: 4, read_seq: 0 });
    });

    it('pages with before/after, ascending', async () => {
      const id = await newConversation();
      await store.insertMessages(Array.from({ length: 30 }, (_, i) => msg(id, i + 1)));
      expect((await store.listMessages(id, { limit: 5 })).map((m) => m.seq)).toEqual([26, 27, 28, 29, 30]);
      expect((await store.listMessages(id, { beforeSeq: 10, limit: 3 })).map((m) => m.seq)).toEqual([7, 8, 9]);
      expect((await store.listMessages(id, { afterSeq: 10, limit: 3 })).map((m) => m.seq)).toEqual([11, 12, 13]);
      expect((await store.listMessages(id, { afterSeq: 29, limit: 3 })).map((m) => m.seq)).toEqual([30]);
    });

    it('finds by id, seq and client_id', async () => {
      const id = await newConversation();
      const m = msg(id, 1, { client_id: 'c-1' });
      await store.insertMessages([m]);
      expect(await store.getMessage(m.id)).toEqual(m);
      expect(await store.getMessageBySeq(id, 1)).toEqual(m);
      expect(await store.findByClientId(id, 'alice', 'c-1')).toEqual(m);
      expect(await store.findByClientId(id, 'bob', 'c-1')).toBeNull();
    });

    it('sets a member\'s role and the title; false where there is nothing to set', async () => {
      const id = await newConversation();
      expect(await store.setRole(id, 'bob', 'admin')).toBe(true);
      expect(await store.getRole(id, 'bob')).toBe('admin');
      expect(await store.setRole(id, 'carol', 'admin')).toBe(false);
      expect(await store.setTitle(id, 'renamed')).toBe(true);
      expect((await store.getConversation(id))?.title).toBe('renamed');
      expect(await store.setTitle(id, null)).toBe(true);
      expect((await store.getConversation(id))?.title).toBeNull();
      expect(await store.setTitle(uuidv7(), 'x')).toBe(false);
    });

    it('lists the messages sent with a client_id since a time, ascending by seq', async () => {
      const id = await newConversation();
      await store.insertMessages([
        msg(id, 1, { client_id: 'a' }), msg(id, 2), msg(id, 3, { client_id: 'b', sender: 'bob' }), msg(id, 4, { client_id: 'c' }),
      ]);
      const since = new Date(Date.UTC(2026, 0, 1, 0, 0, 3)).toISOString();
      expect((await store.listWithClientIdSince(id, since)).map((m) => [m.seq, m.sender, m.client_id])).toEqual([[3, 'bob', 'b'], [4, 'alice', 'c']]);
      expect((await store.listWithClientIdSince(id, '2025-01-01T00:00:00.000Z')).map((m) => m.seq)).toEqual([1, 3, 4]);
      expect(await store.listWithClientIdSince(uuidv7(), since)).toEqual([]);
    });

    it('lists my conversations newest activity first', async () => {
      const user = `u-${uuidv7()}`;
      const a = await newConversation([{ user, role: 'owner' }]);
      const b = await newConversation([{ user, role: 'owner' }]);
      await store.insertMessages([msg(a, 1, { created_at: new Date(Date.now() + 60_000).toISOString() })]);
      const mine = await store.listConversations(user);
      expect(mine.map((c) => c.id)).toEqual([a, b]);
    });
  });
}
