// Acceptance 4: a removed member gets no further frames of the conversation; a member added
// while connected (on another node than the one that added them) gets its messages without
// reconnecting.
import { expect, it } from 'vitest';
import { call } from '../helpers/nodes.js';
import { threeNodeSuite } from '../helpers/node-suite.js';
import { WsClient } from '../helpers/ws-client.js';

const suite = threeNodeSuite();
const { sockets } = suite;

it('follows membership changes at once, across nodes', async () => {
  const [n1, n2, n3] = suite.cluster.nodes;
  const alice = await suite.cluster.token('alice');
  const { body: c1 } = await call(n1.url, alice, 'POST', '/v1/conversations', { members: ['bob', 'carol'], kind: 'group' });
  // bob's other conversation: carries the sentinel below (created before bob connects, so it
  // brings him no membership frame)
  const { body: dm } = await call(n1.url, alice, 'POST', '/v1/conversations', { members: ['bob'] });
  const bob = await WsClient.connect(n2.url, await suite.cluster.token('bob'));
  const carol = await WsClient.connect(n3.url, await suite.cluster.token('carol'));
  sockets.push(bob, carol);
  await call(n1.url, alice, 'POST', `/v1/conversations/${c1.id}/messages`, { text: 'for everyone' });
  await bob.until(() => bob.messages(c1.id).length === 1);

  expect((await call(n1.url, alice, 'DELETE', `/v1/conversations/${c1.id}/members/bob`)).status).toBe(204);
  for (let i = 0; i < 5; i++) await call(n3.url, alice, 'POST', `/v1/conversations/${c1.id}/messages`, { text: `after removal ${i}` });
  await carol.until(() => carol.messages(c1.id).length === 6);
  // Sentinel: a message to bob published by the same node after the five. Bob's node gets all
  // its subscriptions over one connection to the one Valkey server, in publish order, and queues
  // them to the socket in that order: anything of c1 it still forwarded would arrive first.
  await call(n3.url, alice, 'POST', `/v1/conversations/${dm.id}/messages`, { text: 'sentinel' });
  await bob.until(() => bob.messages(dm.id).length === 1);
  expect(bob.messages(c1.id).map((m) => m.text)).toEqual(['for everyone']);
  expect(bob.ofType('membership')).toEqual([expect.objectContaining({ conversation_id: c1.id, user: 'bob', change: 'removed' })]);

  const { body: c2 } = await call(n1.url, alice, 'POST', '/v1/conversations', { members: ['carol'], kind: 'group' });
  expect((await call(n3.url, alice, 'POST', `/v1/conversations/${c2.id}/members`, { user: 'bob' })).status).toBe(201);
  // the 201 is sent once every node was told; bob's node subscribes, then forwards the change
  await bob.waitFor((f) => f.type === 'membership' && f.conversation_id === c2.id && f.change === 'added');
  for (let i = 1; i <= 3; i++) await call(n1.url, alice, 'POST', `/v1/conversations/${c2.id}/messages`, { text: `welcome ${i}` });
  await bob.until(() => bob.messages(c2.id).length === 3);
  expect(bob.messages(c2.id).map((m) => m.seq)).toEqual([1, 2, 3]);
}, 60_000);
