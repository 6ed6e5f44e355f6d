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
  /** The message's canonical JSON split around its seq and version (model/message.ts messageTemplate). */
  head: string;
  tail: string;
  /** Dedup scope: `${sender}\n${client_id}`; undefined when the client sent no client_id. */
  clientKey?: string;
  dedupTtlS: number;
  recentLimit: number;
  /** Changes the change ring keeps per conversation. */
  changeRingLimit: number;
  /** Unpersisted entries in the partition's log beyond which ingest refuses (backpressure). */
  maxBacklog: number;
  /**
   * The sender and their role as the caller's membership check saw it: the conversation's
   * restrictions (below) are judged for them inside the same atomic call. Absent: no
   * restriction is checked (hot-tier tests and benchmarks that exercise the bare path).
   */
  sender?: { user: string; role: 'owner' | 'admin' | 'member' };
}

/**
 * A conversation's restrictions as the hot tier keeps them beside its counters (docs/moderation.md):
 * written by the change that records them (HotTier.change `restrict`), checked by ingest (and by
 * change for the actor of a reaction or edit), restored from the warm store by seed().
 */
export interface Restrictions {
  /** 'announcement': only owners and admins send. */
  kind: 'direct' | 'group' | 'announcement';
  /** Per-member cooldown between sends, seconds (0: off); owners and admins are exempt. */
  slowModeS: number;
  banned: string[];
  /** user → end of the mute, epoch ms (past ones may be left out). */
  mutedUntil: Record<string, number>;
}

export const NO_RESTRICTIONS: Restrictions = { kind: 'group', slowModeS: 0, banned: [], mutedUntil: {} };

/** One write to a conversation's restrictions, made in the call that records its change. */
export type RestrictionUpdate =
  | { ban: string; on: boolean }
  | { mute: string; untilMs: number | null }
  | { slowModeS: number }
  | { kind: Restrictions['kind'] };

/** Why ingest or change refused: nothing was written. */
export type Refusal =
  | { status: 'refused'; rule: 'banned' | 'announcement' }
  | { status: 'refused'; rule: 'muted'; untilMs: number }
  /** Slow mode: the sender's last send is younger than the cooldown; retry after retryAfterMs. */
  | { status: 'refused'; rule: 'slow'; retryAfterMs: number };

export type IngestOutcome =
  /** `json` is the message (version = cursor); its change and live frame is {"type":"message","cursor":C,"message":json}. */
  | { status: 'created'; seq: number; cursor: number; json: string }
  /** Same clientKey seen before: the ORIGINAL message, nothing new written. */
  | { status: 'duplicate'; json: string }
  /** The conversation's counter is absent (new conversation, or hot data lost): call seed() then retry. */
  | { status: 'unseeded' }
  | { status: 'backlogged'; backlog: number }
  | Refusal;

/** A change other than a new message (docs/changes.md); the hot tier assigns its cursor. */
export interface ChangeInput {
  conversationId: string;
  type: 'edit' | 'delete' | 'reaction' | 'member' | 'conversation' | 'pin' | 'mute' | 'rules';
  /**
   * For edit/delete: the message after the change, split around its version
   * (model/message.ts versionTemplate), and the version it was built from: if the ring holds
   * the message at another version — or, once the ring no longer holds it, its latest edit or
   * delete of the last hour had another version — nothing is written ('conflict').
   */
  message?: { seq: number; id: string; head: string; tail: string; basedOn?: number };
  /** Otherwise: the change JSON after its cursor, from the comma to the closing brace. */
  body?: string;
  changeRingLimit: number;
  maxBacklog: number;
  /**
   * The user making a reaction or an edit: refused ('banned', 'muted') when the conversation's
   * restrictions ban or mute them at the moment the change runs. Absent: not checked.
   */
  actor?: string;
  /** Restrictions written in the same atomic call that assigns this change's cursor. */
  restrict?: RestrictionUpdate[];
}

export type ChangeOutcome =
  | { status: 'changed'; cursor: number; json: string }
  | { status: 'unseeded' }
  | { status: 'backlogged'; backlog: number }
  | { status: 'conflict'; version: number }
  | { status: 'refused'; rule: 'banned' }
  | { status: 'refused'; rule: 'muted'; untilMs: number };

/** Builds a change's JSON exactly as the hot tier does (adapters share it; so do tests). */
export function changeJson(input: Pick<ChangeInput, 'type' | 'message' | 'body'>, cursor: number): string {
  const head = `{"type":"${input.type}","cursor":${cursor}`;
  return input.message ? `${head},"message":${input.message.head}${cursor}${input.message.tail}}` : head + input.body;
}

export interface RecentRange {
  /** Exclusive bounds; neither → the latest `limit`. */
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}

