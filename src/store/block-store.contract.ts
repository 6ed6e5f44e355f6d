// The BlockStore contract (block-store.ts): every adapter passes it. Block and unblock are
// idempotent and say whether they changed anything; between() sees a block in either direction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { BlockStore } from './block-store.js';

export interface BlocksUnderTest {
  blocks: BlockStore;
  close(): Promise<void>;
}

export function blockStoreContract(name: string, make: () => Promise<BlocksUnderTest>) {
  describe(`BlockStore contract: ${name}`, () => {
    let u: BlocksUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    it('blocks, lists newest first, sees either direction, unblocks', async () => {
      const [a, b, c] = ['a', 'b', 'c'].map((x) => `${x}-${uuidv7()}`);
      expect(await u.blocks.block(a, b, '2026-04-01T00:00:00.000Z')).toBe(true);
      expect(await u.blocks.block(a, b, '2026-04-01T00:00:05.000Z')).toBe(false);
      expect(await u.blocks.block(a, c, '2026-04-01T00:00:01.000Z')).toBe(true);
      expect(await u.blocks.list(a)).toEqual([{ user: c, blocked_at: '2026-04-01T00:00:01.000Z' }, { user: b, blocked_at: '2026-04-01T00:00:00.000Z' }]);
      expect(await u.blocks.list(b)).toEqual([]);
      expect(await u.blocks.between(a, b)).toBe(true);
      expect(await u.blocks.between(b, a)).toBe(true);
      expect(await u.blocks.between(b, c)).toBe(false);
      expect(await u.blocks.unblock(a, b)).toBe(true);
      expect(await u.blocks.unblock(a, b)).toBe(false);
      expect(await u.blocks.between(b, a)).toBe(false);
    });
  });
}
