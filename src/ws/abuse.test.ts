// A socket that sends garbage is answered, then cut off with a terminal code — and a socket
// that reads promptly is never called slow, however large one burst (memory + SQLite, real
// sockets in-process).
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import { WsClient } from '../../test/helpers/ws-client.js';
import { BAD_FRAME_LIMIT } from './connection.js';

let s: TestStack;
let base: string;
const clients: WsClient[] = [];
beforeAll(async () => {
  s = await makeStack({ config: { rateLimit: 0 } });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await s?.close();
});

async function connect(user: string) {
  const c = await WsClient.connect(base, await s.token(user));
  clients.push(c);
  return c;
}

describe('abuse and bursts', () => {
  it('10,000 garbage frames: each of the first BAD_FRAME_LIMIT answered, then close 4429 (terminal), never 4001', async () => {
    const c = await connect('mallory');
    c.ws.on('message', () => undefined); // a prompt reader
    for (let i = 0; i < 10_000; i++) c.send('{garbage:13}');
    const closed = await c.closed;
    expect(closed.code).toBe(4429);
    const errors = c.ofType('error');
    expect(errors.length).toBe(BAD_FRAME_LIMIT + 1);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['BAD_JSON']));
  });

  it('valid frames that fail (not a member) do not count as bad frames', async () => {
    const c = await connect('walter');
    for (let i = 0; i < BAD_FRAME_LIMIT + 20; i++) c.send({ type: 'send', ref: i, conversation_id: '0190c8a4-0000-7000-8000-000000000000', text: 'x' });
    await c.until(() => c.ofType('error').length >= BAD_FRAME_LIMIT + 20, 15_000, 'all answers');
    await c.sync();
    expect(new Set(c.ofType('error').map((e) => e.code))).toEqual(new Set(['CONVERSATION_NOT_FOUND']));
  });

  it('a prompt reader gets a resume burst larger than the buffer bound without being called slow', async () => {
    const auth = { authorization: `Bearer ${await s.token('rita')}` };
    const conv = (await s.app.inject({ method: 'POST', url: '/v1/conversations', headers: auth, payload: { members: ['sam'] } })).json().id;
    const text = 'x'.repeat(1900);
    for (let i = 0; i < 1000; i++) await s.app.inject({ method: 'POST', url: `/v1/conversations/${conv}/messages`, headers: auth, payload: { text } });
    const c = await connect('sam');
    c.send({ type: 'resume', ref: 'r', conversation_id: conv, after_seq: 0 }); // ~2 MB, twice WS_MAX_BUFFER_BYTES
    expect(await c.waitFor((f) => f.type === 'resumed' || f.type === 'error')).toMatchObject({ type: 'resumed', last_seq: 1000 });
    expect(c.messages(conv)).toHaveLength(1000);
    await c.sync(); // still open, still answering
  });
});
