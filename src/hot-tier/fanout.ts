// The Fanout port: live events between API nodes. A topic is a conversation (every member's
// sockets) or a user (that user's sockets on any node: receipts addressed to a sender,
// membership changes). Frames are pre-serialized JSON strings: a node serializes an event
// once and every node writes the same bytes to its sockets.
//
// Delivery is at-most-once and ordered per topic (per publisher connection): a node that was
// not subscribed when a frame was published never sees it; clients catch up by `resume`.
// subscribe() resolves once frames published afterwards are guaranteed to reach the listener.
//
// Adapters: memory-fanout.ts (in-process, over MemoryHotTier.events, where ingest already
// publishes message frames) and valkey-fanout.ts (sharded pub/sub, the channel ingest-6.lua
// SPUBLISHes to).

export type FrameListener = (frame: string) => void;

/** `c:<conversation id>` or `u:<user id>`; build them with the helpers below. */
export type Topic = `c:${string}` | `u:${string}`;

export const conversationTopic = (conversationId: string): Topic => `c:${conversationId}`;
export const userTopic = (user: string): Topic => `u:${user}`;

export function parseTopic(topic: Topic): { kind: 'conversation' | 'user'; id: string } {
  return { kind: topic[0] === 'c' ? 'conversation' : 'user', id: topic.slice(2) };
}

export interface Fanout {
  subscribe(topic: Topic, listener: FrameListener): Promise<void>;
  /** Removes the listener; the last one out releases the topic. */
  unsubscribe(topic: Topic, listener: FrameListener): Promise<void>;
  publish(topic: Topic, frame: string): Promise<void>;
  close(): Promise<void>;
}

/** Publishes a domain event's frame; never rejects (see announcer). */
export type Announce = (topic: Topic, frame: string) => Promise<void>;

/**
 * How use-cases announce a change (membership, edit, delete) to every node: the caller awaits
 * the publish, so a REST answer means every node has been told (a removed member gets nothing
 * more). A failed publish is reported and not thrown: the change itself is stored, live
 * delivery is at-most-once, and clients catch up by resume.
 */
export function announcer(fanout: Fanout, onError: (err: unknown, topic: Topic) => void): Announce {
  return async (topic, frame) => {
    try {
      await fanout.publish(topic, frame);
    } catch (err) {
      onError(err, topic);
    }
  };
}
