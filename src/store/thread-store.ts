// The ThreadStore port: the warm store's indexes of threads and mentions (migration 0004,
// docs/threads.md). They are written by the persist workers in the same transaction as the
// messages they index (store/sql/sql-store.ts insertRows and applyChanges) and are never
// archived, so a thread, a thread list or a user's mentions read the same whichever tier holds
// the messages themselves; the messages are then read by seq from the ring, the warm store or
// the archive. Read watermarks of threads live here too.
export interface ThreadSummary {
  conversation_id: string;
  root_id: string;
  root_seq: number;
  root_sender: string;
  reply_count: number;
  last_reply_seq: number;
  last_reply_at: string | null;
  /** The first repliers, in the order of their first reply (at most PARTICIPANTS_SHOWN). */
  participants: string[];
}

export interface UserThread extends ThreadSummary {
  read_seq: number;
  /** Replies after read_seq by others than the user. */
  unread: number;
}

export interface MentionRow {
  conversation_id: string;
  seq: number;
  message_id: string;
  created_at: string;
}

export const PARTICIPANTS_SHOWN = 5;

export interface ThreadStore {
  /** Records a thread's root the first time a reply is sent into it; a repeat changes nothing. */
  openThread(root: { conversation_id: string; id: string; seq: number; sender: string }): Promise<void>;
  getThread(conversationId: string, rootId: string): Promise<ThreadSummary | null>;
  /** Threads with at least one reply, latest activity first; `beforeSeq`: only those whose last reply is older. */
  listThreads(conversationId: string, opts: { beforeSeq?: number; limit: number }): Promise<ThreadSummary[]>;
  /** Threads the user started or replied in, in conversations the user is a member of, latest activity first. */
  listUserThreads(user: string, opts: { before?: { at: string; conversationId: string; rootId: string }; limit: number }): Promise<UserThread[]>;
  /** The seqs of the thread's replies in (afterSeq, beforeSeq), ascending; the latest `limit` when no afterSeq is given. */
  replySeqs(conversationId: string, rootId: string, range: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<number[]>;
  /** Raises the user's read watermark in the thread (never lowers it); returns it. */
  markThreadRead(conversationId: string, rootId: string, user: string, seq: number): Promise<number>;
  /** Per conversation of the user: thread-only replies (not in the main timeline) after the user's read seq, and mentions of the user after it. */
  unreadAdjustments(user: string): Promise<Map<string, { threadOnly: number; mentions: number }>>;
  /** Messages that mention the user, newest first; `before`: strictly older than that mention. */
  listMentions(user: string, opts: { before?: { at: string; conversationId: string; seq: number }; limit: number }): Promise<MentionRow[]>;
}
