// The AuditStore contract (audit-store.ts): every adapter (SQL on SQLite and on PostgreSQL) passes
// it. Entries come back as appended (details as a JSON object), newest first by id; each filter
// alone and together; the time range is [since, until); keyset pages by `before` cover every
// entry once; listOldest reads them oldest first after an id; removeArchived removes exactly the
// ids given, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { AuditEntry, AuditStore } from './audit-store.js';

export interface AuditUnderTest {
  audit: AuditStore;
  close(): Promise<void>;
}

export function auditStoreContract(name: string, make: () => Promise<AuditUnderTest>) {
  describe(`AuditStore contract: ${name}`, () => {
    let u: AuditUnderTest;
    const run = uuidv7(); // entries of this run only: the actor names carry it
    const entries: AuditEntry[] = [];
    beforeAll(async () => {
      u = await make();
      const base = Date.parse('2026-04-01T00:00:00.000Z');
      for (let i = 0; i < 12; i++) {
        const e: AuditEntry = {
          id: uuidv7(), at: new Date(base + i * 60_000).toISOString(), action: i % 3 === 0 ? 'member.removed' : 'member.role_changed',
          actor: `${run}-${i % 2 === 0 ? 'ann' : 'ben'}`, target_user: i % 4 === 0 ? `${run}-t` : null, conversation_id: i < 6 ? `${run}-c1` : `${run}-c2`,
          message_id: null, reason: i === 5 ? 'spam ✓' : null, request_id: `req-${i}`, details: i === 1 ? { role: 'admin', n: 1 } : null,
        };
        await u.audit.append(e);
        entries.push(e);
      }
    });
    afterAll(async () => u?.close());

    const mine = (xs: AuditEntry[]) => xs.filter((e) => e.actor.startsWith(run));
    const newestFirst = (xs: AuditEntry[]) => [...xs].reverse();

    it('returns entries as appended, newest first', async () => {
      const got = mine(await u.audit.list({ limit: 1000, conversation_id: `${run}-c1` }));
      expect(got).toEqual(newestFirst(entries.slice(0, 6)));
      expect(got.find((e) => e.request_id === 'req-1')?.details).toEqual({ role: 'admin', n: 1 });
      expect(got.find((e) => e.request_id === 'req-5')?.reason).toBe('spam ✓');
    });

    it('filters by actor, target user, conversation, action and time range, together', async () => {
      const ann = `${run}-ann`;
      expect(await u.audit.list({ limit: 100, actor: ann })).toEqual(newestFirst(entries.filter((e) => e.actor === ann)));
      expect(await u.audit.list({ limit: 100, target_user: `${run}-t` })).toEqual(newestFirst(entries.filter((e) => e.target_user === `${run}-t`)));
      const since = entries[3].at;
      const until = entries[9].at;
      expect(await u.audit.list({ limit: 100, actor: ann, action: 'member.role_changed', conversation_id: `${run}-c2`, since, until }))
        .toEqual(newestFirst(entries.filter((e, i) => e.actor === ann && e.action === 'member.role_changed' && i >= 6 && i < 9)));
    });

    it('pages by `before` without gaps or repeats', async () => {
      const seen: AuditEntry[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await u.audit.list({ limit: 5, before, conversation_id: `${run}-c2` });
        seen.push(...page);
        if (page.length < 5) break;
        before = page[page.length - 1].id;
      }
      expect(seen).toEqual(newestFirst(entries.slice(6)));
    });

    it('lists the oldest first after an id, at most `limit`', async () => {
      expect(mine(await u.audit.listOldest(entries[0].id, 1000))).toEqual(entries.slice(1));
      const three = await u.audit.listOldest(entries[4].id, 3);
      expect(three).toEqual(entries.slice(5, 8)); // ids are fresh: no other run's entry falls between ours
      const first = await u.audit.listOldest(null, 1);
      expect(first).toHaveLength(1);
      expect(first[0].id <= entries[0].id).toBe(true);
    });

    // last: it removes entries the cases above read
    it('removes exactly the archived ids given, idempotently', async () => {
      const gone = [entries[10].id, entries[11].id];
      expect(await u.audit.removeArchived([...gone, uuidv7()])).toBe(2);
      expect(await u.audit.removeArchived(gone)).toBe(0);
      expect(await u.audit.removeArchived([])).toBe(0);
      expect(mine(await u.audit.listOldest(entries[0].id, 1000))).toEqual(entries.slice(1, 10));
    });
  });
}
