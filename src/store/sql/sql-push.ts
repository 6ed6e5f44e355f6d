// PushStore (push-store.ts) over the warm store's Kysely instance, for SQLite and PostgreSQL.
// Saving a subscription is one transaction: the owner and keys check, the per-user count and
// the upsert on the endpoint together (two concurrent saves of one user may each pass a count of max−1: the limit is a
// guard against abuse, not an exact quota).
import type { Kysely } from 'kysely';
import { DEFAULT_SETTINGS, type ConversationSettings, type NotifyLevel, type PushStore, type PushSubscription, type SaveOutcome } from '../push-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { ConversationSettingsTable, DB, PushSubscriptionsTable } from './schema.js';

function toSubscription(r: PushSubscriptionsTable): PushSubscription {
  return { id: r.id, user: r.user_id, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth, user_agent: r.user_agent, created_at: iso(r.created_at) };
}

function toSettings(r: Pick<ConversationSettingsTable, 'muted' | 'notify' | 'updated_at'>): ConversationSettings {
  return { muted: Boolean(r.muted), notify: r.notify as NotifyLevel, updated_at: iso(r.updated_at) };
}

/** Rows per `in (…)` list: below SQLite's and PostgreSQL's bound-parameter limits. */
const IN_CHUNK = 500;

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export class SqlPush implements PushStore {
  constructor(private readonly db: Kysely<DB>) {}

  saveSubscription(s: PushSubscription, maxPerUser: number): Promise<SaveOutcome> {
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        const row = { id: s.id, user_id: s.user, endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth, user_agent: s.user_agent, created_at: s.created_at };
        const existing = await tx.selectFrom('push_subscriptions').select(['user_id', 'p256dh', 'auth']).where('endpoint', '=', s.endpoint).executeTakeFirst();
        // another user's endpoint moves only with its own keys: proof of holding the browser's subscription
        if (existing && existing.user_id !== s.user && (existing.p256dh !== s.p256dh || existing.auth !== s.auth)) return 'taken';
        if (existing?.user_id !== s.user) {
          const n = await tx.selectFrom('push_subscriptions').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', s.user).executeTakeFirstOrThrow();
          if (Number(n.n) >= maxPerUser) return 'limit';
        }
        await tx.insertInto('push_subscriptions').values(row)
          .onConflict((oc) => oc.column('endpoint').doUpdateSet({ id: s.id, user_id: s.user, p256dh: s.p256dh, auth: s.auth, user_agent: s.user_agent, created_at: s.created_at }))
          .execute();
        return existing ? 'updated' : 'created';
      }),
    );
  }

  listSubscriptions(user: string): Promise<PushSubscription[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('push_subscriptions').selectAll().where('user_id', '=', user).orderBy('created_at').orderBy('id').execute();
      return rows.map(toSubscription);
    });
  }

  subscriptionsOf(users: readonly string[]): Promise<PushSubscription[]> {
    return guard(async () => {
      const out: PushSubscription[] = [];
      for (const part of chunks([...new Set(users)], IN_CHUNK)) {
        const rows = await this.db.selectFrom('push_subscriptions').selectAll().where('user_id', 'in', part).execute();
        out.push(...rows.map(toSubscription));
      }
      return out;
    });
  }

  removeSubscription(user: string, endpoint: string): Promise<boolean> {
    return guard(async () => {
      const r = await this.db.deleteFrom('push_subscriptions').where('user_id', '=', user).where('endpoint', '=', endpoint).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  removeSubscriptionById(id: string): Promise<boolean> {
    return guard(async () => {
      const r = await this.db.deleteFrom('push_subscriptions').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  getSettings(conversationId: string, user: string): Promise<ConversationSettings> {
    return guard(async () => {
      const r = await this.db.selectFrom('conversation_settings').select(['muted', 'notify', 'updated_at'])
        .where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst();
      return r ? toSettings(r) : { ...DEFAULT_SETTINGS };
    });
  }

  setSettings(conversationId: string, user: string, patch: { muted?: boolean; notify?: NotifyLevel }, at: string): Promise<ConversationSettings> {
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        const cur = await tx.selectFrom('conversation_settings').select(['muted', 'notify', 'updated_at'])
          .where('conversation_id', '=', conversationId).where('user_id', '=', user).executeTakeFirst();
        const base = cur ? toSettings(cur) : DEFAULT_SETTINGS;
        const next = { muted: patch.muted ?? base.muted, notify: patch.notify ?? base.notify };
        const row = { muted: next.muted ? 1 : 0, notify: next.notify, updated_at: at };
        await tx.insertInto('conversation_settings').values({ conversation_id: conversationId, user_id: user, ...row })
          .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doUpdateSet(row))
          .execute();
        return { ...next, updated_at: at };
      }),
    );
  }

  settingsOf(conversationId: string): Promise<Map<string, ConversationSettings>> {
    return guard(async () => {
      const rows = await this.db.selectFrom('conversation_settings').select(['user_id', 'muted', 'notify', 'updated_at']).where('conversation_id', '=', conversationId).execute();
      return new Map(rows.map((r) => [r.user_id, toSettings(r)]));
    });
  }

  settingsForUser(user: string, conversationIds: readonly string[]): Promise<Map<string, ConversationSettings>> {
    return guard(async () => {
      const out = new Map<string, ConversationSettings>();
      for (const part of chunks([...new Set(conversationIds)], IN_CHUNK)) {
        const rows = await this.db.selectFrom('conversation_settings').select(['conversation_id', 'muted', 'notify', 'updated_at'])
          .where('user_id', '=', user).where('conversation_id', 'in', part).execute();
        for (const r of rows) out.set(r.conversation_id, toSettings(r));
      }
      return out;
    });
  }
}
