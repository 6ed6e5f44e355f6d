// Wire types of the SDK, written out as plain interfaces so the published package
// (@strata/client, `strata/client`) depends on nothing of the server: no TypeBox, no schema
// modules, in its code or its .d.ts. types.test.ts keeps each one identical to the server's
// schema (Static<> of conversations/schemas.ts and messages/schemas.ts): a field added, removed
// or retyped on either side fails `npm run typecheck`.

/** A stored message (server schema `Message`). `text` is null once deleted. */
export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  /** The cursor of the message's latest change: its creation, an edit or its delete. */
  version: number;
  sender: string;
  text: string | null;
  reply_to: string | null;
  /** The root message of the thread this message replies in, or null. */
  thread_id: string | null;
  /** Whether the main timeline shows it (false for a thread-only reply). */
  in_timeline: boolean;
  /** Members the message mentions. */
  mentions: string[];
  /** The sender's own JSON object, or null. */
  metadata: Record<string, unknown> | null;
  /** Files attached; `url` is Strata's stable link (GET it with the token for a short-lived download). */
  attachments: { id: string; name: string; size: number; content_type: string; width: number | null; height: number | null; url: string }[];
  client_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

export interface Member {
  user: string;
  role: 'owner' | 'admin' | 'member';
}

export interface Conversation {
  id: string;
  title: string | null;
  kind: 'direct' | 'group' | 'announcement';
  created_by: string;
  created_at: string;
  members: Member[];
  /** The current change cursor (`GET /v1/conversations/{id}` only): load history, then resume after it. */
  cursor?: number;
  /** Slow mode, seconds between two messages of a member (0: off) (`GET` and `PATCH /v1/conversations/{id}`). */
  slow_mode_s?: number;
}

/** Body of `PATCH /v1/conversations/{id}` (owners/admins): at least one field. */
export interface UpdateConversation {
  title?: string | null;
  slow_mode_s?: number;
  kind?: 'group' | 'announcement';
}

/** One entry of `GET /v1/conversations`: mine, newest activity first. */
export interface ConversationSummary {
  id: string;
  title: string | null;
  kind: 'direct' | 'group' | 'announcement';
  created_by: string;
  created_at: string;
  last_activity_at: string;
  last_seq: number;
  read_seq: number;
  unread: number;
  /** Messages after read_seq that mention you. */
  unread_mentions: number;
}

/** Body of `POST /v1/conversations`: the creator becomes owner. */
export interface CreateConversation {
  members: string[];
  title?: string | null;
  kind?: 'direct' | 'group' | 'announcement';
}

export interface HistoryPage {
  messages: Message[];
  has_more: boolean;
}

/** Options of a send (REST `POST /v1/conversations/{id}/messages` and the `send` frame), besides the text. */
export interface SendOptions {
  /** Quote an earlier message of the conversation. */
  reply_to?: string | null;
  /** Reply in the thread of this root message (a message that is not itself a reply). */
  thread_id?: string | null;
  /** With `thread_id`: show the reply in the main timeline too (default false: thread only). */
  also_in_conversation?: boolean;
  /** Members the message mentions (user ids, no duplicates, at most 50). */
  mentions?: string[];
  /** Your own data: a JSON object, at most MAX_METADATA_BYTES (4 KiB by default) of JSON. */
  metadata?: Record<string, unknown>;
  /** Upload ids (POST /v1/conversations/{id}/uploads, then PUT the bytes) to attach (docs/attachments.md). */
  attachments?: string[];
  /** Idempotency key: a retry with the same one returns the original message. */
  client_id?: string | null;
}

/** Options of an edit (`PATCH /v1/messages/{id}`), besides the text. */
export interface EditOptions {
  /** Replaces the message's mentions when given (`[]` removes them all); kept when absent. */
  mentions?: string[];
  /** Replaces the message's metadata when given (`null` clears it); kept when absent. */
  metadata?: Record<string, unknown> | null;
}

/** A thread's summary (server schema `ThreadSummary`). `reply_count` 0: no reply yet. */
export interface ThreadSummary {
  conversation_id: string;
  root_id: string;
  root_seq: number;
  root_sender: string;
  reply_count: number;
  /** The seq of the latest reply (0: none). */
  last_reply_seq: number;
  last_reply_at: string | null;
  /** The first repliers, in the order of their first reply (at most 5). */
  participants: string[];
}

/** One entry of `GET /v1/threads`: a thread I started or replied in, with my read watermark in it. */
export interface UserThread extends ThreadSummary {
  read_seq: number;
  /** Replies after read_seq by others than me. */
  unread: number;
}

/** `GET /v1/messages/{root}/thread`. `settled` false: the warm store was behind; replies acked just now may be missing. */
export interface ThreadView {
  root: Message;
  thread: ThreadSummary;
  settled: boolean;
}

/** `GET /v1/messages/{root}/replies`: replies ascending by seq. */
export interface RepliesPage {
  thread: ThreadSummary;
  messages: Message[];
  has_more: boolean;
  settled: boolean;
}

