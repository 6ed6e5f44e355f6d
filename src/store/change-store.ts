// The ChangeStore port: the warm store's half of the conversation change log (docs/changes.md).
// Changes arrive from the persist log in batches, possibly out of cursor order (two workers, a
// claimed batch) and possibly twice (redelivery): applyChanges is idempotent and order-proof.
// A change already recorded changes nothing; a message change is applied only over an older
// version of the message (last writer by cursor wins, whatever the arrival order).
// Reactions, members and titles are written by their use-cases before their change is
// accepted; for those the log only records the change.
import type { StoredChange } from '../model/change.js';

export interface ChangeBounds {
  /** Changes at or below this cursor are no longer kept (pruned): a reader behind it reloads. */
  floor: number;
  /** The highest cursor applied. */
  last: number;
  /** Every change up to this cursor is applied (below `last` while earlier ones are still in flight). */
  settled: number;
}

export interface ApplyResult {
  /** Changes recorded now (a redelivered one is not). */
  applied: number;
  /**
   * Changes that found their place taken by ANOTHER change or message: the hot tier handed out
   * a cursor or seq the warm store already had (it came back behind: a lagging replica
   * promoted, an AOF missing its last second). A change whose cursor was taken is not stored;
   * a message whose seq was taken is not stored (its change keeps its free cursor). The caller
   * accepts them again under new positions (changes/repair.ts).
   */
  collisions: StoredChange[];
}

export interface ChangeStore {
  /**
   * Records the changes and applies the message ones, in one transaction. A message change
   * whose row is absent lands as an overlay when `archivedThrough` says its seq is archived,
   * else as the row itself (it overtook its message's insert).
   */
  applyChanges(changes: StoredChange[], archivedThrough?: (conversationId: string) => Promise<number>): Promise<ApplyResult>;
  /** Overlays (archived messages changed since) with fromSeq ≤ seq ≤ toSeq, ascending. */
  listOverlays(conversationId: string, fromSeq: number, toSeq: number): Promise<import('../model/message.js').Message[]>;
  /** Change JSON with cursor > afterCursor, ascending, at most `limit`. */
  listChanges(conversationId: string, afterCursor: number, limit: number): Promise<string[]>;
  /** How many changes with afterCursor < cursor ≤ upTo are stored (all of them: upTo − afterCursor). */
  countChanges(conversationId: string, afterCursor: number, upTo: number): Promise<number>;
  /** Bounds per conversation, in the order asked (a conversation with no row: {0, 0}). */
  changeBounds(conversationIds: string[]): Promise<ChangeBounds[]>;
  /**
   * Raises the conversation's `settled` to `last` when no change below is missing (two workers
   * committing at once may each have missed the other's), and returns it. applyChanges does the
   * same after every batch.
   */
  settle(conversationId: string): Promise<number>;
  /** Drops changes stored before `before` (ISO-8601) and raises each conversation's floor. Returns how many went. */
  pruneChanges(before: string): Promise<number>;
  /** Stores a sync position (conversation id → cursor) for a user; returns its opaque token. */
  saveSyncState(user: string, cursors: Record<string, number>): Promise<string>;
  /** A user's sync position by token, if stored at or after `notBefore` (ISO-8601); null otherwise. */
  loadSyncState(user: string, token: string, notBefore: string): Promise<Record<string, number> | null>;
}
