// Acceptance 3: bob disconnects, 300 messages are sent, bob reconnects to ANOTHER node and
// resumes from his last seq: exactly the 300, in order, then `resumed`.
import { expect, it } from 'vitest';
import { call } from '../helpers/nodes.js';
import { threeNodeSuite } from '../helpers/node-suite.js';
import { WsClient } from '../helpers/ws-client.js';

const suite = threeNodeSuite({ RECENT_LIMIT: '100' });
const { sockets } = suite;

it('replays exactly what was missed, from the ring or the warm store, in order, then resumed', async () => {
  const [n1, n2, n3] = suite.cluster.nodes;
  const aliceToken = await suite.cluster.token('alice');
  const { body: conv } = await call(n1.url, aliceToken, 'POST', '/v1/conversations', { members: ['bob'] });
  const bob = await WsClient.connect(n2.url, await suite.cluster.token('bob'));
  sockets.push(bob);
  for (let i = 1; i <= 5; i++) await call(n1.url, aliceToken, 'POST', `/v1/conversations/${conv.id}/messages`, { text: `before ${i}` });
  await bob.until(() => bob.messages(conv.id).length === 5);
  const last = bob.messages(conv.id).at(-1)!.seq;
  bob.close();
  await bob.closed;

  // 300 > RECENT_LIMIT=100: the older part of the replay comes from PostgreSQL
  for (let i = 1; i <= 300; i++) await call(n1.url, aliceToken, 'POST', `/v1/conversations/${conv.id}/messages`, { text: `missed ${i}` });

  const again = await WsClient.connect(n3.url, await suite.cluster.token('bob'));
  sockets.push(again);
  again.send({ type: 'resume', ref: 'r', conversation_id: conv.id, after_seq: last });
  const resumed = await again.waitFor((f) => f.type === 'resumed', 30_000);
  expect(resumed).toEqual({ type: 'resumed', ref: 'r', conversation_id: conv.id, last_seq: last + 300 });
  const before = again.frames.slice(0, again.frames.indexOf(resumed)).filter((f) => f.type === 'message');
  expect(before.map((f) => f.message.seq)).toEqual(Array.from({ length: 300 }, (_, i) => last + 1 + i));
  expect(before.map((f) => f.message.text)).toEqual(Array.from({ length: 300 }, (_, i) => `missed ${i + 1}`));
  expect(again.frames.filter((f) => f.type === 'message')).toHaveLength(300);
}, 90_000);
