// The ModerationStore port (docs/moderation.md): the warm store's truth about conversation bans,
// mutes and settings (slow mode, kind) and about app-wide bans (tables of migration 0011). The
// hot tier keeps a copy of a conversation's restrictions for the send path and is re-seeded
// from restrictions() after it lost its data. Writes are idempotent and say what they changed.
import type { Restrictions } from '../hot-tier/hot-tier.js';
import type { Role } from './store.js';

export interface BanRow {
  user: string;
  by: string;
  reason: string | null;
  at: string;
}

export interface MuteRow extends BanRow {
  /** End of the mute, ISO-8601. */
  until: string;
}

export interface ModerationStore {
  /**
   * In one transaction: removes the user's membership (if any) and records the ban. Returns the
   * role they had (null: not a member) and false for `created` when they were banned already
   * (then nothing changed).
   */
  ban(conversationId: string, row: BanRow): Promise<{ created: boolean; role: Role | null }>;
  /** Lifts a ban; false when there was none. Never re-adds the member. */
  unban(conversationId: string, user: string): Promise<boolean>;
  isBanned(conversationId: string, user: string): Promise<boolean>;
  /** Oldest first. */
  listBans(conversationId: string): Promise<BanRow[]>;
  /** Records or replaces the user's mute. */
  mute(conversationId: string, row: MuteRow): Promise<void>;
  /** False when the user had no mute row. */
  unmute(conversationId: string, user: string): Promise<boolean>;
  /** Mutes ending after `now` (ISO-8601), soonest end first. */
  listMutes(conversationId: string, now: string): Promise<MuteRow[]>;
  /** Sets the conversation's slow mode (0: off) and/or kind; false when it does not exist. */
  setSettings(conversationId: string, settings: { slowModeS?: number; kind?: Restrictions['kind'] }): Promise<boolean>;
  /** Everything the hot tier needs to judge a send (mutes ending after `nowMs`); null when the conversation does not exist. */
  restrictions(conversationId: string, nowMs: number): Promise<Restrictions | null>;

  /** App-wide bans by operators: false for `banUser` when banned already, for `unbanUser` when not banned. */
  banUser(row: BanRow): Promise<boolean>;
  unbanUser(user: string): Promise<boolean>;
  userBan(user: string): Promise<BanRow | null>;
  /** Oldest first. */
  listUserBans(): Promise<BanRow[]>;
}
