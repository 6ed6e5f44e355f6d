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
  kind: 'direct' | 'group';
  created_by: string;
  created_at: string;
  members: Member[];
  /** The current change cursor (`GET /v1/conversations/{id}` only): load history, then resume after it. */
  cursor?: number;
}

/** One entry of `GET /v1/conversations`: mine, newest activity first. */
export interface ConversationSummary {
  id: string;
  title: string | null;
  kind: 'direct' | 'group';
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
  kind?: 'direct' | 'group';
}

export interface HistoryPage {
  messages: Message[];
  has_more: boolean;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
}

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
  change: 'added' | 'removed' | 'role';
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
export type Change = MessageChange | EditChange | DeleteChange | ReactionChange | MemberChange | ConversationChange;

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

/** One conversation of `GET /v1/sync`: its list entry, where it stands, and what changed. */
export interface SyncConversation {
  id: string;
  title: string | null;
  kind: 'direct' | 'group';
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
export interface ErrorEvent { type: 'error'; ref?: string; code: string; detail: string }

export interface SocketEvents {
  /** Each message exactly once, in order per conversation (live, resumed or acked). */
  message: Message;
  edit: EditChange;
  delete: DeleteChange;
  reaction: ReactionChange;
  member: MemberChange;
  conversation: ConversationChange;
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
