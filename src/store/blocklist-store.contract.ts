// The BlocklistStore contract (blocklist-store.ts): every adapter passes it. Entries come back as
// added, oldest first; a second entry of the same kind and pattern is not stored; remove returns
// what it removed, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { BlocklistEntry, BlocklistStore } from './blocklist-store.js';

export interface BlocklistUnderTest {
  blocklist: BlocklistStore;
  close(): Promise<void>;
}

export function blocklistStoreContract(name: string, make: () => Promise<BlocklistUnderTest>) {
  describe(`BlocklistStore contract: ${name}`, () => {
    let u: BlocklistUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    it('adds, refuses duplicates, lists oldest first, removes once', async () => {
      const base = Date.parse('2026-04-01T00:00:00.000Z');
      const e = (i: number, kind: 'word' | 'regex', pattern: string, action: 'reject' | 'mask'): BlocklistEntry =>
        ({ id: uuidv7(), kind, pattern, action, created_by: 'root', created_at: new Date(base + i).toISOString() });
      const a = e(0, 'word', 'Spam Ünïcode', 'mask');
      const b = e(1, 'regex', '(a+)+$', 'reject');
      const c = e(2, 'regex', 'Spam Ünïcode', 'reject'); // same pattern, other kind: another entry
      for (const x of [a, b, c]) expect(await u.blocklist.add(x)).toBe(true);
      expect(await u.blocklist.add(e(3, 'word', 'Spam Ünïcode', 'reject'))).toBe(false);
      expect(await u.blocklist.list()).toEqual([a, b, c]);
      expect(await u.blocklist.remove(b.id)).toEqual(b);
      expect(await u.blocklist.remove(b.id)).toBeNull();
      expect(await u.blocklist.list()).toEqual([a, c]);
    });
  });
}
