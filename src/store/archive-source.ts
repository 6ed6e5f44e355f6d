// The ArchiveSource port: the archiver's view of the warm store (the rows to move to the cold
// tier, and their delete once the archive's manifest holds them). Adapter:
// store/sql/sql-archive-source.ts; contract: archive-source.contract.ts.
import type { Message } from '../model/message.js';

/** What the archiver needs from the warm store. */
export interface ArchiveSource {
  /** Warm rows with afterSeq < seq ≤ upToSeq, ascending by seq, at most `limit`. */
  listForArchive(conversationId: string, afterSeq: number, upToSeq: number, limit: number): Promise<Message[]>;
  /**
   * Deletes warm rows with seq ≤ upToSeq; returns how many. A row whose version is not the one
   * `archived` says the archive holds (changed after it was read, or not in the map: a run
   * converging after a crash) is kept as an overlay (change-store.ts listOverlays) first, in
   * the same transaction, with the row locked: a change applied concurrently is never lost.
   */
  deleteArchived(conversationId: string, upToSeq: number, archived?: ReadonlyMap<number, number>): Promise<number>;
  /** Overlays (archived messages changed since) with fromSeq ≤ seq ≤ toSeq, ascending: folded into a file the archiver rewrites. */
  listOverlays(conversationId: string, fromSeq: number, toSeq: number): Promise<Message[]>;
  /** Drops overlays now folded into the archive: each (seq, version) given, if its version is still at most that. */
  dropOverlays(conversationId: string, folded: { seq: number; version: number }[]): Promise<void>;
  /** Conversations with warm rows the policy moves, each with the highest seq to move. */
  conversationsToArchive(policy: RetentionPolicy, now?: Date): Promise<ArchiveCandidate[]>;
}

/** 0 turns a rule off. With both set, a message moves only when both rules select it. */
export interface RetentionPolicy {
  days: number;
  keepLast: number;
}

export interface ArchiveCandidate {
  conversationId: string;
  upToSeq: number;
}

