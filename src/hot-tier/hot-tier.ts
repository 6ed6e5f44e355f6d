// The hot tier's ports. Everything on the path of a message that must be fast and atomic lives
// here: per-conversation seq counters, client_id dedup, the recent ring, the persist log and
// live fan-out. Each operation on a conversation touches only keys of that conversation's
// partition (one hash slot on Valkey Cluster), so `ingest` is ONE atomic call.
//
// Adapters: memory-hot-tier.ts (in-process, embedded default) and valkey/ (Valkey, Redis 7,
// Valkey Cluster). Both pass hot-tier.contract.ts.

/** How long the hot tier remembers an ingested message id as in flight to the warm store. */
export const IN_FLIGHT_TTL_MS = 60_000;

export interface IngestInput {
  conversationId: string;
  /** The message's id: remembered as in flight for IN_FLIGHT_TTL_MS (locateInFlight); always given by IngestService. */
  messageId?: string;
  /** The message's canonical JSON split around its seq (messages/message.ts messageTemplate). */
  head: string;
  tail: string;
  /** Dedup scope: `${sender}\n${client_id}`; undefined when the client sent no client_id. */
  clientKey?: string;
  dedupTtlS: number;
  recentLimit: number;
  /** Unpersisted entries in the partition's log beyond which ingest refuses (backpressure). */
  maxBacklog: number;
}

export type IngestOutcome =
  | { status: 'created'; seq: number; json: string }
  /** Same clientKey seen before: the ORIGINAL message, nothing new written. */
  | { status: 'duplicate'; json: string }
  /** The conversation's counter is absent (new conversation, or hot data lost): call seed() then retry. */
  | { status: 'unseeded' }
  | { status: 'backlogged'; backlog: number };

export interface RecentRange {
  /** Exclusive bounds; neither → the latest `limit`. */
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}

export interface HotTier {
  /**
   * Atomically: dedup by clientKey → refuse if unseeded or backlogged → seq = INCR →
   * append to the recent ring (capped) → append to the partition's persist log → publish
   * the pre-serialized frame `{"type":"message","message":<json>}` on the conversation's
   * fan-out channel.
   */
  ingest(input: IngestInput): Promise<IngestOutcome>;

  /**
   * Where a message ingested in the last IN_FLIGHT_TTL_MS is (conversation, seq), by id, or
   * null: how an edit of a message another node accepted moments ago finds it before its row
   * reaches the warm store. An id the hot tier never ingested costs one lookup, never a wait.
   */
  locateInFlight(messageId: string): Promise<{ conversationId: string; seq: number } | null>;

  /**
   * Creates the conversation's counter if it is absent: counter = max(lastSeq, highest seq in
   * the ring), and puts `recent` (the latest messages from the warm store, ascending) into the
   * ring without touching the persist log. No-op if the counter already exists (another node
   * seeded first). Returns the counter's value afterwards.
   */
  seed(conversationId: string, lastSeq: number, recent: string[], recentLimit: number): Promise<number>;

  /**
   * Writes dedup entries the hot tier lost (restart without persistence, flush), from the warm
   * store, each for what is left of its TTL. Never overwrites an entry that exists. Called
   * before seed(): once the counter exists again, a retried client key finds its original.
   */
  restoreDedup(conversationId: string, entries: { clientKey: string; json: string; ttlMs: number }[]): Promise<void>;

  /** Current counter per conversation (null where unseeded). */
  lastSeqs(conversationIds: string[]): Promise<(number | null)[]>;

  /**
   * Messages of the ring in the range, ascending, or null when the ring cannot answer the
   * whole range (the caller then asks the warm store). `covered` is the lowest seq held.
   */
  readRecent(conversationId: string, range: RecentRange): Promise<{ messages: string[]; lastSeq: number; lowestSeq: number } | null>;

  /** Replaces the ring's copy of a message (edit/delete), if the ring holds it. */
  replaceRecent(conversationId: string, seq: number, json: string): Promise<void>;

  /** Throws when the hot tier is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Token-bucket-free fixed-window limiter, per user; its own keys, its own slot. */
export interface RateLimiter {
  /** Counts one send; returns 0 when allowed, else the milliseconds until the window resets. */
  hit(user: string, limit: number, windowS: number): Promise<number>;
}

/** One entry of a partition's persist log. */
export interface LogEntry {
  id: string;
  partition: number;
  payload: string;
  /** How many times this entry has been handed to a consumer (1 on first delivery). */
  deliveries: number;
}

export interface DeadLetter {
  id: string;
  partition: number;
  payload: string;
  error: string;
  failed_at: string;
}

/**
 * The persist log: per partition an append-only log read by a consumer group. At-least-once:
 * an entry stays pending until ack() (after the warm-store commit); a consumer that dies leaves
 * its entries pending, and claimStale() hands them to another.
 */
export interface PersistLog {
  readonly partitions: number;
  partitionOf(conversationId: string): number;
  /** New entries for this consumer; waits up to blockMs when there are none. */
  read(partition: number, consumer: string, count: number, blockMs: number): Promise<LogEntry[]>;
  /** Entries pending on any consumer for longer than minIdleMs, now owned by `consumer`. */
  claimStale(partition: number, consumer: string, minIdleMs: number, count: number): Promise<LogEntry[]>;
  /** Acknowledges and removes entries (after they are committed). */
  ack(partition: number, ids: string[]): Promise<void>;
  /** Moves an entry to the dead-letter stream with its error, and acknowledges it. */
  deadLetter(entry: LogEntry, error: string): Promise<void>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Re-appends a dead letter's payload to its partition's log and removes the dead letter. */
  replayDeadLetter(id: string): Promise<boolean>;
  /** Unacknowledged entries in the partition's log. */
  backlog(partition: number): Promise<number>;
}
