// Fan-out over Valkey sharded pub/sub. Conversation topics use the conversation's channel
// (keys.ts; the one ingest-6.lua SPUBLISHes message frames to, in the conversation's partition
// slot); user topics use the user's channel in the user's own slot. A node SSUBSCRIBEs only to
// topics its sockets need, through one ShardedFanOut (its own subscriber connection); publishes
// go through the shared pipelined main connection. At-most-once, ordered per channel; errors
// surface as AppError UNAVAILABLE.
import { unavailable, type ValkeyConnection } from './connection.js';
import { ShardedFanOut } from './sharded-subscriber.js';
import { parseTopic, type Fanout, type FrameListener, type Topic } from '../fanout.js';

export class ValkeyFanout implements Fanout {
  private readonly sub: ShardedFanOut;

  constructor(private readonly conn: ValkeyConnection) {
    this.sub = new ShardedFanOut(conn.client, conn.readyTimeoutMs);
  }

  /** The Valkey channel of a topic. */
  channel(topic: Topic): string {
    const t = parseTopic(topic);
    if (t.kind === 'conversation') return this.conn.keys.channel(this.conn.partitionOf(t.id), t.id);
    return this.conn.keys.userChannel(t.id);
  }

  subscribe(topic: Topic, listener: FrameListener): Promise<void> {
    return this.sub.subscribe(this.channel(topic), listener);
  }

  unsubscribe(topic: Topic, listener: FrameListener): Promise<void> {
    return this.sub.unsubscribe(this.channel(topic), listener);
  }

  async publish(topic: Topic, frame: string): Promise<void> {
    try {
      await this.conn.client.spublish(this.channel(topic), frame);
    } catch (e) {
      throw unavailable('publish', e);
    }
  }

  close(): Promise<void> {
    return this.sub.close();
  }
}
