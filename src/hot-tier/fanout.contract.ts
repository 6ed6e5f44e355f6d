// The Fanout contract: every adapter (memory over MemoryHotTier.events, Valkey sharded pub/sub)
// must pass this same suite. Each test gets two "nodes" on one bus (one EventEmitter / one key
// prefix) and node a's hot tier. Every adapter guarantees:
//   - a frame published on a topic (or by ingest, on the conversation topic) reaches every
//     listener subscribed to it on any node, the publisher's node included, byte for byte;
//   - frames of one topic from one node arrive in publish order;
//   - topics never mix (user vs conversation topics of the same id, one user vs another);
//   - at-most-once: a node that was not subscribed (not yet, no longer, closed) never gets it;
//   - a listener is in a topic's set at most once; the last one out releases the topic.
// "Nothing more arrived" is proved by a sentinel published afterwards on the same topic from the
// same node: per-topic order means anything else would have arrived before it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { messageTemplate } from '../model/message.js';
import { conversationTopic, userTopic, type Fanout, type Topic } from './fanout.js';
import type { HotTier } from './hot-tier.js';
import { eventually, template } from './hot-tier.test-kit.js';

export interface FanoutNodes {
  a: Fanout;
  b: Fanout;
  /** Node a's hot tier: its ingest publishes message frames through the bus `a` publishes on. */
  hot: HotTier;
  close(): Promise<void>;
}

function collector() {
  const frames: string[] = [];
  return { frames, listener: (f: string) => void frames.push(f) };
}
type Collector = ReturnType<typeof collector>;

