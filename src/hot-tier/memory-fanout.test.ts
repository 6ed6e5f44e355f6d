// The memory Fanout: conversation topics share MemoryHotTier's event names (ingest's message
// frames arrive on them), user topics are separate, unsubscribe stops delivery.
import { describe, expect, it } from 'vitest';
import { MemoryHotTier } from './memory-hot-tier.js';
import { conversationTopic, userTopic } from './fanout.js';
import { MemoryFanout } from './memory-fanout.js';

const conv = '0190a0b4-0000-7000-8000-00000000000c';

describe('MemoryFanout', () => {
  it('receives what ingest publishes and what is published on a topic, in order', async () => {
    const hot = new MemoryHotTier(2);
    const fanout = new MemoryFanout(hot.events);
    const got: string[] = [];
    const listener = (f: string) => got.push(f);
    await fanout.subscribe(conversationTopic(conv), listener);
    await hot.seed(conv, 0, [], 10);
    await hot.ingest({ conversationId: conv, head: `{"id":"m","conversation_id":"${conv}","seq":`, tail: '}', dedupTtlS: 60, recentLimit: 10, maxBacklog: 100 });
    await fanout.publish(conversationTopic(conv), '{"type":"typing"}');
    expect(got).toEqual([`{"type":"message","message":{"id":"m","conversation_id":"${conv}","seq":1}}`, '{"type":"typing"}']);
    await fanout.unsubscribe(conversationTopic(conv), listener);
    await fanout.publish(conversationTopic(conv), 'after');
    expect(got).toHaveLength(2);
    await hot.close();
  });

  it('keeps user topics apart from conversation topics', async () => {
    const fanout = new MemoryFanout(new MemoryHotTier(1).events);
    const bob: string[] = [];
    const room: string[] = [];
    await fanout.subscribe(userTopic('bob'), (f) => bob.push(f));
    await fanout.subscribe(conversationTopic(conv), (f) => room.push(f));
    await fanout.publish(userTopic('bob'), 'for bob');
    await fanout.publish(userTopic('carol'), 'for carol');
    expect(bob).toEqual(['for bob']);
    expect(room).toEqual([]);
  });
});
