// The warm store's ports: the source of truth for conversations, members and messages.
// One SQL implementation (sql/sql-store.ts) serves SQLite and PostgreSQL; both pass
// store.contract.ts. Message writes are idempotent on (conversation_id, seq): a redelivered
// persist-log entry never makes a second row.
import type { Message } from '../model/message.js';
import type { ChangeStore } from './change-store.js';

export type Role = 'owner' | 'admin' | 'member';
export type Kind = 'direct' | 'group' | 'announcement';

export interface Member {
  user: string;
  role: Role;
}

export interface Conversation {
  id: string;
  title: string | null;
  kind: Kind;
  created_by: string;
  created_at: string;
  members: Member[];
}

export interface ConversationSummary {
  id: string;
  title: string | null;
  kind: Kind;
  created_by: string;
  created_at: string;
  /** Highest persisted seq (the API overlays the hot counter). */
  last_seq: number;
  last_activity_at: string;
  read_seq: number;
}

export interface MessageRange {
  /** Exclusive bounds; neither → the latest `limit`. */
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}

export interface ConversationStore {
  createConversation(c: Conversation): Promise<void>;
  getConversation(id: string): Promise<Conversation | null>;
  listConversations(user: string): Promise<ConversationSummary[]>;
  getRole(conversationId: string, user: string): Promise<Role | null>;
  /** Whether two users are members of at least one common conversation (who may see whose presence). */
  shareConversation(a: string, b: string): Promise<boolean>;
  /** Throws AppError MEMBER_EXISTS if already a member. */
  addMember(conversationId: string, member: Member): Promise<void>;
  /** False if the user was not a member. */
  removeMember(conversationId: string, user: string): Promise<boolean>;
  /** False if the user is not a member. */
  setRole(conversationId: string, user: string, role: Role): Promise<boolean>;
  /** False if the conversation does not exist. */
  setTitle(conversationId: string, title: string | null): Promise<boolean>;
}

export interface MessageStore {
  /**
   * Inserts messages in one transaction; rows already present (same conversation_id and seq)
   * are left as they are. Returns how many rows were new. Advances conversations.last_seq.
   */
  insertMessages(messages: Message[]): Promise<number>;
  /** Ascending by seq. */
  listMessages(conversationId: string, range: MessageRange): Promise<Message[]>;
  getMessage(id: string): Promise<Message | null>;
  /** The warm store's rows at these seqs (those it holds), ascending by seq. */
  listMessagesAt(conversationId: string, seqs: number[]): Promise<Message[]>;
  getMessageBySeq(conversationId: string, seq: number): Promise<Message | null>;
  findByClientId(conversationId: string, sender: string, clientId: string): Promise<Message | null>;
  /** Messages of the conversation sent with a client_id at or after `since` (ISO-8601), ascending by seq. */
  listWithClientIdSince(conversationId: string, since: string): Promise<Message[]>;
  /** Highest seq ever persisted for the conversation (0 if none), archived ones included. */
  maxSeq(conversationId: string): Promise<number>;
}

export interface Store extends ConversationStore, MessageStore, ChangeStore {
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
