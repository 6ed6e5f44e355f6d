// The WebhookStore port: webhook endpoints and their delivery state, in the warm store
// (migration 0007, docs/webhooks.md). Delivery is driven from the persisted change log (table
// `changes`, read only up to each conversation's settled cursor, change-store.ts): every
// endpoint keeps, per conversation, a STREAM with the position (cursor) up to which it has
// delivered or skipped the conversation's changes, and the retry state of the change after it.
// A stream is opened when the endpoint's deliverer first sees a change of the conversation
// stored after the endpoint was registered ("from now on"), at the last cursor stored before
// that instant. Positions only move forward, by compare-and-set on the position the caller
// read: a second deliverer (a lease holder that stalled past its ttl) can repeat a delivery,
// never move a stream back or skip a change.
// Every attempt is logged (the operator's GET …/deliveries); a change whose stream kept failing
// for the retry period becomes a dead letter (with its body: the change log is pruned later),
// which the operator can replay.

/** The change types an endpoint may subscribe to (a `lost` placeholder is never delivered). */
export const WEBHOOK_EVENTS = ['message', 'edit', 'delete', 'reaction', 'member', 'conversation', 'pin', 'mute', 'rules'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Distinct, in the order given. */
  events: WebhookEvent[];
  /** `whsec_<base64>` (Standard Webhooks). */
  secret: string;
  /** The secret before the last rotation: still signs beside `secret` until previous_secret_until (epoch ms). */
  previous_secret: string | null;
  previous_secret_until: number | null;
  created_at: string;
  updated_at: string;
  /**
   * Discovery watermark (ISO-8601): the endpoint's deliverer has opened a stream for every
   * conversation with a change stored before it. Starts at created_at; only rises.
   */
  scanned_until: string;
}

/** One endpoint × one conversation. Times are epoch milliseconds. */
export interface WebhookStream {
  conversation_id: string;
  /** Every matching change up to this cursor is delivered (or dead-lettered); others skipped. */
  position: number;
  /** Failed attempts at the change after `position`. */
  attempts: number;
  /** Since when the stream has failed without a success in between (null: not failing). */
  failing_since: number | null;
  /** The next attempt is not before this (0: now). */
  next_attempt_at: number;
}

export interface PendingChange {
  cursor: number;
  type: string;
  /** The change's JSON exactly as the change log holds it. */
  json: string;
  /** When the warm store recorded it (ISO-8601). */
  stored_at: string;
}

export interface NextChanges {
  /** Changes of the asked types with after < cursor ≤ settled, ascending, at most `limit`. */
  changes: PendingChange[];
  /** The conversation's change bounds (change-store.ts ChangeBounds). */
  settled: number;
  last: number;
  floor: number;
}

export type AttemptOutcome = 'delivered' | 'retry' | 'dead';

/** One HTTP attempt at delivering one change (or replaying a dead letter) to one endpoint. */
export interface WebhookAttempt {
  /** Time-ordered (UUID v7): listing is newest first by id. */
  id: string;
  endpoint_id: string;
  /** The `webhook-id` header: the same on every attempt at one change. */
  webhook_id: string;
  conversation_id: string;
  cursor: number;
  type: string;
  /** 1 for the first attempt at the change (counting again from 1 for a replay). */
  attempt: number;
  /** The HTTP status answered; null when none came (timeout, refused, reset). */
  status: number | null;
  error: string | null;
  latency_ms: number;
  attempted_at: string;
  outcome: AttemptOutcome;
  replay: boolean;
}

export interface DeadLetter {
  id: string;
  endpoint_id: string;
  webhook_id: string;
  conversation_id: string;
  cursor: number;
  type: string;
  /** The request body, exactly as it was (and will be) sent. */
  body: string;
  /** Attempts made, replays included. */
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  failed_at: string;
  /** `replaying`: the operator asked for a replay and the deliverer is at it. */
  state: 'dead' | 'replaying';
  replay_attempts: number;
  replay_failing_since: number | null;
  next_attempt_at: number;
}

/** What a failed or successful attempt does to the stream it was made for. */
export type StreamOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; failingSince: number; nextAttemptAt: number }
  /** Given up: the dead letter is stored and the stream moves past the change (still failing since `failingSince`). */
  | { kind: 'dead'; failingSince: number; deadLetter: { id: string; body: string } };

