// ReactionStore over the warm store's Kysely instance (SQLite or PostgreSQL): one row per
// (message, user, reaction); add is INSERT … ON CONFLICT DO NOTHING, so a repeat changes nothing.
import type { Kysely } from 'kysely';
import type { ReactionRow, ReactionStore } from '../reaction-store.js';
import { guard } from './errors.js';
import type { DB } from './schema.js';

export class SqlReactions implements ReactionStore {
  constructor(private db: Kysely<DB>) {}

  addReaction(messageId: string, conversationId: string, user: string, reaction: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.insertInto('reactions')
        .values({ message_id: messageId, conversation_id: conversationId, user_id: user, reaction, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['message_id', 'user_id', 'reaction']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  removeReaction(messageId: string, user: string, reaction: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.deleteFrom('reactions').where('message_id', '=', messageId).where('user_id', '=', user).where('reaction', '=', reaction).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  reactions(messageId: string): Promise<ReactionRow[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('reactions').select(['user_id', 'reaction', 'created_at']).where('message_id', '=', messageId).orderBy('created_at').execute();
      return rows.map((r) => ({ user: r.user_id, reaction: r.reaction, created_at: new Date(r.created_at).toISOString() }));
    });
  }
}
