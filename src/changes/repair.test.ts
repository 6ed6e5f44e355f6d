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
