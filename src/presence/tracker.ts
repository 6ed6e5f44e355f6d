// Presence of this node's users: the first socket of a user here records it in the
// PresenceStore (TTL), a heartbeat refreshes every local user, the last socket gone removes it.
// When that flips the user's global state, {type:"presence", user, online} is published on
// each of the user's conversations (the hub skips the user's own sockets). A crashed node's
// users expire from the store after the TTL (readable via GET /v1/users/{user}/presence) but
// get no offline frame: nobody is left to send it.
import { conversationTopic, type Fanout } from '../hot-tier/fanout.js';
import { AppError } from '../errors.js';
import type { PresenceInfo, PresenceStore } from '../hot-tier/presence-store.js';
import type { ConversationStore } from '../store/store.js';

export class PresenceTracker {
  constructor(
    private store: PresenceStore,
    private fanout: Fanout,
    readonly node: string,
    private ttlMs: number,
    private members: Pick<ConversationStore, 'shareConversation'>,
  ) {}

  /** A user's presence as `viewer` may see it: themself, or someone they share a conversation with (the rule of live presence frames). */
  async of(viewer: string, user: string): Promise<PresenceInfo> {
    if (viewer !== user && !(await this.members.shareConversation(viewer, user))) {
      throw new AppError('USER_NOT_FOUND', `no user ${user} among the people you share a conversation with`);
    }
    return this.store.get(user);
  }

  async online(user: string, conversations: Iterable<string>): Promise<void> {
    if (await this.store.connect(user, this.node, this.ttlMs)) await this.announce(user, true, conversations);
  }

  async offline(user: string, conversations: Iterable<string>): Promise<void> {
    if (await this.store.disconnect(user, this.node)) await this.announce(user, false, conversations);
  }

  heartbeat(users: string[]): Promise<void> {
    return users.length ? this.store.refresh(users, this.node, this.ttlMs) : Promise.resolve();
  }

  private async announce(user: string, online: boolean, conversations: Iterable<string>) {
    const frame = JSON.stringify({ type: 'presence', user, online });
    await Promise.all([...conversations].map((c) => this.fanout.publish(conversationTopic(c), frame)));
  }
}
