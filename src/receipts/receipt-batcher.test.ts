// ReceiptBatcher over the SQL receipts store (SQLite in memory): merged per (conversation,
// user), one upsert per flush, never backwards, read implies delivered, failures retried.
import { describe, expect, it, vi } from 'vitest';
import { createSqlStore } from '../store/sql/sql-store.js';
import { SqlReceipts } from '../store/sql/sql-receipts.js';
import { ReceiptBatcher } from './receipt-batcher.js';
import type { ReceiptStore, Watermark } from '../store/receipt-store.js';

const conv = '0190a0b4-0000-7000-8000-00000000000c';

async function sqlite() {
  const store = await createSqlStore('sqlite::memory:');
  await store.migrate();
  await store.createConversation({ id: conv, title: null, kind: 'group', created_by: 'a', created_at: new Date().toISOString(), members: [] });
  return { store, receipts: new SqlReceipts(store.db, store.dialect) };
}

describe('ReceiptBatcher', () => {
  it('stores the max of each watermark and never moves it backwards', async () => {
    const { store, receipts } = await sqlite();
    const b = new ReceiptBatcher(receipts, 5);
    b.delivered(conv, 'bob', 3);
    b.delivered(conv, 'bob', 7);
    await b.note(conv, 'carol', { read: 4 });
    await b.note(conv, 'bob', { read: 5 });
    await b.note(conv, 'bob', { read: 2, delivered: 1 });
    const marks = await receipts.watermarks(conv);
    expect(marks.sort((x, y) => x.user.localeCompare(y.user))).toEqual([
      { conversationId: conv, user: 'bob', delivered: 7, read: 5 },
      { conversationId: conv, user: 'carol', delivered: 4, read: 4 },
    ]);
    await b.close();
    await store.close();
  });

  it('rejects the waiters of a failed flush and keeps the values for the next one', async () => {
    const written: Watermark[][] = [];
    let fail = true;
    const flaky: ReceiptStore = {
      async advanceWatermarks(batch) {
        if (fail) throw new Error('down');
        written.push(batch.map(({ conversationId, user, delivered, read }) => ({ conversationId, user, delivered, read })));
      },
      async watermarks() {
        return [];
      },
    };
    const b = new ReceiptBatcher(flaky, 5);
    await expect(b.note(conv, 'bob', { read: 9 })).rejects.toThrow('down');
    expect(b.peek(conv, 'bob')).toMatchObject({ read: 9 });
    fail = false;
    await b.flush();
    expect(written).toEqual([[{ conversationId: conv, user: 'bob', delivered: 0, read: 9 }]]);
    await b.close();
  });

  it('delivered advances gather for the delivered interval; a read brings the flush forward', async () => {
    vi.useFakeTimers();
    try {
      const written: Watermark[][] = [];
      const store: ReceiptStore = {
        async advanceWatermarks(batch) {
          written.push(batch.map(({ conversationId, user, delivered, read }) => ({ conversationId, user, delivered, read })));
        },
        async watermarks() {
          return [];
        },
      };
      const b = new ReceiptBatcher(store, 50, () => {}, 500);
      for (let seq = 1; seq <= 40; seq++) {
        b.delivered(conv, 'bob', seq);
        b.delivered(conv, 'carol', seq);
        await vi.advanceTimersByTimeAsync(10); // a message every 10 ms for 400 ms: nothing written yet
      }
      expect(written).toEqual([]);
      await vi.advanceTimersByTimeAsync(100); // 500 ms after the first: one write of the max
      expect(written).toEqual([[{ conversationId: conv, user: 'bob', delivered: 40, read: 0 }, { conversationId: conv, user: 'carol', delivered: 40, read: 0 }]]);

      b.delivered(conv, 'bob', 41); // a flush due in 500 ms…
      const read = b.note(conv, 'carol', { read: 41 }); // …brought forward to 50 ms by a read
      await vi.advanceTimersByTimeAsync(50);
      await read;
      expect(written[1]).toEqual([{ conversationId: conv, user: 'bob', delivered: 41, read: 0 }, { conversationId: conv, user: 'carol', delivered: 0, read: 41 }]);
      await b.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
