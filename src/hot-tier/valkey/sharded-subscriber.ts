// Live fan-out over sharded pub/sub: ingest-6.lua SPUBLISHes each message's frame on its
// conversation's channel; a node SSUBSCRIBEs to the channels of the conversations its
// sockets are in. One lazily opened subscriber connection (a Cluster one subscribes once per
// shard); ioredis re-subscribes after a reconnect. Delivery is at-most-once: a frame
// published while the connection is down is not replayed here — clients resume by seq.
import type { Client } from './connection.js';
import { createSubscriber, ready, unavailable } from './connection.js';

export type FrameHandler = (frame: string) => void;

export class ShardedFanOut {
  private sub: Client | undefined;
  private handlers = new Map<string, Set<FrameHandler>>();
  private pending = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly main: Client,
    private readonly readyTimeoutMs: number,
  ) {}

  private async connection(): Promise<Client> {
    if (!this.sub) {
      const sub = createSubscriber(this.main);
      sub.on('error', () => {
        // reconnects are ioredis' job; a failing (s)subscribe call surfaces to its caller
      });
      sub.on('smessage', (channel: string, frame: string) => {
        for (const h of this.handlers.get(channel) ?? []) h(frame);
      });
      this.sub = sub;
    }
    await ready(this.sub, this.readyTimeoutMs);
    return this.sub;
  }

  /** Resolves once the channel is subscribed: every frame published afterwards reaches `handler`. */
  async subscribe(channel: string, handler: FrameHandler): Promise<void> {
    if (this.closed) throw unavailable('subscribe', new Error('closed'));
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      this.pending.set(channel, this.connection().then((sub) => sub.ssubscribe(channel)).then(() => undefined));
    }
    set.add(handler);
    try {
      // later subscribers of the same channel wait for the first one's SSUBSCRIBE too
      await this.pending.get(channel);
    } catch (e) {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        this.pending.delete(channel);
      }
      throw unavailable('subscribe', e);
    }
  }

  /** Removes one handler (or all of the channel's); the last one out unsubscribes. */
  async unsubscribe(channel: string, handler?: FrameHandler): Promise<void> {
    const set = this.handlers.get(channel);
    if (!set) return;
    if (handler) set.delete(handler);
    else set.clear();
    if (set.size > 0) return;
    this.handlers.delete(channel);
    this.pending.delete(channel);
    if (!this.sub || this.closed) return;
    try {
      await this.sub.sunsubscribe(channel);
    } catch (e) {
      throw unavailable('unsubscribe', e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    if (this.sub) {
      const sub = this.sub;
      this.sub = undefined;
      try {
        await sub.quit();
      } catch {
        // already disconnected: nothing left to release
        sub.disconnect();
      }
    }
  }
}
