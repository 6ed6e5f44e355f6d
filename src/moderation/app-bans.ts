// App-wide bans by operators (docs/moderation.md#app-wide-bans). The warm store holds them; each
// node caches a user's answer for CACHE_MS (the node that bans or lifts forgets its entry at
// once), so every node refuses a banned user's requests — REST, the WebSocket upgrade, sends on
// an open socket — at most CACHE_MS after the ban's ack. Open sockets are closed with 4403 as
// soon as the `account_banned` frame on the user's topic reaches their node; pub/sub is at most
// once, so each node also checks every frame (cached) and sweeps its sockets' users against the
// ban list every banSweepMs (ws/sessions.ts): a socket that missed the frame is closed (4403)
// within about CACHE_MS of the ban.
// A ban is not checked inside the hot tier's atomic call: under Valkey Cluster the user's key
// lives in another slot than the conversation's.
// The same check, with the same cache, blocks a user whose GDPR erase job is pending or running
// (USER_ERASING, docs/gdpr.md): nothing of theirs is accepted while the erase drains and erases;
// the block ends with the job (an operator's ban, if any, stays).
import type { AuditLog } from '../audit/audit-log.js';
import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import { userTopic, type Announce } from '../hot-tier/fanout.js';
import type { BanRow } from '../store/moderation-store.js';

/** How long a node trusts its answer: every node applies a ban (an erase's block) at most this long after it. */
export const CACHE_MS = 2000;
const STALE_MS = 15 * 60_000;
const MAX_ENTRIES = 100_000;

/** The frame on a user's topic that closes their sockets (ws/user-frames.ts). */
export function accountBannedFrame(user: string): string {
  return JSON.stringify({ type: 'account_banned', user });
}

/** Why a user is refused everything: an operator's ban, or their erase running; null: not refused. */
export type Block = 'banned' | 'erasing' | null;

export class AppBans {
  private cache = new Map<string, { block: Block; at: number }>();

  constructor(private deps: Pick<Deps, 'moderation' | 'gdpr'>, private announce: Announce, private audit?: Pick<AuditLog, 'record'>) {}

  async blockOf(user: string): Promise<Block> {
    const mod = this.deps.moderation;
    const jobs = this.deps.gdpr?.jobs;
    if (!mod && !jobs) return null;
    const hit = this.cache.get(user);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_MS) return hit.block;
    let block: Block;
    try {
      block = mod && (await mod.userBan(user)) !== null ? 'banned' : jobs && (await jobs.erasing(user)) ? 'erasing' : null;
    } catch (e) {
      // the warm store is down: the last answer stands for a while (sends go on through the hot tier)
      if (isAppError(e) && e.code === 'UNAVAILABLE' && hit && now - hit.at < STALE_MS) return hit.block;
      throw e;
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(user, { block, at: now });
    return block;
  }

  async isBanned(user: string): Promise<boolean> {
    return (await this.blockOf(user)) === 'banned';
  }

  /** Throws USER_BANNED or USER_ERASING for a user who is refused everything. */
  async check(user: string): Promise<void> {
    const block = await this.blockOf(user);
    if (block === 'banned') throw new AppError('USER_BANNED', 'an operator banned this user');
    if (block === 'erasing') throw new AppError('USER_ERASING', 'this user\'s data is being erased');
  }


  /**
   * Of these users, those an operator banned: one read of the ban list (the sockets' sweep,
   * ws/sessions.ts, every banSweepMs), so a socket whose node missed the account_banned frame
   * is closed anyway. Their cache entries are refreshed.
   */
  async bannedAmong(users: string[]): Promise<string[]> {
    const mod = this.deps.moderation;
    if (!mod) return [];
    const banned = new Set((await mod.listUserBans()).map((b) => b.user));
    const now = Date.now();
    const out = users.filter((u) => banned.has(u));
    for (const u of out) this.cache.set(u, { block: 'banned', at: now });
    return out;
  }

  private get mod() {
    if (!this.deps.moderation) throw new AppError('UNAVAILABLE', 'moderation is not wired on this server');
    return this.deps.moderation;
  }

  /** Bans the user everywhere (idempotent: the first ban's row stays) and closes their sockets. */
  async ban(operator: string, user: string, reason: string | null, requestId = ''): Promise<BanRow> {
    const row: BanRow = { user, by: operator, reason, at: new Date().toISOString() };
    const created = await this.mod.banUser(row);
    this.cache.delete(user);
    await this.announce(userTopic(user), accountBannedFrame(user));
    if (created) await this.audit?.record({ action: 'user.banned', actor: { user: operator, requestId }, target_user: user, reason });
    return created ? row : (await this.mod.userBan(user)) ?? row;
  }

  async lift(user: string, operator = '', requestId = ''): Promise<void> {
    const lifted = await this.mod.unbanUser(user);
    this.cache.delete(user);
    if (lifted) await this.audit?.record({ action: 'user.unbanned', actor: { user: operator, requestId }, target_user: user });
  }

  list(): Promise<BanRow[]> {
    return this.mod.listUserBans();
  }
}
