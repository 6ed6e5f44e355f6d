// Key and channel names of the Valkey hot tier. Every key of a conversation, its fan-out
// channel and its partition's persist log carry the partition's hash tag `{p<N>}`, so one
// script call touches one hash slot and runs unchanged on Valkey Cluster. The rate-limit key
// carries the user's own tag; the dead-letter stream has a slot of its own (off the hot path).
//
//   <prefix>:{p7}:c:<conv>:seq        string   the conversation's seq counter
//   <prefix>:{p7}:c:<conv>:ring       zset     recent messages, score = seq, member = JSON
//   <prefix>:{p7}:c:<conv>:cur        string   the conversation's change cursor
//   <prefix>:{p7}:c:<conv>:chg        zset     recent changes, score = cursor, member = change JSON
//   <prefix>:{p7}:c:<conv>:mut        string   the cursor of the latest edit or delete
//   <prefix>:{p7}:c:<conv>:ver        hash     message id -> version of its latest edit/delete (1 h)
//   <prefix>:{p7}:c:<conv>:d:<client> string   dedup: the original JSON, with a TTL
//   <prefix>:{p7}:c:<conv>:rules      hash     restrictions: kind, slow, b:<user>, m:<user> (docs/moderation.md)
//   <prefix>:{p7}:c:<conv>:sl:<user>  string   slow mode: the member's cooldown (expires)
//   <prefix>:{p7}:c:<conv>:ch         channel  sharded pub/sub fan-out (SPUBLISH)
//   <prefix>:{p7}:log                 stream   the partition's persist log (field m = change JSON)
//   <prefix>:{p7}:m:<message id>      string   "<conv> <seq>" while in flight (expires)
//   <prefix>:{u:<user>}:rl            string   the user's fixed rate-limit window
//   <prefix>:{u:<user>}:uch           channel  the user's fan-out topic (receipts, membership)
//   <prefix>:{u:<user>}:pr            zset     presence: member = node id, score = expiry (ms)
//   <prefix>:{u:<user>}:seen          string   presence: ISO time of the last clean offline
//   <prefix>:dead                     stream   dead letters (partition, payload, error, failed_at)

/** The consumer group every persist worker joins, one per partition log. */
export const PERSIST_GROUP = 'persist';

export class Keys {
  constructor(readonly prefix: string) {
    // A brace in the prefix would become the hash tag and put every partition in one slot.
    if (!prefix || /[{}]/.test(prefix)) throw new Error(`invalid hot-tier key prefix ${JSON.stringify(prefix)}: non-empty, no braces`);
  }

  private tag(partition: number): string {
    return `${this.prefix}:{p${partition}}`;
  }

  private conv(partition: number, conversationId: string): string {
    return `${this.tag(partition)}:c:${conversationId}`;
  }

  seq(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:seq`;
  }

  ring(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:ring`;
  }

  cursor(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:cur`;
  }

  changes(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:chg`;
  }

  messageVersions(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:ver`;
  }

  lastMessageChange(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:mut`;
  }

  /** Dedup key; with no clientKey, a key of the same slot that the script never touches. */
  dedup(partition: number, conversationId: string, clientKey: string | undefined): string {
    return `${this.conv(partition, conversationId)}:d:${clientKey ?? ''}`;
  }

  restrictions(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:rules`;
  }

  /** Slow-mode cooldown of a sender; with none, a key of the same slot that the script never touches. */
  cooldown(partition: number, conversationId: string, user: string | undefined): string {
    return `${this.conv(partition, conversationId)}:sl:${user ?? ''}`;
  }

  channel(partition: number, conversationId: string): string {
    return `${this.conv(partition, conversationId)}:ch`;
  }

  inFlight(partition: number, messageId: string): string {
    return `${this.tag(partition)}:m:${messageId}`;
  }

  log(partition: number): string {
    return `${this.tag(partition)}:log`;
  }

  private user(user: string): string {
    return `${this.prefix}:{u:${user}}`;
  }

  rate(user: string): string {
    return `${this.user(user)}:rl`;
  }

  userChannel(user: string): string {
    return `${this.user(user)}:uch`;
  }

  presenceNodes(user: string): string {
    return `${this.user(user)}:pr`;
  }

  lastSeen(user: string): string {
    return `${this.user(user)}:seen`;
  }

  dead(): string {
    return `${this.prefix}:dead`;
  }
}
