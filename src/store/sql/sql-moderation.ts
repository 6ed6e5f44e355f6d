// ModerationStore over the warm store's Kysely instance (SQLite or PostgreSQL): tables
// conversation_bans, conversation_mutes, user_bans and conversations.slow_mode_s / kind
// (migration 0011). A ban and the removal of the membership are one transaction.
import type { Kysely } from 'kysely';
import type { Restrictions } from '../../hot-tier/hot-tier.js';
import type { BanRow, ModerationStore, MuteRow } from '../moderation-store.js';
import type { Role } from '../store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { DB } from './schema.js';

export class SqlModeration implements ModerationStore {
  constructor(private db: Kysely<DB>) {}

  ban(conversationId: string, row: BanRow): Promise<{ created: boolean; role: Role | null }> {
    return guard(() => this.db.transaction().execute(async (tx) => {
      const inserted = await tx.insertInto('conversation_bans')
        .values({ conversation_id: conversationId, user_id: row.user, banned_by: row.by, reason: row.reason, created_at: row.at })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return { created: false, role: null };
      const member = await tx.selectFrom('members').select('role').where('conversation_id', '=', conversationId).where('user_id', '=', row.user).executeTakeFirst();
      if (member) await tx.deleteFrom('members').where('conversation_id', '=', conversationId).where('user_id', '=', row.user).execute();
      return { created: true, role: (member?.role as Role | undefined) ?? null };
    }));
  }

  unban(conversationId: string, user: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.deleteFrom('conversation_bans').where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  isBanned(conversationId: string, user: string): Promise<boolean> {
    return guard(async () => !!(await this.db.selectFrom('conversation_bans').select('user_id').where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst()));
  }

  listBans(conversationId: string): Promise<BanRow[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('conversation_bans').selectAll().where('conversation_id', '=', conversationId).orderBy('created_at').orderBy('user_id').execute();
      return rows.map((r) => ({ user: r.user_id, by: r.banned_by, reason: r.reason, at: iso(r.created_at) }));
    });
  }

  mute(conversationId: string, row: MuteRow): Promise<void> {
    return guard(async () => {
      const values = { until_ms: Date.parse(row.until), muted_by: row.by, reason: row.reason, created_at: row.at };
      await this.db.insertInto('conversation_mutes')
        .values({ conversation_id: conversationId, user_id: row.user, ...values })
        .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet(values))
        .execute();
    });
  }

  unmute(conversationId: string, user: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.deleteFrom('conversation_mutes').where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  listMutes(conversationId: string, now: string): Promise<MuteRow[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('conversation_mutes').selectAll().where('conversation_id', '=', conversationId).where('until_ms', '>', Date.parse(now))
        .orderBy('until_ms').orderBy('user_id').execute();
      return rows.map((r) => ({ user: r.user_id, by: r.muted_by, reason: r.reason, at: iso(r.created_at), until: new Date(Number(r.until_ms)).toISOString() }));
    });
  }

  setSettings(conversationId: string, settings: { slowModeS?: number; kind?: Restrictions['kind'] }): Promise<boolean> {
    return guard(async () => {
      const set = { ...(settings.slowModeS !== undefined ? { slow_mode_s: settings.slowModeS } : {}), ...(settings.kind ? { kind: settings.kind } : {}) };
      if (Object.keys(set).length === 0) return !!(await this.db.selectFrom('conversations').select('id').where('id', '=', conversationId).executeTakeFirst());
      const res = await this.db.updateTable('conversations').set(set).where('id', '=', conversationId).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  restrictions(conversationId: string, nowMs: number): Promise<Restrictions | null> {
    return guard(async () => {
      const [c, bans, mutes] = await Promise.all([
        this.db.selectFrom('conversations').select(['kind', 'slow_mode_s']).where('id', '=', conversationId).executeTakeFirst(),
        this.db.selectFrom('conversation_bans').select('user_id').where('conversation_id', '=', conversationId).orderBy('user_id').execute(),
        this.db.selectFrom('conversation_mutes').select(['user_id', 'until_ms']).where('conversation_id', '=', conversationId).where('until_ms', '>', nowMs).execute(),
      ]);
      if (!c) return null;
      return {
        kind: c.kind as Restrictions['kind'], slowModeS: Number(c.slow_mode_s), banned: bans.map((b) => b.user_id),
        mutedUntil: Object.fromEntries(mutes.map((m) => [m.user_id, Number(m.until_ms)])),
      };
    });
  }

  banUser(row: BanRow): Promise<boolean> {
    return guard(async () => {
      const res = await this.db.insertInto('user_bans').values({ user_id: row.user, banned_by: row.by, reason: row.reason, created_at: row.at })
        .onConflict((oc) => oc.column('user_id').doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  unbanUser(user: string): Promise<boolean> {
    return guard(async () => Number((await this.db.deleteFrom('user_bans').where('user_id', '=', user).executeTakeFirst()).numDeletedRows) > 0);
  }

  userBan(user: string): Promise<BanRow | null> {
    return guard(async () => {
      const r = await this.db.selectFrom('user_bans').selectAll().where('user_id', '=', user).executeTakeFirst();
      return r ? { user: r.user_id, by: r.banned_by, reason: r.reason, at: iso(r.created_at) } : null;
    });
  }

  listUserBans(): Promise<BanRow[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('user_bans').selectAll().orderBy('created_at').orderBy('user_id').execute();
      return rows.map((r) => ({ user: r.user_id, by: r.banned_by, reason: r.reason, at: iso(r.created_at) }));
    });
  }
}
