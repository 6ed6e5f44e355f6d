// Edits of messages whose row is not in the warm store yet (memory hot tier + SQLite, persist
// workers off so the test decides when the log is applied). A message the hot tier holds is
// edited at once from the ring's copy (no waiting for its row); the persist log carries the
// edit after the insert, and applying the log in either order gives the edited row. An id
// nobody ingested (e.g. a forged UUIDv7 stamped "now") answers 404 at once: no polling.
import { afterEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import type { Message } from '../model/message.js';
import { PersistHandler } from '../workers/persist-handler.js';
import { COMMITTED } from '../changes/persist-wait.js';
import { eventually } from '../../test/helpers/eventually.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function call(s: TestStack, user: string, method: string, url: string, body?: object) {
  const res = await s.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${await s.token(user)}` }, payload: body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, headers: res.headers };
}

describe('edits of messages in flight', () => {
  it('a message in flight (accepted by another node) is edited at once from the ring; the log applies in any order', async () => {
    const s = (stack = await makeStack({ workers: false }));
    const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'] })).body;
    const sent = await call(s, 'alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: 'draft' });
    expect(sent.status).toBe(201);
    const m = sent.body as Message;
    s.services.ingest.recentIds.clear(); // as if another node had accepted it
    expect(await s.deps.store.getMessage(m.id)).toBeNull();
    expect(await s.deps.hot.locateInFlight(m.id)).toEqual({ conversationId: conv.id, seq: 1 });
    // a non-member learns nothing, in flight or not
    expect((await call(s, 'carol', 'PATCH', `/v1/messages/${m.id}`, { text: 'x' })).status).toBe(404);
    const res = await call(s, 'alice', 'PATCH', `/v1/messages/${m.id}`, { text: 'final' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: m.id, seq: 1, version: 2, text: 'final' });
    expect(await s.deps.store.getMessage(m.id)).toBeNull(); // nothing waited for the row
    // the edit travels behind the insert; a second worker could commit it first
    const entries = await s.deps.log.read(s.deps.log.partitionOf(conv.id), 'w', 10, 0);
    expect(entries.map((e) => JSON.parse(e.payload).type)).toEqual(['message', 'edit']);
    const handler = new PersistHandler(s.deps.store);
    await handler.handle([entries[1]]);
    await handler.handle([entries[0]]);
    expect(await s.deps.store.getMessage(m.id)).toEqual(res.body);
    await handler.handle(entries); // redelivered: changes nothing
    expect(await s.deps.store.getMessage(m.id)).toEqual(res.body);
  });

  it('an answered edit of a message outside the ring is never read back at its old version: a page from the warm store waits for it', async () => {
    const s = (stack = await makeStack({ workers: false, config: { recentLimit: 2 } }));
    const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'] })).body;
    const sent: Message[] = [];
    for (let i = 0; i < 4; i++) sent.push((await call(s, 'alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: `m${i}` })).body);
    const p = s.deps.log.partitionOf(conv.id);
    const handler = new PersistHandler(s.deps.store, undefined, s.deps.persisted);
    await handler.handle(await s.deps.log.read(p, 'w', 100, 0)); // the 4 messages are stored
    const edited = (await call(s, 'alice', 'PATCH', `/v1/messages/${sent[0].id}`, { text: 'edited' })).body as Message;
    expect(edited.version).toBe(5);
    let served: Message | undefined;
    const page = call(s, 'bob', 'GET', `/v1/conversations/${conv.id}/messages?after=0&limit=1`).then((r) => (served = r.body.messages[0]));
    // the page is waiting for the edit's commit (persist-wait.ts listens for it), not served stale
    await eventually('the page waits for the commit', () => s.deps.persisted!.listenerCount(COMMITTED) > 0);
    expect(served).toBeUndefined();
    await handler.handle(await s.deps.log.read(p, 'w', 100, 0)); // the worker stores the edit (and says so)
    await page;
    expect(served).toEqual(edited);
  });

  it('a warm store further behind than the page waits: the edits it lacks come from the change ring', async () => {
    const s = (stack = await makeStack({ workers: false, config: { recentLimit: 2 } }));
    const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'] })).body;
    const sent: Message[] = [];
    for (let i = 0; i < 4; i++) sent.push((await call(s, 'alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: `m${i}` })).body);
    await new PersistHandler(s.deps.store).handle(await s.deps.log.read(s.deps.log.partitionOf(conv.id), 'w', 100, 0));
    const edited = (await call(s, 'alice', 'PATCH', `/v1/messages/${sent[0].id}`, { text: 'edited' })).body as Message;
    const deleted = (await call(s, 'alice', 'DELETE', `/v1/messages/${sent[1].id}`)).body as Message;
    // no worker stores them: after PAGE_WAIT_MS the page applies them from the hot tier
    const page = await call(s, 'bob', 'GET', `/v1/conversations/${conv.id}/messages?after=0&limit=3`);
    expect(page.body.messages).toEqual([edited, deleted, sent[2]]);
    expect(page.headers['x-strata-tier']).toBe('warm');
  });

  it('an edit never undoes a delete it did not see, also for a message the ring no longer holds', async () => {
    const s = (stack = await makeStack({ workers: false, config: { recentLimit: 2 } }));
    const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'], kind: 'group' })).body;
    const sent: Message[] = [];
    for (let i = 0; i < 4; i++) sent.push((await call(s, 'bob', 'POST', `/v1/conversations/${conv.id}/messages`, { text: `m${i}` })).body);
    const p = s.deps.log.partitionOf(conv.id);
    const handler = new PersistHandler(s.deps.store, undefined, s.deps.persisted);
    await handler.handle(await s.deps.log.read(p, 'w', 100, 0));
    // the owner deletes bob's old message; the warm store does not show it yet
    expect((await call(s, 'alice', 'DELETE', `/v1/messages/${sent[0].id}`)).body).toMatchObject({ version: 5, text: null });
    expect((await s.deps.store.getMessage(sent[0].id))?.deleted_at).toBeNull();
    // bob edits the copy he can read: refused by the version check, read again once stored
    const edit = call(s, 'bob', 'PATCH', `/v1/messages/${sent[0].id}`, { text: 'back from the dead' });
    await eventually('the edit waits for the delete to be stored', () => s.deps.persisted!.listenerCount(COMMITTED) > 0);
    await handler.handle(await s.deps.log.read(p, 'w', 100, 0));
    const res = await edit;
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('MESSAGE_DELETED');
    expect(await s.deps.store.getMessage(sent[0].id)).toMatchObject({ text: null, version: 5 });
  });

  it('in flight but neither in the ring nor stored (a burst larger than the ring): 503 at once, retryable', async () => {
    const s = (stack = await makeStack({ workers: false, config: { recentLimit: 1 } }));
    const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'] })).body;
    const first = (await call(s, 'alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: 'one' })).body as Message;
    await call(s, 'alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: 'two' });
    const res = await call(s, 'alice', 'PATCH', `/v1/messages/${first.id}`, { text: 'x' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'UNAVAILABLE' });
    expect(res.headers['retry-after']).toBe('1');
  });

  it('an id nobody ingested answers 404 after one store lookup, however recent its UUIDv7', async () => {
    const s = (stack = await makeStack());
    await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'] });
    const store = s.deps.store;
    const real = store.getMessage.bind(store);
    let lookups = 0;
    store.getMessage = (id: string) => {
      lookups++;
      return real(id);
    };
    for (const forged of [uuidv7(), uuidv7({ msecs: Date.now() + 500 })]) {
      lookups = 0;
      const res = await call(s, 'alice', 'PATCH', `/v1/messages/${forged}`, { text: 'x' });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('MESSAGE_NOT_FOUND');
      expect(lookups).toBe(1);
    }
  });
});
