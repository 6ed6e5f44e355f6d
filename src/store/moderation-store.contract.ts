// The ModerationStore contract (moderation-store.ts): every adapter (SQL on SQLite and on
// PostgreSQL) must pass this same suite: a ban removes the membership in the same write and is
// idempotent; mutes are replaced and listed while they last; settings and bans come back in
// restrictions() (what re-seeds the hot tier); app-wide bans are idempotent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModerationStore } from './moderation-store.js';
import type { ConversationStore } from './store.js';

export interface ModerationUnderTest {
  moderation: ModerationStore;
  store: ConversationStore;
  /** A new group conversation owned by alice, with bob and carol as members. */
  conversation(): Promise<string>;
  close(): Promise<void>;
}

const at = (second: number) => new Date(Date.UTC(2026, 3, 1, 0, 0, second)).toISOString();

export function moderationStoreContract(name: string, make: () => Promise<ModerationUnderTest>) {
  describe(`ModerationStore contract: ${name}`, () => {
    let u: ModerationUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    it('a ban removes the member in the same write, once; unban lifts it and re-adds nobody', async () => {
      const c = await u.conversation();
      expect(await u.moderation.ban(c, { user: 'bob', by: 'alice', reason: 'spam', at: at(1) })).toEqual({ created: true, role: 'member' });
      expect(await u.store.getRole(c, 'bob')).toBeNull();
      expect(await u.moderation.ban(c, { user: 'bob', by: 'carol', reason: null, at: at(2) })).toEqual({ created: false, role: null });
      expect(await u.moderation.ban(c, { user: 'dave', by: 'alice', reason: null, at: at(3) })).toEqual({ created: true, role: null }); // not a member: banned ahead
      expect(await u.moderation.isBanned(c, 'bob')).toBe(true);
      expect(await u.moderation.isBanned(c, 'carol')).toBe(false);
      expect(await u.moderation.listBans(c)).toEqual([
        { user: 'bob', by: 'alice', reason: 'spam', at: at(1) },
        { user: 'dave', by: 'alice', reason: null, at: at(3) },
      ]);
      expect(await u.moderation.unban(c, 'bob')).toBe(true);
      expect(await u.moderation.unban(c, 'bob')).toBe(false);
      expect(await u.store.getRole(c, 'bob')).toBeNull();
      expect((await u.moderation.listBans(c)).map((b) => b.user)).toEqual(['dave']);
      expect(await u.moderation.listBans(await u.conversation())).toEqual([]);
    });

    it('mutes are replaced, listed while they last (soonest end first), lifted once', async () => {
      const c = await u.conversation();
      await u.moderation.mute(c, { user: 'bob', by: 'alice', reason: null, at: at(1), until: at(50) });
      await u.moderation.mute(c, { user: 'bob', by: 'alice', reason: 'again', at: at(2), until: at(40) });
      await u.moderation.mute(c, { user: 'carol', by: 'alice', reason: null, at: at(3), until: at(30) });
      expect(await u.moderation.listMutes(c, at(10))).toEqual([
        { user: 'carol', by: 'alice', reason: null, at: at(3), until: at(30) },
        { user: 'bob', by: 'alice', reason: 'again', at: at(2), until: at(40) },
      ]);
      expect((await u.moderation.listMutes(c, at(35))).map((m) => m.user)).toEqual(['bob']);
      expect(await u.moderation.unmute(c, 'bob')).toBe(true);
      expect(await u.moderation.unmute(c, 'bob')).toBe(false);
      expect(await u.moderation.listMutes(c, at(10))).toEqual([{ user: 'carol', by: 'alice', reason: null, at: at(3), until: at(30) }]);
    });

    it('restrictions(): kind, slow mode, bans and the mutes still running — what re-seeds the hot tier', async () => {
      const c = await u.conversation();
      expect(await u.moderation.restrictions(c, Date.parse(at(0)))).toEqual({ kind: 'group', slowModeS: 0, banned: [], mutedUntil: {} });
      expect(await u.moderation.setSettings(c, { slowModeS: 30 })).toBe(true);
      expect(await u.moderation.setSettings(c, { kind: 'announcement' })).toBe(true);
      expect(await u.moderation.setSettings(c, {})).toBe(true);
      expect(await u.moderation.setSettings('00000000-0000-7000-8000-000000000000', { slowModeS: 5 })).toBe(false);
      await u.moderation.ban(c, { user: 'carol', by: 'alice', reason: null, at: at(1) });
      await u.moderation.mute(c, { user: 'bob', by: 'alice', reason: null, at: at(1), until: at(20) });
      await u.moderation.mute(c, { user: 'erin', by: 'alice', reason: null, at: at(1), until: at(5) });
      expect(await u.moderation.restrictions(c, Date.parse(at(10)))).toEqual({ kind: 'announcement', slowModeS: 30, banned: ['carol'], mutedUntil: { bob: Date.parse(at(20)) } });
      expect((await u.store.getConversation(c))?.kind).toBe('announcement');
      expect(await u.moderation.setSettings(c, { slowModeS: 0, kind: 'group' })).toBe(true);
      expect(await u.moderation.restrictions(c, Date.parse(at(30)))).toEqual({ kind: 'group', slowModeS: 0, banned: ['carol'], mutedUntil: {} });
      expect(await u.moderation.restrictions('00000000-0000-7000-8000-000000000000', 0)).toBeNull();
    });

    it('app-wide bans: once, listed oldest first, lifted once', async () => {
      const user = `mallory-${Math.random().toString(36).slice(2)}`;
      expect(await u.moderation.userBan(user)).toBeNull();
      expect(await u.moderation.banUser({ user, by: 'root', reason: 'abuse', at: at(1) })).toBe(true);
      expect(await u.moderation.banUser({ user, by: 'root', reason: 'again', at: at(2) })).toBe(false);
      expect(await u.moderation.userBan(user)).toEqual({ user, by: 'root', reason: 'abuse', at: at(1) });
      expect((await u.moderation.listUserBans()).filter((b) => b.user === user)).toHaveLength(1);
      expect(await u.moderation.unbanUser(user)).toBe(true);
      expect(await u.moderation.unbanUser(user)).toBe(false);
      expect(await u.moderation.userBan(user)).toBeNull();
    });
  });
}