export interface HotTier {
  /**
   * Atomically: dedup by clientKey → refuse if unseeded → refuse by the restrictions for
   * `sender` (banned, muted, announcement, slow mode) → refuse if backlogged → seq = INCR →
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
   * Atomically: refuse if unseeded → refuse if `actor` is banned (or, for a reaction or edit,
   * muted) → refuse if backlogged → for a message change, refuse if the ring
   * holds the message at another version than `basedOn` → cursor = INCR → replace the ring's
   * copy of the message (if held) and note the cursor as the latest message change → append to the change ring (capped) → append the change to
   * the partition's persist log → apply `restrict` → publish the change (its own live frame).
   */
  change(input: ChangeInput): Promise<ChangeOutcome>;

  /**
   * The changes after `afterCursor` (at most `limit`, ascending) from the change ring, or null
   * when unseeded or when the ring does not hold all of them (the caller asks the warm store).
   */
  readChanges(conversationId: string, afterCursor: number, limit: number): Promise<{ changes: string[]; lastCursor: number } | null>;

  /**
   * The cursor of the conversation's latest edit or delete accepted (0: none known): a history
   * page read from the warm store or the archive waits until that change is stored, so an
   * answered edit is never read back at its old version (messages/history.ts).
   */
  lastMessageChange(conversationId: string): Promise<number>;

  /**
   * Raises the conversation's counters to at least minSeq / minCursor, never lowering them; an
   * absent counter stays absent. For a hot tier that came back behind the warm store.
   */
  advance(conversationId: string, minSeq: number, minCursor: number): Promise<void>;

  /** Current change cursor per conversation (null where unseeded). */
  lastCursors(conversationIds: string[]): Promise<(number | null)[]>;

  /**
   * Creates the conversation's counters where absent: seq = max(lastSeq, highest seq in the
   * ring), cursor = max(lastCursor, highest cursor in the change ring), and puts `recent` (the
   * latest messages from the warm store, ascending) into the ring without touching the persist
   * log. An existing counter is left as it is (another node seeded first). Returns the seq
   * counter's value afterwards and whether this call created it. `restrictions` (from the warm
   * store) replace the hot tier's only when this call creates the seq counter, in the same
   * atomic step: no send is ever judged against restrictions lost with the hot tier.
   */
  seed(conversationId: string, lastSeq: number, recent: string[], recentLimit: number, lastCursor?: number, restrictions?: Restrictions): Promise<{ seq: number; created: boolean }>;

  /** The conversation's restrictions as the hot tier holds them (null when unseeded): read-only. */
  readRestrictions(conversationId: string): Promise<Restrictions | null>;

  /**
   * Writes dedup entries the hot tier lost (restart without persistence, flush), from the warm
   * store, each for what is left of its TTL. Never overwrites an entry that exists. Called
   * before seed(): once the counter exists again, a retried client key finds its original.
   */
  restoreDedup(conversationId: string, entries: { clientKey: string; json: string; ttlMs: number }[]): Promise<void>;

  /**
   * The original message JSON of a client key seen within its dedup TTL, else null. Read-only:
   * lets a retried send return its original before work a duplicate must not redo (the
   * before-send hook, attachment checks); ingest() still decides atomically.
   */
  findDuplicate(conversationId: string, clientKey: string): Promise<string | null>;

  /** Current counter per conversation (null where unseeded). */
  lastSeqs(conversationIds: string[]): Promise<(number | null)[]>;

  /**
   * GDPR erase (docs/gdpr.md): replaces the change ring's entry at each given cursor, where the
   * ring holds one, by the given JSON (same cursor; atomically against appends and trims), and
   * forgets the dedup entries of these client keys (their original JSON holds the old text).
   * Idempotent.
   */
  scrubTraces(conversationId: string, changes: { cursor: number; json: string }[], clientKeys: string[]): Promise<void>;

  /**
   * Messages of the ring in the range, ascending, or null when the ring cannot answer the
   * whole range (the caller then asks the warm store). `covered` is the lowest seq held.
   */
  readRecent(conversationId: string, range: RecentRange): Promise<{ messages: string[]; lastSeq: number; lowestSeq: number } | null>;

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
  /**
   * Acknowledges and removes entries (after they are committed). Returns how many of them the
   * log still held: fewer means another consumer acknowledged them first (a claimed entry), or
   * the hot tier lost them after they were read (restarted without persistence).
   */
  ack(partition: number, ids: string[]): Promise<number>;
  /** Moves an entry to the dead-letter stream with its error, and acknowledges it. */
  deadLetter(entry: LogEntry, error: string): Promise<void>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Re-appends a dead letter's payload to its partition's log and removes the dead letter. */
  replayDeadLetter(id: string): Promise<boolean>;
  /** Unacknowledged entries in the partition's log. */
  backlog(partition: number): Promise<number>;
}
