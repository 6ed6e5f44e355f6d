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
  sender: string;
  text: string | null;
  reply_to: string | null;
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

export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Server → client frames as the SDK surfaces them (DESIGN.md, WebSocket). */
export interface ReactionEvent { type: 'reaction'; message_id: string; conversation_id?: string; user: string; reaction: string; removed?: boolean }
export interface ReceiptEvent { type: 'receipt'; conversation_id: string; user: string; delivered_seq?: number; read_seq?: number }
export interface TypingEvent { type: 'typing'; conversation_id: string; user: string }
export interface PresenceEvent { type: 'presence'; user: string; online: boolean }
export interface ErrorEvent { type: 'error'; ref?: string; code: string; detail: string }

export interface SocketEvents {
  /** Each message exactly once, in seq order per conversation (live, resumed or acked). */
  message: Message;
  edit: { type: 'edit'; message: Message };
  delete: { type: 'delete'; message: Message };
  reaction: ReactionEvent;
  receipt: ReceiptEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  error: ErrorEvent;
  state: SocketState;
  disconnect: { code: number; reason: string };
  resumed: { conversation_id: string; last_seq: number };
}
