// The SDK's REST half against a listening server on real Valkey + PostgreSQL: every route of
// DESIGN.md's API through StrataRest, errors as StrataError with the problem's stable code.
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

  it('turns a rejected token into StrataError UNAUTHENTICATED', async () => {
    const bad = new StrataRest({ baseUrl: base, token: 'not-a-jwt' });
    await expect(bad.listConversations()).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