/** `GET /v1/conversations/{id}/threads`: threads with replies, latest activity first. */
export interface ThreadList {
  threads: ThreadSummary[];
  settled: boolean;
}

/** `GET /v1/threads`: pass `next_cursor` as `cursor` for the next page (null: no more). */
export interface UserThreadList {
  threads: UserThread[];
  next_cursor: string | null;
}

/** `GET /v1/mentions`: messages that mention me, newest first. */
export interface MentionsPage {
  messages: Message[];
  next_cursor: string | null;
}

/** The filters and paging of `GET /v1/search`, besides `q` (docs/search.md). */
export interface SearchOptions {
  /** Only this conversation (like `in:` in the query). */
  conversation_id?: string;
  /** Only this sender (like `from:`). */
  sender?: string;
  /** Only the replies of the thread with this root. */
  thread_id?: string;
  /** ISO-8601 times, exclusive, on `created_at` (give UTC with milliseconds, as the server writes them). */
  before?: string;
  after?: string;
  /** `relevance` (server default) or `time` (newest first). */
  sort?: 'relevance' | 'time';
  /** 1..100, server default 20. */
  limit?: number;
  /** The previous page's `next_cursor`, with the same query and sort. */
  cursor?: string;
}

/** `[start, end)` UTF-16 offsets (JavaScript string indices) of a matched word. */
export type Highlight = [number, number];

/** One hit of `GET /v1/search`: the message as history serves it, where the query matched it, and an excerpt. */
export interface SearchResult {
  message: Message;
  /** The matched words in `message.text`, ascending. */
  highlights: Highlight[];
  /** At most 160 characters of the text around the first match (… where text was left out), with the matches in it. */
  snippet: { text: string; highlights: Highlight[] };
  /** Relevance (the same for a message in every tier). */
  score: number;
}

/** `GET /v1/search`: pass `next_cursor` as `cursor` for the next page (null: no more). `settled`
 *  false: the warm store was behind; changes acked just now may not be reflected. */
export interface SearchPage {
  results: SearchResult[];
  next_cursor: string | null;
  settled: boolean;
}

/** One pin of `GET /v1/conversations/{id}/pins`: the message as history serves it (its tombstone once deleted). */
export interface Pin {
  message: Message;
  pinned_by: string;
  pinned_at: string;
}

/** `GET /v1/conversations/{id}/pins`: every pin, newest first. */
export interface PinList {
  pins: Pin[];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
}

/** A conversation ban (`POST /v1/conversations/{id}/bans`, `GET …/bans`) or an app-wide one (`/v1/admin/…`). */
export interface Ban {
  user: string;
  by: string;
  reason: string | null;
  at: string;
}

/** A running mute (`POST /v1/conversations/{id}/mutes`, `GET …/mutes`): it ends at `until`. */
export interface Mute {
  user: string;
  by: string;
  reason: string | null;
  at: string;
  until: string;
}

/** A report of a message (`POST /v1/messages/{id}/reports`; operators: `GET /v1/admin/reports`). */
export interface Report {
  id: string;
  conversation_id: string;
  message_id: string;
  sender: string;
  reporter: string;
  reason: string;
  /** The message's text when it was reported. */
  message_text: string | null;
  state: 'open' | 'dismissed' | 'message_deleted' | 'muted' | 'banned';
  created_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
  resolution_reason: string | null;
}

/** `GET /v1/admin/reports`: newest first; pass `next_before` as `before` for the next page (null: the last). */
export interface ReportPage {
  reports: Report[];
  next_before: string | null;
}

/** How an operator resolves a report (`mute` and `ban` answer 501 REPORT_ACTION_UNAVAILABLE until wired). */
export type ReportResolution = 'dismiss' | 'delete_message' | 'mute' | 'ban';

export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

// The change log (docs/changes.md): every change to a conversation is one of these, `type` and
// `cursor` first. The live frame of a change IS the change (same bytes live, from a resume,
// from GET …/changes and inside GET /v1/sync).

