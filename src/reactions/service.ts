// Reactions: per message, a set of (user, reaction). Adding twice is adding once; removing what
// is absent is a no-op. A change of the set is stored, then accepted into the conversation's
// change log (cursor, change ring, persist log, live frame in one hot-tier call):
// {type:"reaction", cursor, conversation_id, message_id, user, reaction, removed, at}.
// Members only; a deleted message takes no reactions.
import type { ChangeLog } from '../changes/change-log.js';
import { AppError } from '../errors.js';
import type { EditService } from '../messages/edits.js';
import type { ReactionRow, ReactionStore } from '../store/reaction-store.js';

export class ReactionService {
  constructor(private edits: EditService, private store: ReactionStore, private changes: ChangeLog) {}

  /** The message's reactions, ordered by time then user (a member's full load; changes keep it current). */
  async list(user: string, messageId: string): Promise<ReactionRow[]> {
    const m = await this.edits.load(user, messageId);
    const rows = await this.store.reactions(m.id);
    return rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.user.localeCompare(b.user) || a.reaction.localeCompare(b.reaction));
  }

  async set(user: string, messageId: string, reaction: string, on: boolean): Promise<void> {
    const m = await this.edits.load(user, messageId);
    if (on && m.deleted_at) throw new AppError('MESSAGE_DELETED', 'a deleted message takes no reactions');
    const changed = on
      ? await this.store.addReaction(m.id, m.conversation_id, user, reaction)
      : await this.store.removeReaction(m.id, user, reaction);
    if (!changed) return;
    const body = JSON.stringify({ conversation_id: m.conversation_id, message_id: m.id, user, reaction, removed: !on, at: new Date().toISOString() });
    try {
      // refused atomically with the cursor when the user is banned or muted (docs/moderation.md)
      await this.changes.record(m.conversation_id, { type: 'reaction', body: `,${body.slice(1)}`, actor: user });
    } catch (e) {
      // not accepted into the change log (backlog, hot tier down): undo the store's write, so
      // the retry the error asks for changes it again — and is logged — instead of finding it done
      if (on) await this.store.removeReaction(m.id, user, reaction);
      else await this.store.addReaction(m.id, m.conversation_id, user, reaction);
      throw e;
    }
  }
}
