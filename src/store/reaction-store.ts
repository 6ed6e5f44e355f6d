// The ReactionStore port: each user's reaction set per message, in the warm store (table
// `reactions`, migration 0001). add and remove are idempotent and say whether they changed anything.

export interface ReactionRow {
  user: string;
  reaction: string;
  created_at: string;
}

export interface ReactionStore {
  /** Adds to the user's reaction set; false when it was already there. */
  addReaction(messageId: string, conversationId: string, user: string, reaction: string): Promise<boolean>;
  /** Removes from the user's reaction set; false when it was not there. */
  removeReaction(messageId: string, user: string, reaction: string): Promise<boolean>;
  reactions(messageId: string): Promise<ReactionRow[]>;
}
