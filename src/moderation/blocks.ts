// Users' blocks (docs/moderation.md#blocks). When either of two users blocked the other:
// - a new direct conversation between them is refused (BLOCKED);
// - a send into their direct conversation (kind `direct`) is refused (BLOCKED), in both
//   directions, so the blocker receives nothing from the blocked user there and neither side
//   learns which of the two blocked;
// - groups are unaffected: messages are delivered to every member; clients hide the blocked
//   users' messages with GET /v1/blocks.
// Each node caches a pair's answer and a conversation's kind for CACHE_MS; a block or unblock
// made on this node applies at once there, on other nodes within CACHE_MS.
import { AppError, isAppError } from '../errors.js';
import type { BlockStore } from '../store/block-store.js';
import type { ConversationStore } from '../store/store.js';

const CACHE_MS = 2000;
/** During a warm-store outage the last answer stands this long, as membership's does (conversations/access.ts): sends go on through the hot tier. */
const STALE_MS = 15 * 60_000;

/**
 * The fresh answer with its time, or — when the warm store is unreachable — the cached one with
 * ITS time (so it is not taken for fresh), up to STALE_MS old.
 */
async function orStale<T>(hit: { at: number } | undefined, read: () => Promise<T>, stale: () => T): Promise<{ value: T; at: number }> {
  try {
    return { value: await read(), at: Date.now() };
  } catch (e) {
    if (isAppError(e) && e.code === 'UNAVAILABLE' && hit && Date.now() - hit.at < STALE_MS) return { value: stale(), at: hit.at };
    throw e;
  }
}
const MAX_ENTRIES = 100_000;

export class Blocks {
  private pairs = new Map<string, { blocked: boolean; at: number }>();
  private directs = new Map<string, { members: string[] | null; at: number }>();

  constructor(private store: BlockStore | undefined, private conversations: Pick<ConversationStore, 'getConversation'>) {}

  private get blocks(): BlockStore {
    if (!this.store) throw new AppError('UNAVAILABLE', 'blocks are not configured on this node');
    return this.store;
  }

  private key(a: string, b: string) {
    return a < b ? `${a}\n${b}` : `${b}\n${a}`;
  }

  /** True when either blocked the other. */
  async between(a: string, b: string): Promise<boolean> {
    if (!this.store) return false;
    const k = this.key(a, b);
    const hit = this.pairs.get(k);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.blocked;
    const { value: blocked, at } = await orStale(hit, () => this.blocks.between(a, b), () => hit!.blocked);
    if (this.pairs.size >= MAX_ENTRIES) this.pairs.clear();
    this.pairs.set(k, { blocked, at });
    return blocked;
  }

  /** Refuses a new direct conversation between two users when either blocked the other. */
  async allowDirect(a: string, b: string): Promise<void> {
    if (await this.between(a, b)) throw new AppError('BLOCKED', 'you cannot start a direct conversation with this user');
  }

  /** Refuses a send into a direct conversation whose other member blocked the sender (or was blocked by them). */
  async allowSend(user: string, conversationId: string): Promise<void> {
    if (!this.store) return;
    let hit = this.directs.get(conversationId);
    if (!hit || Date.now() - hit.at >= CACHE_MS) {
      const last = hit;
      const { value: members, at } = await orStale(last, async () => {
        const c = await this.conversations.getConversation(conversationId);
        return c?.kind === 'direct' ? c.members.map((m) => m.user) : null;
      }, () => last!.members);
      hit = { members, at };
      if (this.directs.size >= MAX_ENTRIES) this.directs.clear();
      this.directs.set(conversationId, hit);
    }
    for (const other of hit.members ?? []) {
      if (other !== user && (await this.between(user, other))) throw new AppError('BLOCKED', 'this direct conversation does not accept your messages');
    }
  }

  async block(user: string, target: string): Promise<boolean> {
    if (user === target) throw new AppError('VALIDATION_FAILED', 'you cannot block yourself');
    const changed = await this.blocks.block(user, target, new Date().toISOString());
    this.pairs.delete(this.key(user, target));
    return changed;
  }

  async unblock(user: string, target: string): Promise<boolean> {
    const changed = await this.blocks.unblock(user, target);
    this.pairs.delete(this.key(user, target));
    return changed;
  }

  list(user: string) {
    return this.blocks.list(user);
  }
}
