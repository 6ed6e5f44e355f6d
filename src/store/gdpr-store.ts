// The GDPR ports (docs/gdpr.md): the jobs table (GdprJobStore) and what the warm store holds
// about one user (UserDataStore): read for an export, scrubbed by an erase. Adapter:
// store/sql/sql-gdpr.ts (SQLite and PostgreSQL); contract: gdpr-store.contract.ts.
// Every scrub is idempotent: an erase job killed at any point and run again converges.
import type { Message } from '../model/message.js';

export type GdprJobKind = 'export' | 'erase';
export type GdprJobState = 'pending' | 'running' | 'done' | 'failed';

export interface GdprJob {
  id: string;
  kind: GdprJobKind;
  user: string;
  requested_by: string;
  state: GdprJobState;
  /** The step running (or the last one, once finished). */
  step: string;
  progress: Record<string, number>;
  /** Where the step stands (opaque to all but the job's runner). */
  cursor: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export type GdprJobPatch = Partial<Pick<GdprJob, 'state' | 'step' | 'progress' | 'cursor' | 'result' | 'error' | 'started_at' | 'finished_at'>>;

export interface GdprJobStore {
  createJob(job: GdprJob): Promise<void>;
  getJob(id: string): Promise<GdprJob | null>;
  /** A user's jobs, newest first. */
  listJobs(user: string): Promise<GdprJob[]>;
  /** Jobs pending or running (a running one whose node died is resumed), oldest first. */
  unfinishedJobs(): Promise<GdprJob[]>;
  updateJob(id: string, patch: GdprJobPatch): Promise<void>;
  /** Whether an erase job of the user is pending or running (the user is blocked meanwhile: moderation/app-bans.ts). */
  erasing(user: string): Promise<boolean>;
}

/** A reaction the user made. */
export interface UserReaction {
  message_id: string;
  conversation_id: string;
  reaction: string;
  created_at: string;
}

export interface UserUpload {
  id: string;
  conversation_id: string;
  name: string;
  size: number;
  content_type: string;
  object_key: string;
  state: string;
  message_id: string | null;
  created_at: string;
}

export interface UserDataStore {
  /** Conversations holding warm rows or overlays sent by the user, sorted. */
  conversationsWithMessagesOf(user: string): Promise<string[]>;
  /**
   * Conversations the user is a member of, or was (a stored `member` or `conversation` change
   * names them), sorted: where messages of theirs may be on their way to the warm store.
   */
  conversationsJoinedBy(user: string): Promise<string[]>;
  /** The user's warm messages in a conversation, rows and overlays (archived, changed since), ascending by seq. */
  messagesOf(conversationId: string, user: string): Promise<Message[]>;
  /**
   * Each stored change of the conversation of type message/edit/delete is passed to `rewrite`
   * (its JSON): null means not concerned; a JSON replaces the stored one where it differs (same
   * cursor and type). Returns every concerned change with its JSON as now stored, rewritten now
   * or before (a rerun after a crash gets the same list).
   */
  rewriteChanges(conversationId: string, rewrite: (json: string) => string | null): Promise<{ cursor: number; json: string }[]>;
  /** Webhook dead letters of the conversation, their bodies passed through `rewrite` (replaced when different); returns how many changed. */
  rewriteDeadLetters(conversationId: string, rewrite: (body: string) => string): Promise<number>;
  /** Drops the search documents of these seqs and clears the text reports keep of these messages. */
  dropDerivedText(conversationId: string, seqs: number[], messageIds: string[]): Promise<void>;
  /** The user's reactions, by time. */
  reactionsOf(user: string): Promise<UserReaction[]>;
  /** Deletes the user's receipts (delivered/read watermarks), thread read marks, notification settings, push subscriptions and the blocks they made, and empties the reasons of the reports they filed; returns rows changed. */
  deleteUserState(user: string): Promise<number>;
  /** The user's uploads (any state). */
  uploadsOf(user: string): Promise<UserUpload[]>;
  deleteUpload(id: string): Promise<void>;
  /** Everything else about the user, for an export: memberships, receipts, mentions, push subscriptions, settings, audit entries. */
  exportRows(user: string): Promise<Record<string, unknown[]>>;
}

/** Audit `details` keys naming third parties, left out of a user's export. */
const THIRD_PARTY_DETAILS = ['reporter'];

/**
 * An audit entry's details as the user's export shows them: without other users' identities
 * (unless they are the user). Shared by the warm store's exportRows and the archived entries
 * (gdpr/export.ts). Returns a copy.
 */
export function ownAuditDetails(details: Record<string, unknown> | null, user: string): Record<string, unknown> | null {
  if (details === null) return null;
  const d = { ...details };
  for (const k of THIRD_PARTY_DETAILS) if (k in d && d[k] !== user) delete d[k];
  return d;
}
