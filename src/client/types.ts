// Wire types of the SDK, derived from the server's own schemas (no hand-copied shapes).
import type { Static } from '@sinclair/typebox';
import type { ConversationSummaryT, ConversationT, CreateConversationBody, MemberT } from '../conversations/schemas.js';
import type { HistoryPage, MessageT } from '../messages/schemas.js';

export type Message = Static<typeof MessageT>;
export type Conversation = Static<typeof ConversationT>;
export type ConversationSummary = Static<typeof ConversationSummaryT>;
export type Member = Static<typeof MemberT>;
export type CreateConversation = CreateConversationBody;
export type HistoryPage = Static<typeof HistoryPage>;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
}
