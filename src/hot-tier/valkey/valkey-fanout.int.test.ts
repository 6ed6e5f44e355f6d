// ValkeyFanout against a real server: two "nodes" (two hot-tier connections) on one prefix;
// ingest's SPUBLISH reaches the conversation topic, user topics are separate, and a node that
// unsubscribed gets nothing more.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ValkeyHotTier } from './valkey-hot-tier.js';
import { uniqueName } from '../../../test/unique.js';
import { conversationTopic, userTopic } from '../fanout.js';
import { ValkeyFanout } from './valkey-fanout.js';

const conv = '0190a0b4-0000-7000-8000-00000000000c';
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function node(prefix: string) {
  const hot = await ValkeyHotTier.connect(inject('valkeyUrl'), { prefix, partitions: 4 });
  const fanout = new ValkeyFanout(hot);
  closers.push(() => hot.close(), () => fanout.close());
  return { hot, fanout };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('ValkeyFanout', () => {
  it('delivers ingest frames and published frames across connections, per topic', async () => {
    const prefix = uniqueName('fan');
    const a = await node(prefix);
    const b = await node(prefix);
    const room: string[] = [];
    const bob: string[] = [];
    const onRoom = (f: string) => room.push(f);
    await b.fanout.subscribe(conversationTopic(conv), onRoom);
    await b.fanout.subscribe(userTopic('bob'), (f) => bob.push(f));
    await a.hot.seed(conv, 0, [], 10);
    await a.hot.ingest({ conversationId: conv, head: `{"id":"m","conversation_id":"${conv}","seq":`, tail: '}', dedupTtlS: 60, recentLimit: 10, maxBacklog: 100 });
    await a.fanout.publish(conversationTopic(conv), '{"type":"typing"}');
    await a.fanout.publish(userTopic('bob'), '{"type":"receipt"}');
    await a.fanout.publish(userTopic('carol'), '{"type":"receipt","for":"carol"}');
    await until(() => room.length === 2 && bob.length === 1);
    expect(room).toEqual([`{"type":"message","message":{"id":"m","conversation_id":"${conv}","seq":1}}`, '{"type":"typing"}']);
    expect(bob).toEqual(['{"type":"receipt"}']);

    await b.fanout.unsubscribe(conversationTopic(conv), onRoom);
    await a.fanout.publish(conversationTopic(conv), 'late');
    await a.fanout.publish(userTopic('bob'), 'marker');
    await until(() => bob.length === 2);
    expect(room).toHaveLength(2);
  });
});
