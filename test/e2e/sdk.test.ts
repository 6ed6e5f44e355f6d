// Acceptance 1: the SDK against two (then three) `strata start` nodes sharing real Valkey +
// PostgreSQL. Two clients converse across nodes; bob's node is killed while alice sends 100,
// bob fails over to the other node and ends with all 100 exactly once and in order; a send
// whose ack was lost is retried after the reconnect with the same client_id and stored once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Strata, type Message } from '../../src/sdk/index.js';
import { createDatabase, startStrataServer, type StrataServer } from '../helpers/strata-server.js';
import { waitFor } from '../services/ports.js';
import { uniqueName } from '../unique.js';

const nodes: StrataServer[] = [];
let shared: Record<string, string>;
const node = async () => {
  const n = await startStrataServer(shared);
  nodes.push(n);
  return n;
};
const clients: Strata[] = [];
function client(user: string, rest: StrataServer, endpoints: StrataServer[], WebSocketImpl?: new (url: string) => unknown) {
  const c = new Strata({ baseUrl: rest.url, token: () => rest.token(user), endpoints: endpoints.map((n) => n.url), minBackoffMs: 300, maxBackoffMs: 1000, ackTimeoutMs: 1000, ...(WebSocketImpl ? { WebSocket: WebSocketImpl as never } : {}) });
  clients.push(c);
  return c;
}
function inbox(c: Strata, conv: string) {
  const got: Message[] = [];
  c.socket.on('message', (m) => m.conversation_id === conv && got.push(m));
  return got;
}

beforeAll(async () => {
  shared = { DATABASE_URL: await createDatabase(), VALKEY_PREFIX: uniqueName('sdk') };
  await Promise.all([node(), node()]);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('SDK against two API nodes on Valkey + PostgreSQL', () => {
  it('two clients converse; a killed node costs bob nothing: 100 messages, once each, in order', async () => {
    const [a, b] = nodes;
    const alice = client('alice', b, [b]);
    const bob = client('bob', b, [a, b]); // bob's socket lands on node a first
    const conv = (await alice.rest.createConversation({ members: ['bob'] })).id;
    const bobGot = inbox(bob, conv);
    const aliceGot = inbox(alice, conv);
    alice.socket.track(conv);
    bob.socket.track(conv);
    await Promise.all([alice.socket.connect(), bob.socket.connect()]);
    expect(bob.socket.endpointUrl).toBe(a.url);

    await alice.socket.send(conv, 'hi bob');
    await waitFor('bob to get hi', async () => bobGot.length === 1, 5000);
    await bob.socket.send(conv, 'hi alice');
    await waitFor('alice to get the answer', async () => aliceGot.length === 2, 5000);
    expect(aliceGot.map((m) => [m.seq, m.sender, m.text])).toEqual([[1, 'alice', 'hi bob'], [2, 'bob', 'hi alice']]);

    const dropped = new Promise((r) => bob.socket.on('disconnect', r));
    await a.kill();
    await dropped;
    const acks = await Promise.all(Array.from({ length: 100 }, (_, i) => alice.socket.send(conv, `n${i + 1}`)));
    expect(new Set(acks.map((m) => m.seq)).size).toBe(100);
    await waitFor('bob to catch up on node b', async () => bobGot.length >= 102, 30_000);
    // Sentinel: one more message. The node sends a conversation's frames in seq order (a resume
    // replays before the live frames it held back), so a late duplicate would come before it.
    const sentinel = await alice.socket.send(conv, 'sentinel');
    await waitFor('bob to get the sentinel', async () => bobGot.some((m) => m.id === sentinel.id), 30_000);
    expect(bob.socket.endpointUrl).toBe(b.url);
    expect(bobGot.map((m) => m.seq)).toEqual(Array.from({ length: 103 }, (_, i) => i + 1)); // the 102 once each, then the sentinel
    expect(bobGot[102].text).toBe('sentinel');
    const texts = bobGot.slice(2, 102).map((m) => m.text).sort((x, y) => Number(x!.slice(1)) - Number(y!.slice(1)));
    expect(texts).toEqual(Array.from({ length: 100 }, (_, i) => `n${i + 1}`));
  });

  it('a send whose ack was lost is retried after the reconnect and stored once', async () => {
    const c = await node();
    const b = nodes[1];
    let lose = true;
    // Loses the first ack on the wire and cuts the connection, as a node or network failure would.
    class LossyWs {
      onopen: ((ev: unknown) => void) | null = null;
      onclose: ((ev: { code: number; reason: string }) => void) | null = null;
      onerror: ((ev: unknown) => void) | null = null;
      onmessage: ((ev: { data: unknown }) => void) | null = null;
      private inner: WebSocket;
      constructor(url: string) {
        this.inner = new WebSocket(url);
        this.inner.onopen = (ev) => this.onopen?.(ev);
        this.inner.onclose = (ev) => this.onclose?.(ev);
        this.inner.onerror = (ev) => this.onerror?.(ev);
        this.inner.onmessage = (ev) => {
          if (lose && String(ev.data).includes('"type":"ack"')) {
            lose = false;
            this.inner.terminate();
            return;
          }
          this.onmessage?.(ev);
        };
      }
      get readyState() {
        return this.inner.readyState;
      }
      send(data: string) {
        this.inner.send(data);
      }
      close(code?: number, reason?: string) {
        this.inner.close(code, reason);
      }
    }
    const bob = client('bob', b, [c, b], LossyWs);
    const alice = client('alice', b, [b]);
    const conv = (await alice.rest.createConversation({ members: ['bob'] })).id;
    await bob.socket.connect();
    const reconnected = new Promise((r) => bob.socket.on('disconnect', r));
    const acked = await bob.socket.send(conv, 'exactly once', { client_id: 'sdk-lost-ack' });
    await reconnected;
    expect(lose).toBe(false); // the first ack really was lost
    expect(acked).toMatchObject({ seq: 1, client_id: 'sdk-lost-ack', text: 'exactly once' });
    const page = await alice.rest.history(conv);
    expect(page.messages.map((m) => [m.seq, m.text])).toEqual([[1, 'exactly once']]);
    expect((await alice.rest.send(conv, 'next')).seq).toBe(2); // no hidden second copy took a seq
  });
});
