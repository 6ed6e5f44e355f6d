// The SDK's REST half against a listening server on real Valkey + PostgreSQL: every route of
// DESIGN.md's API (and of the change log, docs/changes.md) through StrataRest, errors as
// StrataError with the problem's stable code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import { StrataError, StrataRest } from './index.js';

let stack: TestStack;
let base: string;
const client = (user: string) => new StrataRest({ baseUrl: base, token: () => stack.token(user) });

beforeAll(async () => {
  stack = await makeStack({ hot: 'valkey', store: 'postgres', gateway: true, config: { recentLimit: 20 } });
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}/`;
});
afterAll(() => stack?.close());

describe('StrataRest on Valkey + PostgreSQL', () => {
  it('creates, lists and reads conversations; manages members', async () => {
    const alice = client('alice');
    const c = await alice.createConversation({ members: ['bob'], title: 'sdk', kind: 'group' });
    expect(c.members).toEqual(expect.arrayContaining([{ user: 'alice', role: 'owner' }, { user: 'bob', role: 'member' }]));
    expect((await alice.listConversations()).map((x) => x.id)).toContain(c.id);
    expect((await alice.getConversation(c.id)).title).toBe('sdk');
    expect(await alice.addMember(c.id, 'carol', 'admin')).toEqual({ user: 'carol', role: 'admin' });
    await alice.removeMember(c.id, 'carol');
    const err = await client('carol').getConversation(c.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect(err).toMatchObject({ status: 404, code: 'CONVERSATION_NOT_FOUND' });
  });

  it('sends idempotently, pages history both ways across the ring, edits and deletes', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const c = await alice.createConversation({ members: ['bob'] });
    const first = await alice.send(c.id, 'one', { client_id: 'sdk-1' });
    expect(await alice.send(c.id, 'one again', { client_id: 'sdk-1' })).toEqual(first);
    for (let i = 2; i <= 60; i++) await alice.send(c.id, `m${i}`);
    const latest = await bob.history(c.id, { limit: 25 });
    expect(latest.messages.map((m) => m.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 36 + i));
    expect(latest.has_more).toBe(true);
    const older = await bob.history(c.id, { before: 36, limit: 30 }); // below the ring of 20: the warm store answers
    expect(older.messages.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 6 + i));
    const after = await bob.history(c.id, { after: 58 });
    expect(after).toEqual({ messages: expect.any(Array), has_more: false });
    expect(after.messages.map((m) => m.seq)).toEqual([59, 60]);
    const edited = await alice.edit(first.id, 'uno');
    expect(edited).toMatchObject({ id: first.id, text: 'uno', edited_at: expect.any(String) });
    const deleted = await alice.delete(first.id);
    expect(deleted).toMatchObject({ id: first.id, text: null, deleted_at: expect.any(String) });
    await expect(bob.edit(after.messages[0].id, 'not mine')).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('marks read, shows receipts to the sender only, and adds/removes reactions', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const c = await alice.createConversation({ members: ['bob'] });
    const m = await alice.send(c.id, 'read me');
    await bob.markRead(c.id, m.seq);
    expect((await bob.listConversations()).find((x) => x.id === c.id)).toMatchObject({ last_seq: 1, unread: 0 });
    const { receipts } = await alice.receipts(m.id);
    expect(receipts.find((r) => r.user === 'bob')).toMatchObject({ read: true });
    await expect(bob.receipts(m.id)).rejects.toBeInstanceOf(StrataError);
    await bob.react(m.id, '👍');
    await bob.react(m.id, '👍'); // a set: twice is once
    await bob.unreact(m.id, '👍');
  });

  it('reads the change log: every kind of change after a cursor, in pages, fields in order; sync with its token', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const c = await alice.createConversation({ members: ['bob'], title: 't1', kind: 'group' });
    const m = await alice.send(c.id, 'hello'); // cursor 1
    expect(m.version).toBe(1);
    const first = await bob.sync();
    expect(first.conversations.find((x) => x.id === c.id)).toMatchObject({ status: 'joined', cursor: 1, last_seq: 1, title: 't1', changes: [] });
    await alice.edit(m.id, 'hello!'); // 2
    await bob.react(m.id, '👍'); // 3
    await alice.addMember(c.id, 'carol'); // 4
    await alice.setRole(c.id, 'carol', 'admin'); // 5
    await alice.updateConversation(c.id, { title: 't2' }); // 6
    await alice.delete(m.id); // 7

    const page1 = await bob.changes(c.id, 1, 3);
    expect(page1).toMatchObject({ cursor: 7, has_more: true });
    expect(page1.changes.map((x) => `${x.cursor} ${x.type}`)).toEqual(['2 edit', '3 reaction', '4 member']);
    const [edit, reaction, added] = page1.changes;
    expect(edit).toEqual({ type: 'edit', cursor: 2, message: { ...m, version: 2, text: 'hello!', edited_at: expect.any(String) } });
    expect(Object.keys(reaction)).toEqual(['type', 'cursor', 'conversation_id', 'message_id', 'user', 'reaction', 'removed', 'at']);
    expect(reaction).toMatchObject({ conversation_id: c.id, message_id: m.id, user: 'bob', reaction: '👍', removed: false });
    expect(Object.keys(added)).toEqual(['type', 'cursor', 'conversation_id', 'user', 'role', 'change', 'by', 'at']);
    expect(added).toMatchObject({ user: 'carol', role: 'member', change: 'added', by: 'alice' });
    const page2 = await bob.changes(c.id, 4);
    expect(page2).toMatchObject({ cursor: 7, has_more: false });
    const [role, title, deleted] = page2.changes;
    expect(role).toMatchObject({ type: 'member', cursor: 5, user: 'carol', role: 'admin', change: 'role', by: 'alice' });
    expect(Object.keys(title)).toEqual(['type', 'cursor', 'conversation_id', 'title', 'by', 'at']);
    expect(title).toMatchObject({ cursor: 6, conversation_id: c.id, title: 't2', by: 'alice' });
    expect(deleted).toMatchObject({ type: 'delete', cursor: 7, message: { id: m.id, version: 7, text: null, deleted_at: expect.any(String) } });

    const next = await bob.sync(first.token);
    const entry = next.conversations.find((x) => x.id === c.id);
    expect(entry).toMatchObject({ status: 'changed', cursor: 7, title: 't2', has_more: false });
    expect(entry?.changes).toEqual([...page1.changes, ...page2.changes]);
    expect((await bob.sync(next.token)).conversations.find((x) => x.id === c.id)).toMatchObject({ status: 'unchanged', changes: [] });
    await expect(bob.sync('no-such-token')).rejects.toMatchObject({ status: 410, code: 'RELOAD_REQUIRED' });
  });

  it('threads and mentions: replies with and without the timeline, pages, summaries, lists, unread and read watermarks', async () => {
    const alice = client('alice');
    const bob = client('bob');
    const c = await alice.createConversation({ members: ['bob', 'carol'], title: 'threads' });
    const root = await alice.send(c.id, 'root');
    const r1 = await bob.send(c.id, 'one @alice', { thread_id: root.id, mentions: ['alice'] });
    const r2 = await bob.send(c.id, 'two', { thread_id: root.id, also_in_conversation: true });
    expect(r1).toMatchObject({ thread_id: root.id, in_timeline: false, mentions: ['alice'] });
    expect(r2).toMatchObject({ thread_id: root.id, in_timeline: true, mentions: [] });
    await expect(bob.send(c.id, 'x', { thread_id: r1.id })).rejects.toMatchObject({ status: 400, code: 'THREAD_ROOT_INVALID' });
    await expect(bob.send(c.id, 'x', { mentions: ['dave'] })).rejects.toMatchObject({ status: 400, code: 'MENTION_NOT_MEMBER' });

    const all = await alice.replies(root.id);
    expect(all.messages.map((m) => m.id)).toEqual([r1.id, r2.id]);
    expect(all).toMatchObject({ has_more: false, settled: true, thread: { root_id: root.id, reply_count: 2, last_reply_seq: r2.seq, participants: ['bob'] } });
    expect((await alice.replies(root.id, { limit: 1 })).messages.map((m) => m.id)).toEqual([r2.id]);
    expect((await alice.replies(root.id, { before: r2.seq })).messages.map((m) => m.id)).toEqual([r1.id]);
    expect((await alice.replies(root.id, { after: r1.seq })).messages.map((m) => m.id)).toEqual([r2.id]);
    expect(await alice.getThread(root.id)).toEqual({ root, thread: all.thread, settled: true });
    expect((await alice.listThreads(c.id)).threads).toEqual([all.thread]);

    const mine = async () => (await alice.myThreads({ limit: 200 })).threads.find((t) => t.root_id === root.id);
    expect(await mine()).toMatchObject({ reply_count: 2, read_seq: 0, unread: 2 });
    expect(await alice.markThreadRead(root.id, r1.seq)).toEqual({ read_seq: r1.seq });
    expect(await mine()).toMatchObject({ read_seq: r1.seq, unread: 1 });
    const entry = (await alice.listConversations()).find((x) => x.id === c.id);
    expect(entry).toMatchObject({ last_seq: r2.seq, unread: 2, unread_mentions: 1 }); // root and r2; r1 counts in its thread
    expect((await alice.mentions()).messages.find((m) => m.conversation_id === c.id)?.id).toBe(r1.id);
    expect((await bob.edit(r1.id, 'one', { mentions: [] })).mentions).toEqual([]);
  });

  it('turns a rejected token into StrataError UNAUTHENTICATED', async () => {
    const bad = new StrataRest({ baseUrl: base, token: 'not-a-jwt' });
    await expect(bad.listConversations()).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
