// Edits of messages whose row is not in the warm store yet (memory hot tier + SQLite, persist
// workers off so the test decides when a row lands). An id the hot tier reports in flight is
// waited for and then edited; an id nobody ingested (e.g. a forged UUIDv7 stamped "now")
// answers 404 at once: one store lookup, no polling.
import { afterEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import { announceCommitted } from '../changes/persist-wait.js';
import type { Message } from '../model/message.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function call(s: TestStack, user: string, method: string, url: string, body?: object) {
  const res = await s.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${await s.token(user)}` }, payload: body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

describe('edits of messages in flight', () => {
  it('an id the hot tier knows is in flight (accepted by another node) waits for its row, then applies', async () => {
    const s = (stack = await makeStack({ workers: false }));
    const conv = (await call(s, 'alice', 'POST', '/v1/conversations', { members: ['bob'] })).body;
    const sent = await call(s, 'alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: 'draft' });
    expect(sent.status).toBe(201);
    const m = sent.body as Message;
    s.services.ingest.recentIds.clear(); // as if another node had accepted it
    expect(await s.deps.store.getMessage(m.id)).toBeNull();
    expect(await s.deps.hot.locateInFlight(m.id)).toEqual({ conversationId: conv.id, seq: 1 });

    let settled = false;
    const edit = call(s, 'alice', 'PATCH', `/v1/messages/${m.id}`, { text: 'final' }).finally(() => (settled = true));
    // a non-member learns nothing, in flight or not
    expect((await call(s, 'carol', 'PATCH', `/v1/messages/${m.id}`, { text: 'x' })).status).toBe(404);
    expect(settled).toBe(false);
    await s.deps.store.insertMessages([m]); // the persist worker's commit…
    announceCommitted(s.deps.persisted, [conv.id]); // …and its announcement
    const res = await edit;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: m.id, text: 'final' });
    expect((await s.deps.store.getMessage(m.id))?.text).toBe('final');
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
