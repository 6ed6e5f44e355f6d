// Acceptance 5: bob reads up to seq 10 (a `read` frame on node 2) → alice gets a live receipt
// and her receipts (REST on node 3) show bob read ≥ 10; carol (a member, not the sender) and
// dave (not a member) cannot see them; unread counts follow the reads and never go backwards.
import { expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { call } from '../helpers/nodes.js';
import { threeNodeSuite } from '../helpers/node-suite.js';
import { WsClient } from '../helpers/ws-client.js';

const suite = threeNodeSuite();
const { sockets } = suite;

async function unread(node: string, user: string, conversationId: string): Promise<number> {
  const { body } = await call(node, await suite.cluster.token(user), 'GET', '/v1/conversations');
  return body.conversations.find((c: { id: string }) => c.id === conversationId).unread;
}

it('keeps read watermarks, shows them to the sender only, and counts unread', async () => {
  const [n1, n2, n3] = suite.cluster.nodes;
  const tok = { alice: await suite.cluster.token('alice'), carol: await suite.cluster.token('carol'), dave: await suite.cluster.token('dave') };
  const { body: conv } = await call(n1.url, tok.alice, 'POST', '/v1/conversations', { members: ['bob', 'carol'] });
  const alice = await WsClient.connect(n1.url, tok.alice);
  const bob = await WsClient.connect(n2.url, await suite.cluster.token('bob'));
  sockets.push(alice, bob);
  const sent = [];
  for (let i = 1; i <= 12; i++) sent.push((await call(n1.url, tok.alice, 'POST', `/v1/conversations/${conv.id}/messages`, { text: `m${i}` })).body);
  await bob.until(() => bob.messages(conv.id).length === 12);

  bob.send({ type: 'read', conversation_id: conv.id, seq: 10 });
  expect(await alice.waitFor((f) => f.type === 'receipt')).toEqual({ type: 'receipt', conversation_id: conv.id, user: 'bob', read_seq: 10 });
  const tenth = sent[9];
  // the message may still be on its way to PostgreSQL (MESSAGE_NOT_FOUND for a few ms on other nodes)
  const receipts: any[] = await eventually("bob's read on node 3", async () => {
    const list: any[] = (await call(n3.url, tok.alice, 'GET', `/v1/messages/${tenth.id}/receipts`)).body.receipts ?? [];
    return list.find((r) => r.user === 'bob')?.read && list;
  });
  expect(receipts).toEqual(expect.arrayContaining([
    { user: 'bob', delivered: true, read: true, delivered_seq: 12, read_seq: 10 },
    expect.objectContaining({ user: 'carol', read: false, read_seq: 0 }),
  ]));
  expect(receipts.map((r) => r.user).sort()).toEqual(['bob', 'carol']);
  expect((await call(n2.url, tok.carol, 'GET', `/v1/messages/${tenth.id}/receipts`)).body).toMatchObject({ code: 'FORBIDDEN' });
  expect((await call(n2.url, tok.dave, 'GET', `/v1/messages/${tenth.id}/receipts`)).status).toBe(404);

  expect(await unread(n3.url, 'bob', conv.id)).toBe(2);
  expect(await unread(n3.url, 'carol', conv.id)).toBe(12);
  expect((await call(n2.url, tok.carol, 'POST', `/v1/conversations/${conv.id}/read`, { seq: 12 })).body).toEqual({ conversation_id: conv.id, read_seq: 12 });
  expect(await unread(n1.url, 'carol', conv.id)).toBe(0);
  await call(n3.url, tok.carol, 'POST', `/v1/conversations/${conv.id}/read`, { seq: 4 }); // never backwards
  expect(await unread(n1.url, 'carol', conv.id)).toBe(0);
  expect((await call(n1.url, tok.dave, 'POST', `/v1/conversations/${conv.id}/read`, { seq: 1 })).status).toBe(404);
}, 60_000);
