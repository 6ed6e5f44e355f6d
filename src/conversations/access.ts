// Membership checks with a short per-node cache. A change made through this node invalidates
// its entry at once; other nodes see it within CACHE_MS. Non-members get 404
// CONVERSATION_NOT_FOUND, indistinguishable from a conversation that does not exist, so ids
// leak nothing. During a warm-store outage a cached answer up to STALE_MS old is used, so
// members keep sending (the hot tier takes the messages; the persist log holds them).
import { AppError, isAppError } from '../errors.js';
import type { ConversationStore, Role } from '../store/store.js';

const CACHE_MS = 2000;
const STALE_MS = 15 * 60_000;
const MAX_ENTRIES = 100_000;

export class Access {
  private cache = new Map<string, { role: Role | null; at: number }>();

  constructor(private store: ConversationStore) {}

  async role(conversationId: string, user: string): Promise<Role | null> {
    const key = `${conversationId}\n${user}`;
    const hit = this.cache.get(key);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_MS) return hit.role;
    let role: Role | null;
    try {
      role = await this.store.getRole(conversationId, user);
    } catch (e) {
      if (isAppError(e) && e.code === 'UNAVAILABLE' && hit && now - hit.at < STALE_MS) return hit.role;
      throw e;
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { role, at: now });
    return role;
  }

  async requireMember(conversationId: string, user: string): Promise<Role> {
    const role = await this.role(conversationId, user);
    if (!role) throw new AppError('CONVERSATION_NOT_FOUND', `conversation ${conversationId} not found`);
    return role;
  }

  invalidate(conversationId: string, user: string): void {
    this.cache.delete(`${conversationId}\n${user}`);
  }
}
