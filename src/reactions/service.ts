// Reactions: per message, a set of (user, reaction). Adding twice is adding once; removing what
// is absent is a no-op. A change is stored, then fanned out to the conversation as
// {type:"reaction", message_id, conversation_id, user, reaction, removed}. Members only; a
// deleted message takes no reactions.
import { AppError } from '../errors.js';
import { conversationTopic, type Fanout } from '../hot-tier/fanout.js';
import type { EditService } from '../messages/edits.js';
import type { ReactionStore } from '../store/reaction-store.js';

export class ReactionService {
  constructor(private edits: EditService, private store: ReactionStore, private fanout: Fanout) {}

  async set(user: string, messageId: string, reaction: string, on: boolean): Promise<void> {
    const m = await this.edits.load(user, messageId);
    if (on && m.deleted_at) throw new AppError('MESSAGE_DELETED', 'a deleted message takes no reactions');
    const changed = on
      ? await this.store.addReaction(m.id, m.conversation_id, user, reaction)
      : await this.store.removeReaction(m.id, user, reaction);
    if (!changed) return;
    const frame = JSON.stringify({ type: 'reaction', message_id: m.id, conversation_id: m.conversation_id, user, reaction, removed: !on });
    await this.fanout.publish(conversationTopic(m.conversation_id), frame);
  }
}
