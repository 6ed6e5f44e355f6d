// The repair of collisions, step by step (memory hot tier + SQLite, persist workers off so the
// test decides when the log is applied): a hot tier put back behind the warm store hands out a
// seq and cursors the warm store holds; applying the log reports them, and the repair accepts
// them again past the warm store — the message, the edit and the reaction all end up stored,
// the change log gap-free. Without a repair wired, a collision is an error (a dead letter),
// never a silent drop.
import { afterEach, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import type { Message } from '../model/message.js';
import { PersistHandler } from '../workers/persist-handler.js';
import { seedFromStore } from '../messages/ingest.js';
import { reacceptCollisions } from './repair.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function call(s: TestStack, user: string, method: string, url: string, body?: object) {
  const res = await s.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${await s.token(user)}` }, payload: body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

it('collisions are reported, then accepted again past the warm store: nothing lost, the log gap-free', async () => {
  const s = (stack = await makeStack({ workers: false }));
  const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'], kind: 'group' })).body.id as string;
  const first: Message[] = [];
  for (let i = 1; i <= 3; i++) first.push((await call(s, 'alice', 'POST', `/v1/conversations/${conv}/messages`, { text: `m${i}` })).body);
  const p = s.deps.log.partitionOf(conv);
  const warnings: object[] = [];
  const logger = { warn: (o: object) => void warnings.push(o) };
  const plain = new PersistHandler(s.deps.store);
  await plain.handle(await s.deps.log.read(p, 'w', 100, 0));

  // the hot tier comes back behind: seq and cursor 1 (test-only reach into the memory adapter)
  const c = (s.deps.hot as unknown as { convs: Map<string, { seq: number; cursor?: number }> }).convs.get(conv)!;
  c.seq = 1;
  c.cursor = 1;
  const late = (await call(s, 'bob', 'POST', `/v1/conversations/${conv}/messages`, { text: 'late' })).body as Message; // seq 2, cursor 2: both taken
  const edit = (await call(s, 'alice', 'PATCH', `/v1/messages/${first[2].id}`, { text: 'm3 edited' })).body as Message; // cursor 3: taken
  expect([late.seq, late.version, edit.version]).toEqual([2, 2, 3]);
  expect((await call(s, 'bob', 'PUT', `/v1/messages/${first[0].id}/reactions/ok`)).status).toBe(204); // cursor 4: free
  const entries = await s.deps.log.read(p, 'w', 100, 0);

  // without a repair: refused loudly (the stream consumer dead-letters it), never dropped
  await expect(plain.handle(entries)).rejects.toMatchObject({ code: 'INTERNAL' });
  const repairing = new PersistHandler(s.deps.store, undefined, undefined, undefined,
    (collisions) => reacceptCollisions(s.deps, (id) => seedFromStore(s.deps, id), collisions, logger));
  await repairing.handle(entries);
  expect(warnings).toEqual([expect.objectContaining({ conversationId: conv, collisions: 2, seq: 3, cursor: 4 })]);
  await repairing.handle(await s.deps.log.read(p, 'w', 100, 0)); // the re-accepted changes
  const stored = await s.deps.store.getMessage(late.id);
  expect(stored).toMatchObject({ id: late.id, text: 'late', seq: 4, version: 5 });
  expect(await s.deps.store.getMessage(first[2].id)).toMatchObject({ text: 'm3 edited', version: 6 });
  const changes = (await call(s, 'alice', 'GET', `/v1/conversations/${conv}/changes?after=0&limit=100`)).body.changes as { cursor: number; type: string }[];
  expect(changes.map((x) => [x.cursor, x.type])).toEqual([[1, 'message'], [2, 'message'], [3, 'message'], [4, 'reaction'], [5, 'message'], [6, 'edit']]);
  // a retried repair (the batch failed after it) accepts the message no second time
  await reacceptCollisions(s.deps, (id) => seedFromStore(s.deps, id), [{ conversation_id: conv, cursor: 2, type: 'message', json: '', message: late }], logger);
  await repairing.handle(await s.deps.log.read(p, 'w', 100, 0));
  expect((await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 10 })).map((m) => m.id)).toEqual([...first.map((m) => m.id), late.id]);
});

function rewind(s: TestStack, conv: string, seq: number, cursor: number) {
  const c = (s.deps.hot as unknown as { convs: Map<string, { seq: number; cursor?: number }> }).convs.get(conv)!;
  c.seq = seq;
  c.cursor = cursor;
}

it('a message whose cursor was taken but whose seq was free keeps its seq (no gap); a repair that failed is reported again on redelivery', async () => {
  const s = (stack = await makeStack({ workers: false }));
  const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'], kind: 'group' })).body.id as string;
  const m1 = (await call(s, 'alice', 'POST', `/v1/conversations/${conv}/messages`, { text: 'm1' })).body as Message;
  expect((await call(s, 'bob', 'PUT', `/v1/messages/${m1.id}/reactions/ok`)).status).toBe(204); // cursor 2
  const p = s.deps.log.partitionOf(conv);
  await new PersistHandler(s.deps.store).handle(await s.deps.log.read(p, 'w', 100, 0));
  rewind(s, conv, 1, 1); // the replica missed the reaction only: seq 1, cursor 1
  const late = (await call(s, 'bob', 'POST', `/v1/conversations/${conv}/messages`, { text: 'late' })).body as Message;
  expect([late.seq, late.version]).toEqual([2, 2]); // seq 2 free, cursor 2 taken by the reaction
  const entries = await s.deps.log.read(p, 'w', 100, 0);
  let fail = true;
  const logger = { warn: () => undefined };
  const flaky = new PersistHandler(s.deps.store, undefined, undefined, undefined, async (collisions) => {
    if (fail) {
      fail = false;
      throw new Error('Valkey briefly unreachable');
    }
    await reacceptCollisions(s.deps, (id) => seedFromStore(s.deps, id), collisions, logger);
  });
  await expect(flaky.handle(entries)).rejects.toThrow('briefly');
  await flaky.handle(entries); // redelivered: reported again, repaired
  await flaky.handle(await s.deps.log.read(p, 'w', 100, 0));
  expect((await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 10 })).map((m) => [m.seq, m.id])).toEqual([[1, m1.id], [2, late.id]]);
  const changes = (await call(s, 'alice', 'GET', `/v1/conversations/${conv}/changes?after=0&limit=100`)).body.changes as { cursor: number; type: string; message?: Message }[];
  expect(changes.map((x) => [x.cursor, x.type])).toEqual([[1, 'message'], [2, 'reaction'], [3, 'edit']]);
  expect(changes[2].message).toEqual({ ...late, version: 3 });
  expect(await s.deps.store.getMessage(late.id)).toEqual({ ...late, version: 3 });
});

it('a message handed a seq another holds moves to a new seq; its edit follows it there, the other message is untouched', async () => {
  const s = (stack = await makeStack({ workers: false }));
  const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'], kind: 'group' })).body.id as string;
  const a: Message[] = [];
  for (let i = 1; i <= 2; i++) a.push((await call(s, 'alice', 'POST', `/v1/conversations/${conv}/messages`, { text: `a${i}` })).body);
  const p = s.deps.log.partitionOf(conv);
  const logger = { warn: () => undefined };
  const handler = new PersistHandler(s.deps.store, undefined, undefined, undefined, (cs) => reacceptCollisions(s.deps, (id) => seedFromStore(s.deps, id), cs, logger));
  await handler.handle(await s.deps.log.read(p, 'w', 100, 0));
  rewind(s, conv, 1, 2); // seq behind, cursor not: bob's message takes seq 2 with a free cursor
  const bob = (await call(s, 'bob', 'POST', `/v1/conversations/${conv}/messages`, { text: 'b' })).body as Message;
  expect(bob.seq).toBe(2);
  // the ring holds two messages at seq 2: the edit cannot tell which one is bob's yet (retryable)
  expect((await call(s, 'bob', 'PATCH', `/v1/messages/${bob.id}`, { text: 'b edited' })).status).toBe(503);
  await handler.handle(await s.deps.log.read(p, 'w', 100, 0)); // bob's message collides, moves to seq 3
  await handler.handle(await s.deps.log.read(p, 'w', 100, 0));
  const edit = await call(s, 'bob', 'PATCH', `/v1/messages/${bob.id}`, { text: 'b edited' });
  expect(edit.body).toMatchObject({ seq: 3, text: 'b edited' });
  await handler.handle(await s.deps.log.read(p, 'w', 100, 0));
  expect(await s.deps.store.getMessage(a[1].id)).toEqual(a[1]); // alice's message untouched
  const moved = await s.deps.store.getMessage(bob.id);
  expect(moved).toMatchObject({ text: 'b edited', sender: 'bob' });
  expect(moved!.seq).toBe(3);
});

it('a reaction, title or member change the change log refuses (backlog) is undone in the store: the retry makes it again, logged', async () => {
  const s = (stack = await makeStack({ workers: false, config: { persistMaxBacklog: 1 } }));
  const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'], kind: 'group', title: 'before' })).body.id as string;
  const m = (await call(s, 'alice', 'POST', `/v1/conversations/${conv}/messages`, { text: 'hi' })).body as Message; // fills the backlog
  const p = s.deps.log.partitionOf(conv);
  const drain = async () => {
    const entries = await s.deps.log.read(p, 'w', 100, 0);
    await new PersistHandler(s.deps.store).handle(entries);
    await s.deps.log.ack(p, entries.map((e) => e.id));
  };
  const refused = [
    await call(s, 'alice', 'PATCH', `/v1/conversations/${conv}`, { title: 'after' }),
    await call(s, 'bob', 'PUT', `/v1/messages/${m.id}/reactions/ok`),
    await call(s, 'alice', 'POST', `/v1/conversations/${conv}/members`, { user: 'carol' }),
    await call(s, 'alice', 'PATCH', `/v1/conversations/${conv}/members/bob`, { role: 'admin' }),
  ];
  expect(refused.map((r) => [r.status, r.body.code])).toEqual(Array(4).fill([503, 'BACKPRESSURE']));
  const c = await s.deps.store.getConversation(conv);
  expect(c?.title).toBe('before');
  expect(c?.members).toEqual([{ user: 'alice', role: 'owner' }, { user: 'bob', role: 'member' }]);
  expect(await s.deps.reactions.reactions(m.id)).toEqual([]);
  await drain();
  expect((await call(s, 'alice', 'PATCH', `/v1/conversations/${conv}`, { title: 'after' })).status).toBe(200);
  await drain();
  expect((await call(s, 'bob', 'PUT', `/v1/messages/${m.id}/reactions/ok`)).status).toBe(204);
  const changes = (await call(s, 'alice', 'GET', `/v1/conversations/${conv}/changes?after=0&limit=100`)).body.changes as { type: string }[];
  expect(changes.map((x) => x.type)).toEqual(['message', 'conversation', 'reaction']);
});

it('a seq lost with the hot tier below a stored one becomes a tombstone when the counter is re-seeded; the message arriving after all moves past it', async () => {
  const s = (stack = await makeStack({ workers: false }));
  const conv = (await call(s, 'alice', 'POST', `/v1/conversations`, { members: ['bob'], kind: 'group' })).body.id as string;
  for (let i = 1; i <= 3; i++) await call(s, 'alice', 'POST', `/v1/conversations/${conv}/messages`, { text: `m${i}` });
  const p = s.deps.log.partitionOf(conv);
  const logger = { warn: () => undefined };
  const handler = new PersistHandler(s.deps.store, undefined, undefined, undefined,
    (collisions) => reacceptCollisions(s.deps, (id) => seedFromStore(s.deps, id), collisions, logger));
  const entries = await s.deps.log.read(p, 'w', 100, 0);
  const m2 = entries.find((e) => e.payload.includes('"seq":2,'))!;
  // seq 2's entry is still in a slow worker's hands when the hot tier loses everything; 1 and 3 are stored
  await handler.handle(entries.filter((e) => e !== m2));
  (s.deps.hot as unknown as { convs: Map<string, unknown> }).convs.delete(conv);
  const after = (await call(s, 'bob', 'POST', `/v1/conversations/${conv}/messages`, { text: 'after the loss' })).body as Message; // re-seeds: 2 is a hole
  expect(after.seq).toBe(4);
  await handler.handle(await s.deps.log.read(p, 'w', 100, 0));
  const page = (await call(s, 'alice', 'GET', `/v1/conversations/${conv}/messages`)).body.messages as Message[];
  expect(page.map((m) => [m.seq, m.sender, m.text, m.deleted_at !== null])).toEqual([[1, 'alice', 'm1', false], [2, 'strata', null, true], [3, 'alice', 'm3', false], [4, 'bob', 'after the loss', false]]);
  // the change log has no hole either: seq 2's change (cursor 2) is a `lost` placeholder
  const changes = (await call(s, 'alice', 'GET', `/v1/conversations/${conv}/changes?after=0&limit=100`)).body.changes as { type: string; cursor: number; message?: Message }[];
  expect(changes.map((c) => c.cursor)).toEqual(changes.map((_, i) => i + 1));
  expect(changes.filter((c) => c.type === 'lost').map((c) => c.cursor)).toEqual([2]);
  expect(changes.filter((c) => c.type === 'delete').map((c) => c.message!.seq)).toEqual([2]);
  // the slow worker's entry arrives after all: it collides with the tombstone and moves past it, nothing lost
  await handler.handle([m2]);
  await handler.handle(await s.deps.log.read(p, 'w', 100, 0));
  const moved = JSON.parse(m2.payload).message as Message;
  expect(await s.deps.store.getMessage(moved.id)).toMatchObject({ text: 'm2', seq: 5 });
  const all = (await call(s, 'alice', 'GET', `/v1/conversations/${conv}/messages`)).body.messages as Message[];
  expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  const log = (await call(s, 'alice', 'GET', `/v1/conversations/${conv}/changes?after=0&limit=100`)).body.changes as { cursor: number }[];
  expect(log.map((c) => c.cursor)).toEqual(log.map((_, i) => i + 1));
  // a second re-seed (another node) finds no hole and writes nothing
  const { fillLostSeqs } = await import('../messages/ingest.js');
  expect(await fillLostSeqs(s.deps, conv, 5)).toBe(0);
});
