// The audit archive (audit-archive.ts) through the API and the GDPR export, shared by the
// embedded stack (SQLite + local directory, audit-archive.test.ts) and the production one
// (PostgreSQL + S3 on Swift, audit-archive.int.test.ts). Thirty old entries over three months
// and five recent ones; every answer of GET /v1/admin/audit taken before archiving is taken
// again, string for string, after a run that died between its manifest commit and its removal,
// after the rerun, and after the whole archive; a rerun archives nothing twice; pages cross the
// warm/cold boundary; a filter on a month reads that month's file only; an export holds the
// archived entries about its user.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ObjectStore } from '../archive/object-store.js';
import type { AuditEntry } from '../store/audit-store.js';
import { runExport } from '../gdpr/export.js';
import type { GdprJob } from '../store/gdpr-store.js';
import { newHolder } from '../store/leases.js';
import { makeStack, type StackOptions, type TestStack } from '../../test/helpers/app.js';
import { AuditArchive } from './audit-archive.js';
import { AUDIT_ARCHIVE_LEASE, runAuditArchive } from './audit-archiver.js';
import { encodeEntries } from './audit-parquet.js';

/** Records the keys of every ranged read (the Parquet reads). */
function spied(store: ObjectStore, reads: string[]): ObjectStore {
  return new Proxy(store, {
    get(target, p) {
      if (p === 'readRange') {
        return (key: string, start: number, end: number) => {
          reads.push(key);
          return target.readRange(key, start, end);
        };
      }
      const v = Reflect.get(target, p, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export function auditArchiveCases(name: string, opts: StackOptions & { objects: () => Promise<{ store: ObjectStore; close(): Promise<void> }> }) {
  describe(`audit archive on ${name}`, () => {
    let s: TestStack;
    let closeObjects: () => Promise<void>;
    let archive: AuditArchive;
    let admin: string;
    const reads: string[] = [];
    const c1 = uuidv7();
    const c2 = uuidv7();
    const old: AuditEntry[] = [];
    const recent: AuditEntry[] = [];
    const all = () => [...old, ...recent].reverse(); // newest first
    const before = new Map<string, string>();

    const get = async (query: string) => {
      const r = await s.app.inject({ method: 'GET', url: `/v1/admin/audit?${query}`, headers: { authorization: `Bearer ${admin}` } });
      expect(r.statusCode, r.body).toBe(200);
      return r.body;
    };
    const QUERIES = ['limit=1000', 'limit=7', 'actor=ann', 'target_user=tom', `conversation_id=${c1}`, 'action=member.removed',
      'since=2020-01-20T00:00:00Z&until=2020-02-20T00:00:00Z', `actor=ben&conversation_id=${c2}&limit=3`, 'since=2020-03-01T00:00:00.000Z&limit=2'];
    /** Every query above, and every page of a walk by 4 (following next_before), as answered now. */
    async function answers(): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const q of QUERIES) out.set(q, await get(q));
      for (let q = 'limit=4'; ;) {
        const body = await get(q);
        out.set(q, body);
        const next = (JSON.parse(body) as { next_before: string | null }).next_before;
        if (!next) break;
        q = `limit=4&before=${next}`;
      }
      return out;
    }
    const warmIds = async () => (await s.deps.safety!.audit.list({ limit: 1000 })).map((e) => e.id);
    const parquetKeys = async () => (await s.deps.archive!.objects.list('audit/')).filter((k) => k.endsWith('.parquet'));

    beforeAll(async () => {
      const o = await opts.objects();
      closeObjects = o.close;
      s = await makeStack({ ...opts, workers: false, archive: spied(o.store, reads) });
      archive = AuditArchive.of(s.deps.archive)!;
      admin = await s.token('root', true);
      const entry = (t: number, i: number): AuditEntry => ({
        id: uuidv7({ msecs: t }), at: new Date(t).toISOString(), action: i % 3 === 0 ? 'member.removed' : i % 5 === 0 ? 'report.resolved' : 'member.role_changed',
        actor: ['ann', 'ben', 'cy'][i % 3], target_user: i % 4 === 0 ? 'tom' : i % 5 === 0 || i % 7 === 0 ? 'gdpr-user' : null, conversation_id: i % 2 ? c1 : c2,
        message_id: i % 6 === 0 ? uuidv7() : null, reason: i === 3 ? '\uFEFFspam ✓' : i === 4 ? '' : i % 2 ? 'rule 2' : null, request_id: `req-${i}`,
        details: i % 5 === 0 ? { report_id: `r${i}`, resolution: 'dismiss', reporter: 'rita', z: 1, a: [1.5, 'x', null, { n: 12345678901234 }], emoji: '\u{1F600}' }
          : i % 2 ? { from: 'member', to: 'admin' } : null,
      });
      const base = Date.parse('2020-01-02T03:04:05.678Z');
      for (let i = 0; i < 30; i++) old.push(entry(base + i * 3 * 86_400_000 + i, i)); // Jan, Feb, Mar 2020
      for (let i = 0; i < 5; i++) recent.push(entry(Date.parse('2022-06-01T00:00:00.000Z') + i * 1000, 30 + i));
      for (const e of [...old, ...recent]) await s.deps.safety!.audit.append(e);
      for (const [q, body] of await answers()) before.set(q, body);
    });
    afterAll(async () => {
      await s?.close();
      await closeObjects?.();
    });

    it('a run that died between its manifest commit and its removal: entries in both tiers read once; the rerun removes them and archives nothing twice', async () => {
      const cutoff = '2020-01-15T00:00:00.000Z';
      const m = await archive.manifest();
      const { entries } = await archive.nextBatch(s.deps.safety!.audit, m, cutoff);
      expect(entries.map((e) => e.id)).toEqual(old.filter((e) => e.at < cutoff).map((e) => e.id));
      const [key] = await archive.commit(m, entries); // … and the process dies here
      expect(key).toBe(`audit/month=2020-01/part-${entries[0].id}-${entries[entries.length - 1].id}.parquet`);
      expect(await warmIds()).toHaveLength(35);
      expect(await answers()).toEqual(before);

      // an orphan upload of a run that died before its commit, and another archiver holding the lease
      const orphan = `audit/month=2020-01/part-${old[5].id}-${old[6].id}.parquet`;
      await s.deps.archive!.objects.putFile(orphan, await encodeEntries(s.deps.archive!.codec, old.slice(5, 7)));
      const other = newHolder();
      expect(await s.deps.archiving!.leases.acquire(AUDIT_ARCHIVE_LEASE, other, 60_000)).toBe(true);
      expect(await runAuditArchive(archive, s.deps.safety!.audit, s.deps.archiving!.leases, cutoff, {})).toBeNull();
      await s.deps.archiving!.leases.release(AUDIT_ARCHIVE_LEASE, other);

      const rerun = await runAuditArchive(archive, s.deps.safety!.audit, s.deps.archiving!.leases, cutoff, {});
      expect(rerun).toEqual({ archived: 0, removed: entries.length, files: [], archivedThrough: entries[entries.length - 1].id });
      // the orphan's entries are above the watermark: it could be a stalled run's upload, kept until the watermark passes it
      expect((await parquetKeys()).sort()).toEqual([key, orphan].sort());
      expect((await archive.manifest()).files.map((f) => [f.key, f.rows])).toEqual([[key, entries.length]]);
      expect(await warmIds()).toEqual(all().filter((e) => e.at >= cutoff).map((e) => e.id));
      expect(await archive.archive(s.deps.safety!.audit, cutoff)).toMatchObject({ archived: 0, removed: 0, files: [] });
      expect(await answers()).toEqual(before);
    });

    it('archives the rest in one file per month (the small January file rewritten with its new rows) and answers every page as before, string for string', async () => {
      const r = await archive.archive(s.deps.safety!.audit, '2021-01-01T00:00:00.000Z');
      expect(r.archived).toBe(30 - old.filter((e) => e.at < '2020-01-15').length);
      const m = await archive.manifest();
      const months = [['2020-01', old.filter((e) => e.at < '2020-02')], ['2020-02', old.filter((e) => e.at.startsWith('2020-02'))], ['2020-03', old.filter((e) => e.at >= '2020-03')]] as const;
      expect(m.files.map((f) => [f.key, f.rows, f.min_at, f.max_at])).toEqual(months.map(([month, es]) => [
        `audit/month=${month}/part-${es[0].id}-${es[es.length - 1].id}.parquet`, es.length, es[0].at, es[es.length - 1].at]));
      expect(m.archived_through).toBe(old[29].id);
      expect(await parquetKeys()).toEqual(m.files.map((f) => f.key)); // the orphan is gone: its entries are in listed files
      expect(await warmIds()).toEqual(recent.map((e) => e.id).reverse());
      expect(await answers()).toEqual(before);
    });

    it('pages cross the warm/cold boundary; filters hold in both tiers; a one-month query reads only that month\'s file', async () => {
      const ids = (body: string) => (JSON.parse(body) as { entries: AuditEntry[] }).entries.map((e) => e.id);
      const p1 = JSON.parse(await get('limit=4')) as { next_before: string };
      const p2 = await get(`limit=4&before=${p1.next_before}`);
      expect(ids(p2)).toEqual(all().slice(4, 8).map((e) => e.id)); // one warm entry, three archived
      expect(ids(await get('target_user=gdpr-user&limit=1000'))).toEqual(all().filter((e) => e.target_user === 'gdpr-user').map((e) => e.id));
      expect(ids(await get(`action=report.resolved&conversation_id=${c2}`))).toEqual(all().filter((e) => e.action === 'report.resolved' && e.conversation_id === c2).map((e) => e.id));
      const feb = (await archive.manifest()).files[1];
      reads.length = 0;
      const got = ids(await get('since=2020-02-01T00:00:00Z&until=2020-03-01T00:00:00Z&limit=1000'));
      expect(got).toEqual(all().filter((e) => e.at.startsWith('2020-02')).map((e) => e.id));
      expect(reads.length).toBeGreaterThan(0);
      expect(new Set(reads)).toEqual(new Set([feb.key]));
    });

    it('a GDPR export holds the archived entries the user did or was the target of, without the reporter', async () => {
      expect(await warmIds()).toEqual(recent.map((e) => e.id).reverse()); // the old ones are archived only
      const ctx = { deps: s.deps as never, changes: s.services.changes, holder: newHolder() };
      const job = { id: uuidv7(), kind: 'export', user: 'gdpr-user', requested_by: 'root' } as GdprJob;
      const { key } = await runExport(ctx, job) as { key: string };
      const doc = JSON.parse(gunzipSync(Buffer.from((await s.deps.archive!.objects.readFile(key))!)).toString('utf8')) as { audit: AuditEntry[] };
      const mine = [...old, ...recent].filter((e) => e.actor === 'gdpr-user' || e.target_user === 'gdpr-user');
      expect(mine.some((e) => e.details?.reporter)).toBe(true);
      expect(doc.audit).toEqual(mine.map((e) => ({ ...e, details: e.details && Object.fromEntries(Object.entries(e.details).filter(([k]) => k !== 'reporter')) })));
    });

    // found by review: an archiver whose lease lapsed while it uploaded (a stall past the TTL)
    // saved its stale manifest over another run's commit, dropping that run's files, then removed
    // their entries from the warm store; the next run deleted the dropped files — entries lost
    it('two archivers after a lease lapsed: the stale one gives up at its commit; nothing is lost, its upload is cleaned up', async () => {
      const stale = await archive.manifest();
      const mine = await archive.nextBatch(s.deps.safety!.audit, stale, '2022-06-01T00:00:02.000Z');
      expect(mine.entries).toHaveLength(2);
      // meanwhile another archiver (the lease is its now) moves four of the recent entries
      expect(await archive.archive(s.deps.safety!.audit, '2022-06-01T00:00:04.000Z')).toMatchObject({ archived: 4 });
      await expect(archive.commit(stale, mine.entries)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await answers()).toEqual(before); // every entry, once, as before any archiving
      expect((await archive.manifest()).archived_through).toBe(recent[3].id);
      await archive.archive(s.deps.safety!.audit, '2022-06-01T00:00:04.000Z'); // the stale upload is below the watermark now
      expect(await parquetKeys()).toEqual((await archive.manifest()).files.map((f) => f.key));
    });
  });
}
