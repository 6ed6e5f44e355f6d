// Acceptance 6: a client that stops reading is cut off with the slow-consumer close code (4001)
// while the other members keep receiving everything, and the node's memory stays bounded.
import { expect, it } from 'vitest';
import { call } from '../helpers/nodes.js';
import { threeNodeSuite } from '../helpers/node-suite.js';
import { WsClient } from '../helpers/ws-client.js';

const suite = threeNodeSuite();
const { sockets } = suite;

async function metric(node: string, name: string): Promise<number> {
  const text = await (await fetch(`${node}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

it('closes a socket that does not read with 4001; the others get every message', async () => {
  const [n1, n2, n3] = suite.cluster.nodes;
  const { body: conv } = await call(n1.url, await suite.cluster.token('alice'), 'POST', '/v1/conversations', { members: ['bob', 'sam'] });
  const alice = await WsClient.connect(n1.url, await suite.cluster.token('alice'));
  const sam = await WsClient.connect(n2.url, await suite.cluster.token('sam'));
  const bob = await WsClient.connect(n3.url, await suite.cluster.token('bob'));
  sockets.push(alice, sam, bob);
  const rssBefore = await metric(n2.url, 'process_resident_memory_bytes');
  sam.ws.pause(); // stops reading: the kernel buffers fill, then the node's send buffer

  const N = 4000; // × ~4 KB = ~16 MB per member: more than the socket buffers of loopback + 1 MiB
  const text = 'x'.repeat(3900);
  for (let i = 0; i < N; i++) alice.send({ type: 'send', ref: i, conversation_id: conv.id, text });
  await bob.until(() => bob.messages(conv.id).length >= N, 90_000, `${N} messages`);
  expect(bob.messages(conv.id).map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  await alice.until(() => alice.messages(conv.id).length >= N, 30_000);

  for (let i = 0; i < 100 && (await metric(n2.url, 'strata_ws_closed{code="4001"}')) < 1; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await metric(n2.url, 'strata_ws_closed{code="4001"}')).toBe(1);
  const rssAfter = await metric(n2.url, 'process_resident_memory_bytes');
  expect(rssAfter - rssBefore).toBeLessThan(64 * 1024 * 1024); // nowhere near the 16 MB × backlog it would hold unbounded
  sam.ws.resume();
  expect((await sam.closed).code).toBe(4001);
  expect(sam.messages(conv.id).length).toBeLessThan(N);
}, 150_000);
