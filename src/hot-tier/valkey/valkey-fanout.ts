// Fan-out over Valkey sharded pub/sub. Conversation topics use the conversation's channel from
// hot-tier/valkey/keys.ts (the one ingest-5.lua SPUBLISHes message frames to, in the
// conversation's partition slot); user topics get `<prefix>:{u:<user>}:uch` in the user's own
// slot. A node SSUBSCRIBEs only to topics its sockets need, through one ShardedFanOut (its own
// subscriber connection); publishes go through the hot tier's pipelined main connection.
// At-most-once, ordered per channel; errors surface as AppError UNAVAILABLE.
import { unavailable } from './connection.js';
import { ShardedFanOut } from './sharded-subscriber.js';
import type { ValkeyHotTier } from './valkey-hot-tier.js';
import { parseTopic, type Fanout, type FrameListener, type Topic } from '../fanout.js';

export class ValkeyFanout implements Fanout {
  private readonly sub: ShardedFanOut;

  constructor(private readonly hot: ValkeyHotTier, readyTimeoutMs = 10_000) {
    this.sub = new ShardedFanOut(hot.client, readyTimeoutMs);
  }

  /** The Valkey channel of a topic. */
  channel(topic: Topic): string {
    const t = parseTopic(topic);
    if (t.kind === 'conversation') return this.hot.keys.channel(this.hot.partitionOf(t.id), t.id);
    return `${this.hot.keys.prefix}:{u:${t.id}}:uch`;
  }

  subscribe(topic: Topic, listener: FrameListener): Promise<void> {
    return this.sub.subscribe(this.channel(topic), listener);
  }

  unsubscribe(topic: Topic, listener: FrameListener): Promise<void> {
    return this.sub.unsubscribe(this.channel(topic), listener);
  }

  async publish(topic: Topic, frame: string): Promise<void> {
    try {
      await this.hot.client.spublish(this.channel(topic), frame);
    } catch (e) {
      throw unavailable('publish', e);
    }
  }

  close(): Promise<void> {
    return this.sub.close();
  }
}
