// The PushStore contract (push-store.ts): every adapter (SQL on SQLite and on PostgreSQL) must
// pass this suite: subscriptions round-trip; a save is idempotent on the endpoint and moves an
// endpoint to its new owner with a new id (only with the stored keys); the per-user limit counts only other endpoints;
// removal is the owner's only, or by id; settings default, patch, and are per (conversation, user).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { DEFAULT_SETTINGS, type PushStore, type PushSubscription } from './push-store.js';

export interface PushUnderTest {
  push: PushStore;
  conversation(): Promise<string>;
  close(): Promise<void>;
}

const at = (second: number) => new Date(Date.UTC(2026, 3, 1, 0, 0, second)).toISOString();

export function pushStoreContract(name: string, make: () => Promise<PushUnderTest>) {
  describe(`PushStore contract: ${name}`, () => {
    let u: PushUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    const sub = (user: string, over: Partial<PushSubscription> = {}): PushSubscription => ({
      id: uuidv7(), user, endpoint: `https://push.example/${uuidv7()}`, p256dh: 'BPk', auth: 'au', user_agent: null, created_at: at(1), ...over,
    });

    it('saves, lists (oldest first) and finds subscriptions by users', async () => {
      const a1 = sub('ann', { created_at: at(2), user_agent: 'Firefox ünï' });
      const a2 = sub('ann', { created_at: at(1) });
      const b = sub('ben');
      expect(await u.push.saveSubscription(a1, 10)).toBe('created');
      expect(await u.push.saveSubscription(a2, 10)).toBe('created');
      expect(await u.push.saveSubscription(b, 10)).toBe('created');
      expect(await u.push.listSubscriptions('ann')).toEqual([a2, a1]);
      expect(await u.push.listSubscriptions('nobody')).toEqual([]);
      const of = await u.push.subscriptionsOf(['ann', 'ben', 'ann', 'zed']);
      expect(of.map((s) => s.id).sort()).toEqual([a1.id, a2.id, b.id].sort());
      expect(await u.push.subscriptionsOf([])).toEqual([]);
    });

    it('a save of a known endpoint replaces keys and id (idempotent); of another user\'s endpoint moves it to the caller only with its keys', async () => {
      const s = sub('cat');
      expect(await u.push.saveSubscription(s, 10)).toBe('created');
      const again = { ...s, id: uuidv7(), p256dh: 'BNew', auth: 'new', created_at: at(5) };
      expect(await u.push.saveSubscription(again, 10)).toBe('updated');
      expect(await u.push.listSubscriptions('cat')).toEqual([again]);
      const moved = { ...again, id: uuidv7(), user: 'dan' };
      expect(await u.push.saveSubscription(moved, 10)).toBe('updated');
      expect(await u.push.listSubscriptions('cat')).toEqual([]);
      expect(await u.push.listSubscriptions('dan')).toEqual([moved]);
      // someone who knows the endpoint but not its keys cannot take it: nothing changes
      expect(await u.push.saveSubscription({ ...moved, id: uuidv7(), user: 'mal', p256dh: 'BMal' }, 10)).toBe('taken');
      expect(await u.push.saveSubscription({ ...moved, id: uuidv7(), user: 'mal', auth: 'mal' }, 10)).toBe('taken');
      expect(await u.push.listSubscriptions('mal')).toEqual([]);
      expect(await u.push.listSubscriptions('dan')).toEqual([moved]);
      // the old id is gone with the old keys: a removal by it removes nothing
      expect(await u.push.removeSubscriptionById(again.id)).toBe(false);
      expect(await u.push.listSubscriptions('dan')).toEqual([moved]);
    });

    it('the per-user limit refuses a new endpoint and writes nothing; a known one still saves', async () => {
      const [x, y] = [sub('eve'), sub('eve')];
      expect(await u.push.saveSubscription(x, 2)).toBe('created');
      expect(await u.push.saveSubscription(y, 2)).toBe('created');
      expect(await u.push.saveSubscription(sub('eve'), 2)).toBe('limit');
      expect(await u.push.saveSubscription({ ...x, id: uuidv7() }, 2)).toBe('updated');
      expect((await u.push.listSubscriptions('eve')).length).toBe(2);
      // moving another user's endpoint to eve counts as new for her
      const f = sub('fay');
      await u.push.saveSubscription(f, 2);
      expect(await u.push.saveSubscription({ ...f, user: 'eve' }, 2)).toBe('limit');
      expect(await u.push.listSubscriptions('fay')).toEqual([f]);
    });

    it('removal: only the owner\'s by endpoint, or by id', async () => {
      const s = sub('gus');
      await u.push.saveSubscription(s, 10);
      expect(await u.push.removeSubscription('hal', s.endpoint)).toBe(false);
      expect(await u.push.listSubscriptions('gus')).toEqual([s]);
      expect(await u.push.removeSubscription('gus', s.endpoint)).toBe(true);
      expect(await u.push.removeSubscription('gus', s.endpoint)).toBe(false);
      const t = sub('gus');
      await u.push.saveSubscription(t, 10);
      expect(await u.push.removeSubscriptionById(t.id)).toBe(true);
      expect(await u.push.removeSubscriptionById(t.id)).toBe(false);
      expect(await u.push.listSubscriptions('gus')).toEqual([]);
    });

    it('settings: defaults, patches over what is stored, per conversation and user', async () => {
      const [c1, c2] = [await u.conversation(), await u.conversation()];
      expect(await u.push.getSettings(c1, 'ann')).toEqual(DEFAULT_SETTINGS);
      expect(await u.push.setSettings(c1, 'ann', { muted: true }, at(10))).toEqual({ muted: true, notify: 'all', updated_at: at(10) });
      expect(await u.push.setSettings(c1, 'ann', { notify: 'mentions' }, at(11))).toEqual({ muted: true, notify: 'mentions', updated_at: at(11) });
      expect(await u.push.setSettings(c1, 'ann', { muted: false, notify: 'none' }, at(12))).toEqual({ muted: false, notify: 'none', updated_at: at(12) });
      expect(await u.push.getSettings(c1, 'ann')).toEqual({ muted: false, notify: 'none', updated_at: at(12) });
      await u.push.setSettings(c1, 'ben', { muted: true }, at(13));
      await u.push.setSettings(c2, 'ann', { notify: 'mentions' }, at(14));
      expect(await u.push.getSettings(c2, 'ben')).toEqual(DEFAULT_SETTINGS);
      expect(await u.push.settingsOf(c1)).toEqual(new Map([
        ['ann', { muted: false, notify: 'none', updated_at: at(12) }],
        ['ben', { muted: true, notify: 'all', updated_at: at(13) }],
      ]));
      expect(await u.push.settingsForUser('ann', [c1, c2, uuidv7()])).toEqual(new Map([
        [c1, { muted: false, notify: 'none', updated_at: at(12) }],
        [c2, { muted: false, notify: 'mentions', updated_at: at(14) }],
      ]));
      expect(await u.push.settingsForUser('ann', [])).toEqual(new Map());
    });
  });
}
