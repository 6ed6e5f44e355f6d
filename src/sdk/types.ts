// Wire types of the SDK, derived from the server's own schemas (no hand-copied shapes).
import type { Static } from '@sinclair/typebox';
import type { ConversationSummaryT, ConversationT, CreateConversationBody, MemberT } from '../conversations/schemas.js';
import type { HistoryPage as HistoryPageT, MessageT } from '../messages/schemas.js';

export type Message = Static<typeof MessageT>;
export type Conversation = Static<typeof ConversationT>;
export type ConversationSummary = Static<typeof ConversationSummaryT>;
export type Member = Static<typeof MemberT>;
export type CreateConversation = CreateConversationBody;
export type HistoryPage = Static<typeof HistoryPageT>;

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
