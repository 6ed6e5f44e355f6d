// Every seq/cursor that enters the API is an integer from 0 (or 1) to 2^53−1, or a 400: JSON
// numbers beyond it (1e400 parses to Infinity) and query strings that only coerce to numbers
// (0x10, " 1", Infinity, 1e3) are refused, and no frame is built around a number JSON cannot
// carry (a `resumed` once said `"last_seq":Infinity`). memory + SQLite, a real socket.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import { WsClient } from '../../test/helpers/ws-client.js';

let s: TestStack;
let base: string;
let conv: string;
let auth: Record<string, string>;
const clients: WsClient[] = [];
beforeAll(async () => {
  s = await makeStack();
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  auth = { authorization: `Bearer ${await s.token('alice')}`, 'content-type': 'application/json' };
  conv = (await s.app.inject({ method: 'POST', url: '/v1/conversations', headers: auth, payload: { members: ['bob'] } })).json().id;
  for (const text of ['one', 'two', 'three']) await s.app.inject({ method: 'POST', url: `/v1/conversations/${conv}/messages`, headers: auth, payload: { text } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await s?.close();
});

describe('numbers at the edges', () => {
  it('refuses history cursors that are not plain decimal integers within 2^53−1', async () => {
    for (const q of ['before=1e400', 'after=Infinity', 'after=0x10', 'after=%201', 'after=1e3', 'after=-1', 'after=1.5', 'before=9007199254740992', 'after=1&after=2', 'limit=0x10']) {
      const res = await s.app.inject({ method: 'GET', url: `/v1/conversations/${conv}/messages?${q}`, headers: auth });
      expect({ q, status: res.statusCode, code: res.json().code }).toEqual({ q, status: 400, code: 'VALIDATION_FAILED' });
    }
    const ok = await s.app.inject({ method: 'GET', url: `/v1/conversations/${conv}/messages?after=1&limit=10`, headers: auth });
    expect(ok.json().messages.map((m: { seq: number }) => m.seq)).toEqual([2, 3]);
    const top = await s.app.inject({ method: 'GET', url: `/v1/conversations/${conv}/messages?after=9007199254740991`, headers: auth });
    expect(top.statusCode).toBe(200);
  });

  it('refuses a read watermark beyond 2^53−1 (1e400 in the body)', async () => {
    const res = await s.app.inject({ method: 'POST', url: `/v1/conversations/${conv}/read`, headers: auth, payload: '{"seq":1e400}' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it('answers resume after_seq 1e400 with an error frame; resumed always reports the real last position', async () => {
    const ws = await WsClient.connect(base, await s.token('alice'));
    clients.push(ws);
    ws.send(`{"type":"resume","ref":"big","conversation_id":"${conv}","after_seq":1e400}`);
    expect(await ws.waitFor((f) => f.ref === 'big')).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    ws.send({ type: 'read', ref: 'r', conversation_id: conv, seq: 1e300 });
    expect(await ws.waitFor((f) => f.ref === 'r')).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    ws.send({ type: 'resume', ref: 'ahead', conversation_id: conv, after_seq: 1000 });
    expect(await ws.waitFor((f) => f.ref === 'ahead')).toEqual({ type: 'resumed', ref: 'ahead', conversation_id: conv, last_seq: 3 });
    ws.send({ type: 'resume', ref: 'one', conversation_id: conv, after_seq: 1 });
    expect(await ws.waitFor((f) => f.ref === 'one')).toEqual({ type: 'resumed', ref: 'one', conversation_id: conv, last_seq: 3 });
    // every frame the server sent was JSON (WsClient parses each one; a bad one would have thrown)
    expect(ws.frames.every((f) => typeof f.type === 'string')).toBe(true);
  });
});