export type ReplayOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; failingSince: number; nextAttemptAt: number }
  | { kind: 'dead' };

export interface WebhookStore {
  // --- endpoints ---------------------------------------------------------------------------
  createEndpoint(e: { id: string; url: string; events: WebhookEvent[]; secret: string; created_at: string }): Promise<WebhookEndpoint>;
  getEndpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Oldest first. */
  listEndpoints(): Promise<WebhookEndpoint[]>;
  /** Null when there is no such endpoint. */
  updateEndpoint(id: string, patch: { url?: string; events?: WebhookEvent[] }, at: string): Promise<WebhookEndpoint | null>;
  /** The new secret signs from now on; the current one becomes previous_secret until `previousUntil` (null: dropped now). */
  rotateSecret(id: string, secret: string, previousUntil: number | null, at: string): Promise<WebhookEndpoint | null>;
  /** With its streams, attempts and dead letters. False when there was none. */
  deleteEndpoint(id: string): Promise<boolean>;

  // --- discovery ---------------------------------------------------------------------------
  /** Conversations with a change stored at or after `since` (ISO-8601), each with the highest cursor among those; at most `limit`. */
  changedSince(since: string, limit: number): Promise<{ conversation_id: string; last: number }[]>;
  /**
   * Opens the endpoint's streams of up to `limit` conversations that have a change stored at or
   * after `since` and no stream yet: each at the highest cursor stored before `startedAt` (the
   * endpoint's created_at), or at the conversation's pruned floor if that is higher. Returns how
   * many it opened (call again while it returns `limit`).
   */
  openStreams(endpointId: string, since: string, startedAt: string, limit: number): Promise<number>;
  /** Raises scanned_until (never lowers it). */
  setScannedUntil(endpointId: string, at: string): Promise<void>;
  /** Conversations whose stream is behind the conversation's last cursor and due by `now`, most overdue first. */
  dueStreams(endpointId: string, now: number, limit: number): Promise<string[]>;
  getStream(endpointId: string, conversationId: string): Promise<WebhookStream | null>;
  /** The next changes to deliver after `after`, up to the conversation's settled cursor. */
  nextChanges(conversationId: string, after: number, events: readonly string[], limit: number): Promise<NextChanges>;

  // --- progress ----------------------------------------------------------------------------
  /** Moves the stream from `from` to `to` (changes of other types skipped, or pruned ones); false when it is no longer at `from`. */
  advance(endpointId: string, conversationId: string, from: number, to: number): Promise<boolean>;
  /**
   * Logs the attempt and applies its outcome to the stream at position `from`, in one
   * transaction: delivered → position = attempt.cursor, retry state cleared; retry → the
   * attempt count and the next time; dead → the dead letter stored, position = attempt.cursor.
   * False when the stream was no longer at `from` (the attempt is logged all the same).
   */
  recordAttempt(attempt: WebhookAttempt, from: number, outcome: StreamOutcome): Promise<boolean>;
  /** Attempts of the endpoint, newest first; `before`: an attempt id (paging). */
  listAttempts(endpointId: string, opts: { limit: number; before?: string; conversationId?: string }): Promise<WebhookAttempt[]>;
  /** Drops attempts made before `before` (ISO-8601); returns how many went. */
  pruneAttempts(before: string): Promise<number>;

  // --- dead letters --------------------------------------------------------------------------
  /** Newest first; `before`: a dead letter id (paging). */
  listDeadLetters(endpointId: string, opts: { limit: number; before?: string }): Promise<DeadLetter[]>;
  /** Marks it for replay, due at once; false when the endpoint has no such dead letter. */
  replayDeadLetter(endpointId: string, id: string, now: number): Promise<boolean>;
  /** Dead letters being replayed and due by `now`, oldest first. */
  dueReplays(endpointId: string, now: number, limit: number): Promise<DeadLetter[]>;
  /** Logs a replay attempt; delivered → the dead letter goes; retry → its next time; dead → back to `dead`. */
  recordReplay(attempt: WebhookAttempt, deadLetterId: string, outcome: ReplayOutcome): Promise<void>;
}
