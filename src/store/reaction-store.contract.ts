// The ReactionStore contract: every adapter (SQL on SQLite and on PostgreSQL) must pass this same
// suite. Every adapter guarantees:
//   - each user has a set of reactions per message: add and remove are idempotent and return
//     whether they changed it (exactly one of concurrent identical adds wins);
//   - reactions are exact strings ('👍' ≠ '👍🏽', 'like' ≠ 'Like'), kept per message;
//   - reactions() lists oldest first, created_at being the time of the add that created it
//     (a repeated add changes nothing; remove then add is a new reaction).
// The suite fakes Date (timers stay real) so that created_at values are known and distinct.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactionStore } from './reaction-store.js';

export interface ReactionsUnderTest {
  reactions: ReactionStore;
  /** A new message in a new conversation (reactions reference the conversation). */
  message(): Promise<{ id: string; conversationId: string }>;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const at = (s: number) => vi.setSystemTime(T0 + s * 1000);
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

export function reactionStoreContract(name: string, make: () => Promise<ReactionsUnderTest>) {
  describe(`ReactionStore contract: ${name}`, () => {
    let sut: ReactionsUnderTest;
    let r: ReactionStore;
    beforeAll(async () => {
      sut = await make();
      r = sut.reactions;
    });
    afterAll(async () => sut?.close());
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      at(0);
    });
    afterEach(() => void vi.useRealTimers());

    it('add is idempotent and says whether it added', async () => {
      const m = await sut.message();
      expect(await r.reactions(m.id)).toEqual([]);
      expect(await r.addReaction(m.id, m.conversationId, 'alice', '👍')).toBe(true);
      at(5);
      expect(await r.addReaction(m.id, m.conversationId, 'alice', '👍')).toBe(false);
      expect(await r.reactions(m.id)).toEqual([{ user: 'alice', reaction: '👍', created_at: iso(0) }]);
    });

    it('remove is idempotent and says whether it removed', async () => {
      const m = await sut.message();
      await r.addReaction(m.id, m.conversationId, 'alice', '👍');
      await r.addReaction(m.id, m.conversationId, 'bob', '👍');
      expect(await r.removeReaction(m.id, 'alice', '👍')).toBe(true);
      expect(await r.removeReaction(m.id, 'alice', '👍')).toBe(false);
      expect(await r.removeReaction(m.id, 'alice', '🎉')).toBe(false); // never added
      expect(await r.removeReaction('no-such-message', 'bob', '👍')).toBe(false);
      expect(await r.reactions(m.id)).toEqual([{ user: 'bob', reaction: '👍', created_at: iso(0) }]);
    });

    it("lists every user's reactions of one message, oldest first", async () => {
      const [m, other] = [await sut.message(), await sut.message()];
      const add = async (s: number, user: string, reaction: string, on = m) => {
        at(s);
        expect(await r.addReaction(on.id, on.conversationId, user, reaction)).toBe(true);
      };
      await add(3, 'carol', '🎉');
      await add(1, 'alice', '👍'); // an earlier clock: listed first although added later
      await add(2, 'bob', '👍');
      await add(4, 'alice', '❤️');
      await add(5, 'alice', '👍', other);
      expect(await r.reactions(m.id)).toEqual([
        { user: 'alice', reaction: '👍', created_at: iso(1) },
        { user: 'bob', reaction: '👍', created_at: iso(2) },
        { user: 'carol', reaction: '🎉', created_at: iso(3) },
        { user: 'alice', reaction: '❤️', created_at: iso(4) },
      ]);
      expect(await r.reactions(other.id)).toEqual([{ user: 'alice', reaction: '👍', created_at: iso(5) }]);
    });

    it('remove then add again is a new reaction, listed at its new time', async () => {
      const m = await sut.message();
      await r.addReaction(m.id, m.conversationId, 'alice', '👍');
      at(1);
      await r.addReaction(m.id, m.conversationId, 'bob', '🎉');
      at(2);
      expect(await r.removeReaction(m.id, 'alice', '👍')).toBe(true);
      expect(await r.addReaction(m.id, m.conversationId, 'alice', '👍')).toBe(true);
      expect(await r.reactions(m.id)).toEqual([
        { user: 'bob', reaction: '🎉', created_at: iso(1) },
        { user: 'alice', reaction: '👍', created_at: iso(2) },
      ]);
    });

    it('tells reactions apart by their exact string', async () => {
      const m = await sut.message();
      const kinds = ['👍', '👍🏽', 'like', 'Like', 'like '];
      for (const [i, k] of kinds.entries()) {
        at(i);
        expect(await r.addReaction(m.id, m.conversationId, 'alice', k)).toBe(true);
      }
      expect((await r.reactions(m.id)).map((x) => x.reaction)).toEqual(kinds);
      expect(await r.removeReaction(m.id, 'alice', '👍🏽')).toBe(true);
      expect((await r.reactions(m.id)).map((x) => x.reaction)).toEqual(kinds.filter((k) => k !== '👍🏽'));
    });

    it('turns failures into AppError at its boundary (here: used after close)', async () => {
      const closed = await make();
      await closed.close();
      await expect(closed.reactions.addReaction('m', 'c', 'alice', '👍')).rejects.toMatchObject({ name: 'AppError' });
      await expect(closed.reactions.removeReaction('m', 'alice', '👍')).rejects.toMatchObject({ name: 'AppError' });
      await expect(closed.reactions.reactions('m')).rejects.toMatchObject({ name: 'AppError' });
    });

    it('exactly one of concurrent identical adds (and removes) reports the change', async () => {
      const m = await sut.message();
      const adds = await Promise.all(Array.from({ length: 10 }, () => r.addReaction(m.id, m.conversationId, 'alice', '👍')));
      expect(adds.filter(Boolean)).toHaveLength(1);
      const removes = await Promise.all(Array.from({ length: 10 }, () => r.removeReaction(m.id, 'alice', '👍')));
      expect(removes.filter(Boolean)).toHaveLength(1);
      expect(await r.reactions(m.id)).toEqual([]);
    });
  });
}