export function fanoutContract(name: string, make: () => Promise<FanoutNodes>) {
  describe(`Fanout contract: ${name}`, () => {
    let n: FanoutNodes;
    beforeEach(async () => {
      n = await make();
    });
    afterEach(async () => n?.close());

    /** Publishes a fresh sentinel on `topic` from `from`; resolves once every collector has it. */
    async function sentinel(from: Fanout, topic: Topic, ...cs: Collector[]): Promise<string> {
      const s = `sentinel-${uuidv7()}`;
      await from.publish(topic, s);
      await eventually(`sentinel on ${topic}`, () => cs.every((c) => c.frames.includes(s)));
      return s;
    }

    async function ingest(conversationId: string): Promise<string> {
      await n.hot.seed(conversationId, 0, [], 10);
      const t = template(conversationId, 'hello');
      const input = { conversationId, messageId: t.id, ...messageTemplate(t), dedupTtlS: 60, recentLimit: 10, changeRingLimit: 10, maxBacklog: 100 };
      const r = await n.hot.ingest(input);
      if (r.status !== 'created') throw new Error(`ingest: ${r.status}`);
      return `{"type":"message","cursor":${r.cursor},"message":${r.json}}`;
    }

    it("delivers ingest's message frame, then published frames, to another node, in order", async () => {
      const [c, other] = [uuidv7(), uuidv7()];
      const room = collector();
      await n.b.subscribe(conversationTopic(c), room.listener);
      const frame = await ingest(c);
      await ingest(other); // another conversation: not on this topic
      await n.a.publish(conversationTopic(c), '{"type":"typing"}');
      const s = await sentinel(n.a, conversationTopic(c), room);
      expect(room.frames).toEqual([frame, '{"type":"typing"}', s]);
      expect(JSON.parse(room.frames[0])).toMatchObject({ type: 'message', message: { conversation_id: c, seq: 1, text: 'hello' } });
    });

    it('reaches every subscribed node and every listener, each listener once', async () => {
      const t = conversationTopic(uuidv7());
      const [onA, onB1, onB2] = [collector(), collector(), collector()];
      await n.a.subscribe(t, onA.listener);
      await n.b.subscribe(t, onB1.listener);
      await n.b.subscribe(t, onB2.listener);
      await n.b.subscribe(t, onB2.listener); // already there: still one delivery per frame
      await n.a.publish(t, 'x');
      const s = await sentinel(n.a, t, onA, onB1, onB2);
      for (const c of [onA, onB1, onB2]) expect(c.frames).toEqual(['x', s]);
    });

    it('keeps topics apart: a user and a conversation of the same id, two users', async () => {
      const id = uuidv7();
      const [asUser, asRoom, carol] = [collector(), collector(), collector()];
      await n.b.subscribe(userTopic(id), asUser.listener);
      await n.b.subscribe(conversationTopic(id), asRoom.listener);
      await n.b.subscribe(userTopic(`carol-${id}`), carol.listener);
      await n.a.publish(userTopic(`carol-${id}`), 'for carol');
      await n.a.publish(userTopic(id), 'for the user');
      await n.a.publish(conversationTopic(id), 'for the room');
      const s1 = await sentinel(n.a, userTopic(id), asUser);
      const s2 = await sentinel(n.a, conversationTopic(id), asRoom);
      await eventually('carol', () => carol.frames.length >= 1);
      expect(asUser.frames).toEqual(['for the user', s1]);
      expect(asRoom.frames).toEqual(['for the room', s2]);
      expect(carol.frames).toEqual(['for carol']);
    });

    it('unsubscribe removes one listener; after the last one the node gets nothing published meanwhile', async () => {
      const t = userTopic(`bob-${uuidv7()}`);
      const [l1, l2, l3] = [collector(), collector(), collector()];
      await n.b.subscribe(t, l1.listener);
      await n.b.subscribe(t, l2.listener);
      await n.a.publish(t, 'both');
      await eventually('both on b', () => l1.frames.length === 1 && l2.frames.length === 1);
      await n.b.unsubscribe(t, l1.listener);
      await n.a.publish(t, 'only l2');
      const s1 = await sentinel(n.a, t, l2);
      expect(l1.frames).toEqual(['both']);
      expect(l2.frames).toEqual(['both', 'only l2', s1]);
      await n.b.unsubscribe(t, l2.listener); // the last one out releases the topic
      await n.a.publish(t, 'while nobody listens');
      await n.b.subscribe(t, l3.listener);
      const s2 = await sentinel(n.a, t, l3);
      expect(l3.frames).toEqual([s2]);
      expect(l2.frames).toEqual(['both', 'only l2', s1]);
      // unknown listener or topic: a no-op
      await expect(n.b.unsubscribe(t, l1.listener)).resolves.toBeUndefined();
      await expect(n.b.unsubscribe(conversationTopic(uuidv7()), l1.listener)).resolves.toBeUndefined();
    });

    it('a frame published before anyone subscribed is never delivered', async () => {
      const t = conversationTopic(uuidv7());
      await expect(n.a.publish(t, 'early')).resolves.toBeUndefined();
      const late = collector();
      await n.b.subscribe(t, late.listener);
      const s = await sentinel(n.a, t, late);
      expect(late.frames).toEqual([s]);
    });

    it('keeps per-topic order for a burst of publishes issued without waiting', async () => {
      const [t1, t2] = [conversationTopic(uuidv7()), userTopic(uuidv7())];
      const [c1, c2] = [collector(), collector()];
      await n.b.subscribe(t1, c1.listener);
      await n.b.subscribe(t2, c2.listener);
      const frames = Array.from({ length: 300 }, (_, i) => `f${i}`);
      await Promise.all(frames.flatMap((f) => [n.a.publish(t1, `${f}@1`), n.a.publish(t2, `${f}@2`)]));
      await eventually('all frames', () => c1.frames.length >= 300 && c2.frames.length >= 300);
      expect(c1.frames).toEqual(frames.map((f) => `${f}@1`));
      expect(c2.frames).toEqual(frames.map((f) => `${f}@2`));
    });

    it("close() stops delivery to that node's listeners; other nodes keep receiving", async () => {
      const t = conversationTopic(uuidv7());
      const [onA, onB] = [collector(), collector()];
      await n.a.subscribe(t, onA.listener);
      await n.b.subscribe(t, onB.listener);
      await n.a.publish(t, 'before');
      await eventually('before on b', () => onB.frames.length === 1);
      await n.b.close();
      await n.a.publish(t, 'after'); // b closed before this publish: nothing can be in flight to it
      const s = await sentinel(n.a, t, onA);
      expect(onA.frames).toEqual(['before', 'after', s]);
      expect(onB.frames).toEqual(['before']);
      await expect(n.b.close()).resolves.toBeUndefined(); // twice: harmless
    });
  });
}
