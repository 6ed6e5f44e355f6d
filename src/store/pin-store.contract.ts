// The PinStore contract (pin-store.ts): every adapter (SQL on SQLite and on PostgreSQL) must
// pass this same suite: pin and unpin are idempotent and say whether they changed anything;
// pins are per conversation; the list is newest pin first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { PinStore } from './pin-store.js';

export interface PinsUnderTest {
  pins: PinStore;
  conversation(): Promise<string>;
  close(): Promise<void>;
}

const at = (second: number) => new Date(Date.UTC(2026, 3, 1, 0, 0, second)).toISOString();

export function pinStoreContract(name: string, make: () => Promise<PinsUnderTest>) {
  describe(`PinStore contract: ${name}`, () => {
    let u: PinsUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    it('pins once, unpins once, lists newest first, per conversation', async () => {
      const [c1, c2] = [await u.conversation(), await u.conversation()];
      const [a, b] = [uuidv7(), uuidv7()];
      expect(await u.pins.pin(c1, { message_id: a, seq: 1, pinned_by: 'alice', pinned_at: at(1) })).toBe(true);
      expect(await u.pins.pin(c1, { message_id: a, seq: 1, pinned_by: 'bob', pinned_at: at(9) })).toBe(false); // the first pin stays
      expect(await u.pins.pin(c1, { message_id: b, seq: 7, pinned_by: 'bob', pinned_at: at(2) })).toBe(true);
      expect(await u.pins.pin(c2, { message_id: uuidv7(), seq: 3, pinned_by: 'carol', pinned_at: at(3) })).toBe(true);
      expect(await u.pins.listPins(c1)).toEqual([
        { message_id: b, seq: 7, pinned_by: 'bob', pinned_at: at(2) },
        { message_id: a, seq: 1, pinned_by: 'alice', pinned_at: at(1) },
      ]);
      expect(await u.pins.unpin(c1, b)).toBe(true);
      expect(await u.pins.unpin(c1, b)).toBe(false);
      expect(await u.pins.unpin(c2, a)).toBe(false);
      expect((await u.pins.listPins(c1)).map((p) => p.message_id)).toEqual([a]);
      expect(await u.pins.listPins(c2)).toHaveLength(1);
    });
  });
}