/** A message was created (`message.version` = `cursor`). */
export interface MessageChange { type: 'message'; cursor: number; message: Message }
/** A message's text changed: `message` is the whole message after the edit. */
export interface EditChange { type: 'edit'; cursor: number; message: Message }
/** A message was deleted: `message` is the tombstone (`text: null`, `deleted_at` set). */
export interface DeleteChange { type: 'delete'; cursor: number; message: Message }
/** A reaction was added (`removed: false`) or removed. */
export interface ReactionChange {
  type: 'reaction';
  cursor: number;
  conversation_id: string;
  message_id: string;
  user: string;
  reaction: string;
  removed: boolean;
  at: string;
}
/** `added`, `removed` (`role: null`) or `role` (the new role) of one member. */
export interface MemberChange {
  type: 'member';
  cursor: number;
  conversation_id: string;
  user: string;
  role: 'owner' | 'admin' | 'member' | null;
  /** `banned`/`unbanned` (`role: null`): a ban removes the member too (docs/moderation.md). */
  change: 'added' | 'removed' | 'role' | 'banned' | 'unbanned';
  by: string;
  at: string;
}
/** The conversation's title changed. */
export interface ConversationChange {
  type: 'conversation';
  cursor: number;
  conversation_id: string;
  title: string | null;
  by: string;
  at: string;
}
/** A message was pinned (`pinned: true`) or unpinned; `seq` is the message's. */
export interface PinChange {
  type: 'pin';
  cursor: number;
  conversation_id: string;
  message_id: string;
  seq: number;
  pinned: boolean;
  by: string;
  at: string;
}
/** A member was muted until `until`, or unmuted (`until: null`) (docs/moderation.md). */
export interface MuteChange {
  type: 'mute';
  cursor: number;
  conversation_id: string;
  user: string;
  until: string | null;
  by: string;
  at: string;
}
/** The conversation's moderation rules after the change: kind and slow mode (0: off) (docs/moderation.md). */
export interface RulesChange {
  type: 'rules';
  cursor: number;
  conversation_id: string;
  kind: 'direct' | 'group' | 'announcement';
  slow_mode_s: number;
  by: string;
  at: string;
}
export type Change = MessageChange | EditChange | DeleteChange | ReactionChange | MemberChange | ConversationChange | PinChange | MuteChange | RulesChange;

/** `GET /v1/conversations/{id}/changes?after=&limit=`: `cursor` is the conversation's current one. */
export interface ChangesPage {
  changes: Change[];
  cursor: number;
  has_more: boolean;
}

/** One member's receipt watermarks, as `GET /v1/sync` returns them. */
export interface SyncWatermark {
  user: string;
  delivered_seq: number;
  read_seq: number;
}

/** Your notification settings of a conversation: `GET /v1/sync`, the `settings` frame (docs/push.md). */
export interface ConversationNotifySettings {
  muted: boolean;
  notify: 'all' | 'mentions' | 'none';
}

/** One conversation of `GET /v1/sync`: its list entry, where it stands, and what changed. */
export interface SyncConversation {
  id: string;
  title: string | null;
  kind: 'direct' | 'group' | 'announcement';
  created_by: string;
  created_at: string;
  last_activity_at: string;
  last_seq: number;
  read_seq: number;
  delivered_seq: number;
  unread: number;
  /** Messages after read_seq that mention you. */
  unread_mentions: number;
  cursor: number;
  watermarks: SyncWatermark[];
  /** Your notification settings of the conversation (docs/push.md). */
  settings: ConversationNotifySettings;
  status: 'joined' | 'changed' | 'unchanged' | 'reload';
  changes: Change[];
  has_more: boolean;
}

/** `GET /v1/sync?since=&limit=`: pass `token` as `since` next time. */
export interface SyncResponse {
  token: string;
  conversations: SyncConversation[];
  left: string[];
}

/** Server → client frames as the SDK surfaces them (docs/websocket.md, docs/changes.md). */
export type ReactionEvent = ReactionChange;
export interface ReceiptEvent { type: 'receipt'; conversation_id: string; user: string; delivered_seq?: number; read_seq?: number }
export interface TypingEvent { type: 'typing'; conversation_id: string; user: string }
export interface PresenceEvent { type: 'presence'; user: string; online: boolean }
export interface MembershipEvent { type: 'membership'; conversation_id: string; user: string; change: 'added' | 'removed' }
/** An error frame; `retry_after` (seconds) with SLOW_MODE, `muted_until` (ISO-8601) with MUTED. */
export interface ErrorEvent { type: 'error'; ref?: string; code: string; detail: string; retryable?: boolean; retry_after?: number; muted_until?: string }

export interface SocketEvents {
  /** Each message exactly once, in order per conversation (live, resumed or acked). Thread
   *  replies too, with `thread_id` set: a main timeline shows only those with `in_timeline`. */
  message: Message;
  edit: EditChange;
  delete: DeleteChange;
  reaction: ReactionChange;
  member: MemberChange;
  conversation: ConversationChange;
  pin: PinChange;
  mute: MuteChange;
  rules: RulesChange;
  /** Every change once, in cursor order per conversation (live, replayed by a resume, or paged
   *  from REST), before its typed event (`message`, `edit`, …). */
  change: Change;
  /** The server no longer holds the changes after this conversation's cursor (RELOAD_REQUIRED):
   *  drop its local state, load it again, then `socket.reset(id, cursor, lastSeq)`. */
  reload: { conversation_id: string; code: string };
  membership: MembershipEvent;
  receipt: ReceiptEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  error: ErrorEvent;
  state: SocketState;
  disconnect: { code: number; reason: string };
  /** A resume finished: `cursor` after a resume by cursor, `last_seq` after one by seq. */
  resumed: { conversation_id: string; cursor?: number; last_seq?: number };
}
