// The SearchStore port: the warm store's full-text index of messages (migration 0005,
// docs/search.md). One document per message with text: its normalised words
// (model/search-tokens.ts) and what search filters on. Written by the persist workers in the
// transaction that stores or changes the message (a deleted message has none; an edit replaces
// it) and never archived, so archived messages stay searchable; the engine (SQLite FTS5,
// PostgreSQL tsvector + GIN) only narrows the candidates, the search service matches them.
import type { Term } from '../model/search-tokens.js';

export interface SearchDoc {
  conversation_id: string;
  seq: number;
  message_id: string;
  sender: string;
  thread_id: string | null;
  created_at: string;
  /** The normalised words, space-separated. */
  words: string;
}

export interface SearchFilter {
  conversationIds: string[];
  sender?: string;
  threadId?: string;
  /** created_at bounds, ISO-8601, exclusive. */
  before?: string;
  after?: string;
  /** Terms the engine narrows by (a superset of the messages that match them). */
  terms: Term[];
  /** Newest first, strictly older than this position. */
  olderThan?: { created_at: string; conversation_id: string; seq: number };
  limit: number;
}

export interface SearchStore {
  /** Candidate documents newest first (created_at, conversation_id, seq descending). */
  searchCandidates(f: SearchFilter): Promise<SearchDoc[]>;
}
