// Acceptance 1 and 2 of the gateway: three API nodes on one Valkey and one PostgreSQL; live
// delivery across nodes once per socket, in seq order, members only; acks carry the ref.
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/nodes.js';
import { threeNodeSuite } from '../helpers/node-suite.js';
import { WsClient } from '../helpers/ws-client.js';

const suite = threeNodeSuite();
const { sockets } = suite;

async function connect(node: number, user: string) {
  const c = await WsClient.connect(suite.cluster.nodes[node].url, await suite.cluster.token(user));
  sockets.push(c);
  return c;
}

describe('live delivery across three nodes', () => {
  it('alice on node 1 sends; bob on nodes 2 and 3 get it once each; carol gets nothing; the ack has the ref', async () => {
    const { body: conv } = await call(suite.cluster.nodes[0].url, await suite.cluster.token('alice'), 'POST', '/v1/conversations', { members: ['bob'] });
    const alice = await connect(0, 'alice');
    const bob2 = await connect(1, 'bob');
    const bob3 = await connect(2, 'bob');
    const carol = await connect(1, 'carol');
    alice.send({ type: 'send', ref: 'ref-1', conversation_id: conv.id, text: 'hello', client_id: 'c-1' });
    const ack = await alice.waitFor((f) => f.type === 'ack');
    expect(ack).toMatchObject({ ref: 'ref-1', message: { conversation_id: conv.id, seq: 1, sender: 'alice', text: 'hello', client_id: 'c-1' } });
    await bob2.until(() => bob2.messages(conv.id).length >= 1);
    await bob3.until(() => bob3.messages(conv.id).length >= 1);
    // the same client_id again: the same message, no new delivery
    alice.send({ type: 'send', ref: 'ref-2', conversation_id: conv.id, text: 'hello', client_id: 'c-1' });
    expect(await alice.waitFor((f) => f.type === 'ack' && f.ref === 'ref-2')).toMatchObject({ message: { id: ack.message.id, seq: 1 } });
    // sentinel: alice's typing frame travels the conversation's topic after anything the retry
    // could have published, so once bob's sockets have it, no second delivery is on its way
    alice.send({ type: 'typing', conversation_id: conv.id });
    await bob2.waitFor((f) => f.type === 'typing');
    await bob3.waitFor((f) => f.type === 'typing');
    expect(bob2.messages(conv.id)).toEqual([ack.message]);
    expect(bob3.messages(conv.id)).toEqual([ack.message]);
    expect(carol.ofType('message')).toEqual([]);
  });

  it('10 senders × 500 messages across the nodes: every member socket sees seq 1..5000 once, in order', async () => {
    const senders = Array.from({ length: 10 }, (_, i) => `sender${i}`);
    const { body: conv } = await call(suite.cluster.nodes[0].url, await suite.cluster.token('sender0'), 'POST', '/v1/conversations', { members: [...senders.slice(1), 'watcher'] });
    const sockets = await Promise.all(senders.map((u, i) => connect(i % 3, u)));
    const watchers = await Promise.all([0, 1, 2].map((n) => connect(n, 'watcher')));
    sockets.forEach((s, i) => {
      for (let k = 0; k < 500; k++) s.send({ type: 'send', ref: k, conversation_id: conv.id, text: `${senders[i]} #${k}` });
    });
    const expected = Array.from({ length: 5000 }, (_, i) => i + 1);
    for (const s of [...sockets, ...watchers]) {
      await s.until(() => s.messages(conv.id).length >= 5000, 60_000, '5000 messages');
      expect(s.messages(conv.id).map((m) => m.seq)).toEqual(expected);
    }
    for (const s of sockets) expect(s.ofType('ack')).toHaveLength(500);
    expect(sockets.flatMap((s) => s.ofType('error'))).toEqual([]);
  }, 120_000);
});
