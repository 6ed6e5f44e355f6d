// The ReportStore contract (report-store.ts): every adapter passes it. One report per message ×
// reporter (a second create returns the first); list filters by state and conversation, newest
// first, keyset-paged; resolve changes an open report once only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Report, ReportStore } from './report-store.js';

export interface ReportsUnderTest {
  reports: ReportStore;
  /** A new conversation (reports reference one). */
  conversation(): Promise<string>;
  close(): Promise<void>;
}

export function reportStoreContract(name: string, make: () => Promise<ReportsUnderTest>) {
  describe(`ReportStore contract: ${name}`, () => {
    let u: ReportsUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    const report = (conversationId: string, reporter = 'bob', messageId = uuidv7()): Report => ({
      id: uuidv7(), conversation_id: conversationId, message_id: messageId, sender: 'carol', reporter, reason: 'spam', message_text: 'buy now',
      state: 'open', created_at: new Date().toISOString(), resolved_by: null, resolved_at: null, resolution_reason: null,
    });

    it('stores a report once per message and reporter', async () => {
      const c = await u.conversation();
      const r = report(c);
      expect(await u.reports.create(r)).toEqual({ report: r, created: true });
      const again = await u.reports.create({ ...report(c, 'bob', r.message_id), reason: 'other' });
      expect(again).toEqual({ report: r, created: false });
      const other = report(c, 'dave', r.message_id);
      expect((await u.reports.create(other)).created).toBe(true);
      expect(await u.reports.get(r.id)).toEqual(r);
      expect(await u.reports.get(uuidv7())).toBeNull();
    });

    it('lists by state and conversation, newest first, in pages', async () => {
      const c = await u.conversation();
      const made: Report[] = [];
      for (let i = 0; i < 7; i++) made.push((await u.reports.create(report(c, `u${i}`))).report);
      await u.reports.resolve(made[2].id, { state: 'dismissed', by: 'root', at: new Date().toISOString(), reason: null });
      const open = made.filter((_, i) => i !== 2).reverse();
      const seen: Report[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await u.reports.list({ state: 'open', conversation_id: c, before, limit: 4 });
        seen.push(...page);
        if (page.length < 4) break;
        before = page[page.length - 1].id;
      }
      expect(seen.map((r) => r.id)).toEqual(open.map((r) => r.id));
      expect((await u.reports.list({ state: 'dismissed', conversation_id: c, limit: 10 })).map((r) => r.id)).toEqual([made[2].id]);
      expect(await u.reports.list({ conversation_id: c, limit: 100 })).toHaveLength(7);
    });

    it('resolves an open report once', async () => {
      const c = await u.conversation();
      const r = (await u.reports.create(report(c))).report;
      const at = new Date().toISOString();
      const done = await u.reports.resolve(r.id, { state: 'message_deleted', by: 'root', at, reason: 'gone' });
      expect(done).toEqual({ ...r, state: 'message_deleted', resolved_by: 'root', resolved_at: at, resolution_reason: 'gone' });
      expect(await u.reports.resolve(r.id, { state: 'dismissed', by: 'root2', at, reason: null })).toBeNull();
      expect(await u.reports.get(r.id)).toEqual(done);
      expect(await u.reports.resolve(uuidv7(), { state: 'dismissed', by: 'root', at, reason: null })).toBeNull();
    });
  });
}
