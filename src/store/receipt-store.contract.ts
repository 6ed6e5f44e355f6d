// The ReceiptStore contract: every adapter (SQL on SQLite and on PostgreSQL) must pass this same
// suite. Every adapter guarantees, per (conversation, user):
//   - watermarks never move backwards: each write stores max(stored, given), whatever the
//     order, repetition or batching of the writes (a batch may name a pair twice);
//   - read implies delivered: delivered ≥ read on every stored row;
//   - a batch of any size lands whole (the SQL adapter writes it in chunks of 5000 rows);
//   - seqs come back as numbers, beyond 32 bits too.
// watermarks() lists a conversation's rows in no particular order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiptStore, Watermark } from './receipt-store.js';

export interface ReceiptsUnderTest {
  receipts: ReceiptStore;
  /** A new conversation (receipts reference it); returns its id. */
  conversation(): Promise<string>;
  close(): Promise<void>;
}

const byUser = (ws: Watermark[]) => [...ws].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));

export function receiptStoreContract(name: string, make: () => Promise<ReceiptsUnderTest>) {
  describe(`ReceiptStore contract: ${name}`, () => {
    let sut: ReceiptsUnderTest;
    let r: ReceiptStore;
    beforeAll(async () => {
      sut = await make();
      r = sut.receipts;
    });
    afterAll(async () => sut?.close());

    const w = (conversationId: string, user: string, delivered: number, read: number): Watermark => ({ conversationId, user, delivered, read });
    const marks = async (c: string) => byUser(await r.watermarks(c));

    it('a conversation without receipts has none; an empty batch writes nothing', async () => {
      const c = await sut.conversation();
      await r.advanceWatermarks([]);
      expect(await r.watermarks(c)).toEqual([]);
    });

    it('keeps one watermark per (conversation, user) that never moves backwards', async () => {
      const [c, d] = [await sut.conversation(), await sut.conversation()];
      await r.advanceWatermarks([w(c, 'alice', 5, 3), w(c, 'bob', 2, 0), w(d, 'alice', 9, 9)]);
      expect(await marks(c)).toEqual([w(c, 'alice', 5, 3), w(c, 'bob', 2, 0)]);
      await r.advanceWatermarks([w(c, 'alice', 4, 1)]); // older: no effect
      expect(await marks(c)).toEqual([w(c, 'alice', 5, 3), w(c, 'bob', 2, 0)]);
      await r.advanceWatermarks([w(c, 'alice', 5, 4), w(c, 'bob', 7, 0)]); // each column on its own
      expect(await marks(c)).toEqual([w(c, 'alice', 5, 4), w(c, 'bob', 7, 0)]);
      await r.advanceWatermarks([w(c, 'bob', 0, 0)]);
      expect(await marks(c)).toEqual([w(c, 'alice', 5, 4), w(c, 'bob', 7, 0)]);
      expect(await marks(d)).toEqual([w(d, 'alice', 9, 9)]);
    });

    it('read implies delivered, on insert and on update', async () => {
      const c = await sut.conversation();
      await r.advanceWatermarks([w(c, 'alice', 0, 4)]);
      expect(await marks(c)).toEqual([w(c, 'alice', 4, 4)]);
      await r.advanceWatermarks([w(c, 'alice', 2, 9)]);
      expect(await marks(c)).toEqual([w(c, 'alice', 9, 9)]);
      await r.advanceWatermarks([w(c, 'alice', 12, 10)]);
      expect(await marks(c)).toEqual([w(c, 'alice', 12, 10)]);
    });

    it('replayed, reordered and concurrent batches converge to the maximum', async () => {
      const c = await sut.conversation();
      const batches = [[w(c, 'u', 3, 1)], [w(c, 'u', 10, 2)], [w(c, 'u', 1, 8)], [w(c, 'u', 10, 2)]];
      await Promise.all([...batches, ...[...batches].reverse()].map((b) => r.advanceWatermarks(b)));
      expect(await marks(c)).toEqual([w(c, 'u', 10, 8)]);
    });

    it('a batch may name the same (conversation, user) twice: the maximum of each column wins', async () => {
      const c = await sut.conversation();
      await r.advanceWatermarks([w(c, 'alice', 5, 1), w(c, 'alice', 3, 2), w(c, 'bob', 1, 1)]);
      expect(await marks(c)).toEqual([w(c, 'alice', 5, 2), w(c, 'bob', 1, 1)]);
      await r.advanceWatermarks([w(c, 'alice', 7, 0), w(c, 'alice', 6, 6)]);
      expect(await marks(c)).toEqual([w(c, 'alice', 7, 6), w(c, 'bob', 1, 1)]);
    });

    it('lands batches over 5000 rows whole, and keeps the maximum in every chunk', async () => {
      const [c, d] = [await sut.conversation(), await sut.conversation()];
      const users = Array.from({ length: 6_001 }, (_, i) => `user-${String(i).padStart(5, '0')}`);
      const first = users.flatMap((u, i) => [w(c, u, i + 10, i), w(d, u, 5, 5)]); // 12,002 rows
      await r.advanceWatermarks(first);
      expect(await marks(c)).toEqual(users.map((u, i) => w(c, u, i + 10, i)));
      // lower values in the first half, higher in the second: rows of every chunk are merged
      await r.advanceWatermarks(users.flatMap((u, i) => [w(c, u, i < 3_000 ? 0 : i + 20, i < 3_000 ? 0 : i + 1), w(d, u, 4, 4)]));
      expect(await marks(c)).toEqual(users.map((u, i) => (i < 3_000 ? w(c, u, i + 10, i) : w(c, u, i + 20, i + 1))));
      expect(await marks(d)).toEqual(users.map((u) => w(d, u, 5, 5)));
    });

    it('turns failures into AppError at its boundary (here: used after close)', async () => {
      const closed = await make();
      await closed.close();
      await expect(closed.receipts.advanceWatermarks([w('c', 'u', 1, 1)])).rejects.toMatchObject({ name: 'AppError' });
      await expect(closed.receipts.watermarks('c')).rejects.toMatchObject({ name: 'AppError' });
    });

    it('stores seqs beyond 32 bits and hands them back as numbers', async () => {
      const c = await sut.conversation();
      const big = 2 ** 40 + 7;
      await r.advanceWatermarks([w(c, 'alice', big + 1, big)]);
      const [m] = await r.watermarks(c);
      expect(m).toEqual(w(c, 'alice', big + 1, big));
      expect(typeof m.read).toBe('number');
    });
  });
}
