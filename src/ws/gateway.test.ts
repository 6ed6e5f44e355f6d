// The gateway in-process (memory hot tier, SQLite): upgrade auth, send/ack, live delivery,
// edits and reactions fanned out, typing to others only, resume and its bound, receipts.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';
import { WsClient } from '../../test/helpers/ws-client.js';

let stack: TestStack;
let base: string;
const clients: WsClient[] = [];

async function connect(user: string) {
  const c = await WsClient.connect(base, await stack.token(user));
  clients.push(c);
  return c;
}

async function rest(user: string, method: string, url: string, body?: unknown) {
  const res = await stack.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${await stack.token(user)}` }, payload: body as object });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

beforeAll(async () => {
  stack = await makeStack({ gateway: { resumeMax: 20 } });
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.close();
});

describe('gateway (memory + SQLite)', () => {
  it('refuses a bad token before the upgrade', async () => {
    await expect(WsClient.connect(base, 'nope')).rejects.toMatchObject({ status: 401 });
  });

  it('acks a send with its ref and delivers it live to members only', async () => {
    const [alice, bob, carol] = [await connect('alice'), await connect('bob'), await connect('carol')];
    const { body: conv } = await rest('alice', 'POST', '/v1/conversations', { members: ['bob'] });
    await bob.waitFor((f) => f.type === 'membership' && f.conversation_id === conv.id);
    alice.send({ type: 'send', ref: 'r1', conversation_id: conv.id, text: 'hi' });
    const ack = await alice.waitFor((f) => f.type === 'ack');
    expect(ack).toMatchObject({ ref: 'r1', message: { seq: 1, text: 'hi', sender: 'alice' } });
    await bob.until(() => bob.messages(conv.id).length === 1);
    expect(carol.ofType('message')).toEqual([]);

    bob.send({ type: 'react', message_id: ack.message.id, reaction: '👍' });
    await alice.waitFor((f) => f.type === 'reaction' && f.user === 'bob' && f.reaction === '👍' && f.removed === false);
    expect((await rest('alice', 'PATCH', `/v1/messages/${ack.message.id}`, { text: 'hello' })).status).toBe(200);
    await bob.waitFor((f) => f.type === 'edit' && f.message.text === 'hello');

    bob.send({ type: 'typing', conversation_id: conv.id });
    await alice.waitFor((f) => f.type === 'typing' && f.user === 'bob' && f.expires_in_ms > 0);
    bob.send({ type: 'ping', ref: 7 });
    await bob.waitFor((f) => f.type === 'pong' && f.ref === 7);
    expect(bob.ofType('typing')).toEqual([]);
  });

  it('resumes in order, and refuses a resume beyond the bound', async () => {
    const alice = await connect('alice');
    const { body: conv } = await rest('alice', 'POST', '/v1/conversations', { members: ['dave'] });
    for (let i = 1; i <= 30; i++) await rest('alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: `m${i}` });
    const dave = await connect('dave');
    dave.send({ type: 'resume', ref: 'a', conversation_id: conv.id, after_seq: 15 });
    const resumed = await dave.waitFor((f) => f.type === 'resumed');
    expect(resumed).toMatchObject({ ref: 'a', conversation_id: conv.id, last_seq: 30 });
    expect(dave.messages(conv.id).map((m) => m.seq)).toEqual(Array.from({ length: 15 }, (_, i) => 16 + i));
    dave.send({ type: 'resume', ref: 'b', conversation_id: conv.id, after_seq: 0 });
    expect(await dave.waitFor((f) => f.type === 'error' && f.ref === 'b')).toMatchObject({ code: 'RESUME_TOO_FAR' });
    alice.close();
  });

  it('announces presence to users who share a conversation, and serves last_seen', async () => {
    await rest('erin', 'POST', '/v1/conversations', { members: ['frank'] });
    const erin = await connect('erin');
    const frank = await connect('frank');
    expect(await erin.waitFor((f) => f.type === 'presence' && f.user === 'frank')).toEqual({ type: 'presence', user: 'frank', online: true });
    expect((await rest('erin', 'GET', '/v1/users/frank/presence')).body).toMatchObject({ user: 'frank', online: true });
    frank.close();
    await erin.waitFor((f) => f.type === 'presence' && f.user === 'frank' && f.online === false);
    const seen = (await rest('erin', 'GET', '/v1/users/frank/presence')).body;
    expect(seen).toMatchObject({ online: false, last_seen: expect.any(String) });
    expect(erin.ofType('presence').filter((f) => f.user === 'erin')).toEqual([]);
  });

  it('shows read receipts to the sender only and counts unread', async () => {
    const { body: conv } = await rest('alice', 'POST', '/v1/conversations', { members: ['bob', 'carol'] });
    const sent = [];
    for (let i = 1; i <= 12; i++) sent.push((await rest('alice', 'POST', `/v1/conversations/${conv.id}/messages`, { text: `m${i}` })).body);
    expect((await rest('bob', 'POST', `/v1/conversations/${conv.id}/read`, { seq: 10 })).body).toEqual({ conversation_id: conv.id, read_seq: 10 });
    await rest('bob', 'POST', `/v1/conversations/${conv.id}/read`, { seq: 3 }); // never backwards
    const r = await rest('alice', 'GET', `/v1/messages/${sent[9].id}/receipts`);
    expect(r.body.receipts).toEqual(expect.arrayContaining([expect.objectContaining({ user: 'bob', read: true, read_seq: 10 }), expect.objectContaining({ user: 'carol', read: false })]));
    expect((await rest('carol', 'GET', `/v1/messages/${sent[0].id}/receipts`)).body).toMatchObject({ code: 'FORBIDDEN' });
    const list = (await rest('bob', 'GET', '/v1/conversations')).body.conversations;
    expect(list.find((c: { id: string }) => c.id === conv.id)).toMatchObject({ last_seq: 12, unread: 2 });
  });
});

describe('gateway: token expiry', () => {
  it('closes a socket whose token expired with 4004 (reconnect with a fresh token); pings keep it open until then', async () => {
    const s = await makeStack({ gateway: { idleTimeoutMs: 600 } }); // heartbeat every 200 ms
    try {
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
      const { mintToken } = await import('../auth/tokens.js');
      const { SECRET } = await import('../../test/helpers/app.js');
      const token = await mintToken(SECRET, 'alice', { ttlS: 2 });
      const expiresAt = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp * 1000;
      const c = await WsClient.connect(url, token);
      const closed = await c.closed;
      expect(closed.code).toBe(4004);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt); // not before the token's expiry
      const fresh = await WsClient.connect(url, await mintToken(SECRET, 'alice', { ttlS: 60 }));
      // Five heartbeats (one every 200 ms) outlast the idle timeout (600 ms): a socket whose pongs
      // did not count would have been closed (4002) by the fourth. Only the client's automatic
      // pongs answer them; then a ping frame shows the socket is still open and served.
      const heartbeats = new Promise<void>((resolve) => {
        let n = 0;
        fresh.ws.on('ping', () => ++n === 5 && resolve());
      });
      await Promise.race([heartbeats, fresh.closed.then((e) => Promise.reject(new Error(`closed ${e.code} before five heartbeats`)))]);
      await fresh.sync();
      fresh.close();
    } finally {
      await s.close();
    }
  });
});
