// Nothing of a conversation reaches a non-member: a sender removed from a conversation gets no
// `receipt` frames of it any more (memory + SQLite, real sockets in-process).
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import { WsClient } from '../../test/helpers/ws-client.js';

let s: TestStack;
let base: string;
const clients: WsClient[] = [];
beforeAll(async () => {
  s = await makeStack();
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await s?.close();
});

async function rest(user: string, method: string, url: string, body?: object) {
  const res = await s.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${await s.token(user)}` }, payload: body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

describe('receipts and membership', () => {
  it('a removed member gets no receipt frames of the conversation', async () => {
    const conv = (await rest('alice', 'POST', '/v1/conversations', { members: ['bob'] })).body.id;
    const bob = await WsClient.connect(base, await s.token('bob'));
    clients.push(bob);
    await rest('bob', 'POST', `/v1/conversations/${conv}/messages`, { text: 'one' });
    expect((await rest('alice', 'POST', `/v1/conversations/${conv}/read`, { seq: 1 })).status).toBeLessThan(300);
    await bob.waitFor((f) => f.type === 'receipt' && f.read_seq === 1); // a member gets them

    await rest('bob', 'POST', `/v1/conversations/${conv}/messages`, { text: 'two' });
    expect((await rest('alice', 'DELETE', `/v1/conversations/${conv}/members/bob`)).status).toBeLessThan(300);
    expect((await rest('alice', 'POST', `/v1/conversations/${conv}/read`, { seq: 2 })).status).toBeLessThan(300);
    // sentinel: a later frame on bob's user topic, published after the read was announced
    const other = (await rest('carol', 'POST', '/v1/conversations', { members: ['bob'] })).body.id;
    await bob.waitFor((f) => f.type === 'membership' && f.conversation_id === other);
    expect(bob.ofType('receipt').map((f) => f.read_seq)).toEqual([1]);
  });
});
