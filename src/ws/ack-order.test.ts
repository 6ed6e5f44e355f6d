// The send protocol on one socket: the ack of a send reaches the sender before that message's
// live frame, whatever the hot tier (the memory engine publishes inside ingest, before the ack
// exists; Valkey's subscriber connection can overtake the ingest reply). Also with sends of
// other members interleaved: every frame still arrives once, in seq order.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import { WsClient } from '../../test/helpers/ws-client.js';

let stack: TestStack;
let base: string;
const clients: WsClient[] = [];

beforeAll(async () => {
  stack = await makeStack();
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.close();
});

describe('ack before live frame', () => {
  it('a sender sees each ack before its message frame; frames stay once and in seq order', async () => {
    const connect = async (user: string) => {
      const c = await WsClient.connect(base, await stack.token(user));
      clients.push(c);
      return c;
    };
    const res = await stack.app.inject({ method: 'POST', url: '/v1/conversations', headers: { authorization: `Bearer ${await stack.token('alice')}` }, payload: { members: ['bob'] } });
    const conv = res.json().id as string;
    const [alice, bob] = [await connect('alice'), await connect('bob')];
    const N = 200;
    for (let k = 0; k < N; k++) {
      alice.send({ type: 'send', ref: `a${k}`, conversation_id: conv, text: `a${k}` });
      bob.send({ type: 'send', ref: `b${k}`, conversation_id: conv, text: `b${k}` });
    }
    for (const c of [alice, bob]) await c.until(() => c.messages(conv).length >= 2 * N && c.ofType('ack').length >= N, 30_000, 'all frames');
    for (const c of [alice, bob]) {
      expect(c.messages(conv).map((m) => m.seq)).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
      const ackAt = new Map<string, number>();
      const frameAt = new Map<string, number>();
      c.frames.forEach((f, i) => {
        if (f.type === 'ack') ackAt.set(f.message.id, i);
        if (f.type === 'message') frameAt.set(f.message.id, i);
      });
      expect(ackAt.size).toBe(N);
      const late = [...ackAt].filter(([id, i]) => !(i < frameAt.get(id)!));
      expect(late).toEqual([]);
    }
  });
});
