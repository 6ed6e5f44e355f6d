// One suite for every ObjectStore adapter (local directory, S3): the storage port itself, then
// the archive on top of it against a SQLite warm store: round trip, history pages read the way
// production reads them (HistoryService, from a stack on this store) equal to the pre-archive
// pages, crash convergence, DuckDB over the tree, and row-group pruning.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeStack } from '../../test/helpers/app.js';
import type { HistoryQuery } from '../messages/schemas.js';
import { messageJson, type Message } from '../model/message.js';
import { createSqlStore, type SqlStore } from '../store/sql/sql-store.js';
import { SqlArchiveSource } from '../store/sql/sql-archive-source.js';
import { Archive } from './archive.js';
import { Crash, crashAfterPut, crashMidDelete, mirror, seedConversation } from './archive.test-kit.js';
import { resetStats, type ObjectStore } from './object-store.js';

export interface ContractTarget {
  objects: ObjectStore;
  cleanup(): Promise<void>;
}

const json = (ms: Message[]) => ms.map(messageJson).join('\n');
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
let n = 0;
const convId = () => `0190c8a4-0000-7000-8000-${String(++n).padStart(12, '0')}`;

/** The target's store for a stack whose close() must leave it open (the suite goes on using it). */
function borrowed(objects: ObjectStore): ObjectStore {
  return new Proxy(objects, {
    get(target, prop, receiver) {
      if (prop === 'close') return async () => {};
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

export function archiveContract(name: string, make: () => Promise<ContractTarget>) {
  describe(`archive contract: ${name}`, () => {
    let target: ContractTarget;
    let objects: ObjectStore;
    let store: SqlStore;
    let source: SqlArchiveSource;
    let archive: Archive;
    beforeAll(async () => {
      target = await make();
      objects = target.objects;
    });
    afterAll(async () => {
      await archive?.codec.close();
      await target?.cleanup();
    });
    beforeEach(async () => {
      store = await createSqlStore('sqlite::memory:');
      await store.migrate();
      source = new SqlArchiveSource(store.db);
      archive = new Archive(objects);
    });
    afterEach(async () => {
      await archive.codec.close();
      await store.close();
    });

    it('stores, ranges, lists (all pages, by prefix) and deletes files', async () => {
      await objects.putFile('a/b/one.bin', enc('0123456789'));
      await objects.putFile('a/b/one.bin', enc('abcdefghij')); // replace
      for (let i = 0; i < 5; i++) await objects.putFile(`a/c/${i}.bin`, enc(String(i)));
      await objects.putFile('ab/x.bin', enc('x'));
      expect(dec(await objects.readFile('a/b/one.bin'))).toBe('abcdefghij');
      expect(dec(await objects.readRange('a/b/one.bin', 2, 5))).toBe('cde');
      expect(dec(await objects.readRange('a/b/one.bin', 7, 10))).toBe('hij');
      expect(await objects.readFile('a/nope.bin')).toBeNull();
      expect(await objects.list('a/')).toEqual(['a/b/one.bin', 'a/c/0.bin', 'a/c/1.bin', 'a/c/2.bin', 'a/c/3.bin', 'a/c/4.bin']);
      expect(await objects.list('a')).toHaveLength(7);
      await objects.delete('a/c/3.bin');
      await objects.delete('a/c/3.bin');
      expect(await objects.list('a/c/')).toEqual(['a/c/0.bin', 'a/c/1.bin', 'a/c/2.bin', 'a/c/4.bin']);
      resetStats(objects.stats);
      await objects.readRange('a/b/one.bin', 0, 4);
      expect(objects.stats.bytesRead).toBe(4);
    });

    it('round-trips messages byte for byte (nulls, tombstones, edits, unicode, escapes)', async () => {
      const id = convId();
      const msgs = await seedConversation(store, id, 300);
      const r = await archive.archiveConversation(source, id, 300);
      expect(r).toMatchObject({ archived: 300, deleted: 300, archivedThrough: 300 });
      expect(await store.listMessages(id, { afterSeq: 0, limit: 1000 })).toEqual([]);
      expect(json(await archive.readRange(id, { afterSeq: 0, limit: 1000 }))).toBe(json(msgs));
      const again = await archive.archiveConversation(source, id, 300);
      expect(again).toMatchObject({ archived: 0, deleted: 0, files: [] });
    });

    it('10,000 messages, the last 500 kept warm: every history page reads the same as before archiving', async () => {
      // The production read path: HistoryService as buildServices wires it (warm store first, the
      // archive below the warm store's lowest row), in a stack whose cold tier is this store.
      const s = await makeStack({ archive: borrowed(objects), workers: false });
      try {
        const id = convId();
        await seedConversation(s.deps.store, id, 10_000, { stepMs: 15 * 60_000 }); // ~104 days → 4 monthly files
        const queries: HistoryQuery[] = [{ limit: 50 }, { after: 0, limit: 200 }, { after: 9_450, limit: 200 }, { before: 9_530, limit: 100 }];
        for (let b = 10_001; b > 1; b -= 200) queries.push({ before: b, limit: 200 });
        for (let a = 0; a < 10_000; a += 777) queries.push({ after: a, limit: 200 });
        const tiers = new Set<string>();
        const pages = async () => {
          const out: { messages: string[]; has_more: boolean }[] = [];
          for (const q of queries) {
            const { messages, has_more, tier } = await s.services.history.page('user-0', id, q);
            out.push({ messages, has_more });
            tiers.add(tier);
          }
          return out;
        };
        const before = await pages();
        expect([...tiers]).toEqual(['warm']);
        const res = await s.deps.archive!.archiveConversation(s.deps.archiving!.source, id, 9_500);
        expect(res.archivedThrough).toBe(9_500);
        expect(res.files.length).toBeGreaterThanOrEqual(4);
        expect((await s.deps.store.listMessages(id, { afterSeq: 0, limit: 1 }))[0].seq).toBe(9_501);
        tiers.clear();
        expect(await pages()).toEqual(before);
        expect([...tiers].sort()).toEqual(['cold', 'mixed', 'warm']);
        const all = await s.services.history.page('user-0', id, { after: 0, limit: 20_000 });
        expect(all.messages.map((m) => (JSON.parse(m) as Message).seq)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
        expect(all.has_more).toBe(false);
      } finally {
        await s.close();
      }
    });

    it('converges after a crash at any step: every message exactly once across archive and warm', async () => {
      const id = convId();
      const all = await seedConversation(store, id, 3_000, { stepMs: 30 * 60_000 });
      const lowest = async () => (await store.listMessages(id, { afterSeq: 0, limit: 1 }))[0]?.seq ?? 0;
      const crashes: [string, () => [ObjectStore, SqlArchiveSource | ReturnType<typeof crashMidDelete>]][] = [
        ['after upload', () => [crashAfterPut(objects, (k) => k.endsWith('.parquet')), source]],
        ['after manifest', () => [crashAfterPut(objects, (k) => k.endsWith('_manifest.json')), source]],
        // a clean previous run leaves no rows for the converge step: the first delete is the run's own
        ['mid-delete', () => [objects, crashMidDelete(source, lowest, 0)]],
        ['after upload (merge)', () => [crashAfterPut(objects, (k) => k.endsWith('.parquet')), source]],
        ['mid-delete (merge)', () => [objects, crashMidDelete(source, lowest, 0)]],
        ['mid-delete (converge step)', () => [objects, crashMidDelete(source, lowest, 0)]],
      ];
      let upTo = 400;
      for (const [step, faulty] of crashes) {
        const [objs, src] = faulty();
        const crashing = new Archive(objs, { codec: archive.codec });
        await expect(crashing.archiveConversation(src, id, upTo), step).rejects.toBeInstanceOf(Crash);
        await expectExactlyOnce(id, all, true);
        const r = await archive.archiveConversation(source, id, upTo);
        expect(r.archivedThrough, step).toBe(upTo);
        await expectExactlyOnce(id, all, false);
        upTo += step.includes('merge') ? 50 : 500;
      }
    });

    async function expectExactlyOnce(id: string, all: Message[], allowDuplicates: boolean) {
      const warm = await store.listMessages(id, { afterSeq: 0, limit: 100_000 });
      const cold = await archive.readRange(id, { afterSeq: 0, limit: 100_000 });
      const seen = new Map<number, number>();
      for (const m of [...warm, ...cold]) seen.set(m.seq, (seen.get(m.seq) ?? 0) + 1);
      expect(seen.size).toBe(all.length);
      if (!allowDuplicates) expect([...seen.values()].every((c) => c === 1)).toBe(true);
      expect(json(readThroughAll(warm, cold))).toBe(json(all));
      if (!allowDuplicates) {
        const manifest = await archive.manifest(id);
        const listed = (await objects.list(`conversation=${id}/`)).filter((k) => k.endsWith('.parquet'));
        expect(listed).toEqual(manifest.files.map((f) => f.key).sort());
      }
    }

    function readThroughAll(warm: Message[], cold: Message[]): Message[] {
      const bySeq = new Map<number, Message>();
      for (const m of [...cold, ...warm]) bySeq.set(m.seq, m);
      return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    }

    it('DuckDB reads the archive tree as one Hive-partitioned table', async () => {
      const sizes = [1_200, 3_100, 40];
      const ids = sizes.map(() => convId());
      for (const [i, id] of ids.entries()) await seedConversation(store, id, sizes[i], { stepMs: 47 * 60_000 });
      const results = await archive.archiveAll(source, { days: 0, keepLast: 30 });
      expect(results.map((r) => r.archivedThrough)).toEqual(sizes.map((s) => s - 30));
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-archive-tree-'));
      try {
        await mirror(objects, dir);
        const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
        const con = await db.connect();
        const reader = await con.runAndReadAll(`select conversation, count(*)::int as n, max(seq)::int as hi, count(distinct seq)::int as d,
          min(month) as m0 from read_parquet('${dir}/**/*.parquet', hive_partitioning=true) where conversation in (${ids.map((i) => `'${i}'`).join(',')})
          group by conversation order by conversation`);
        const rows = reader.getRowObjectsJS();
        con.closeSync();
        expect(rows).toEqual(ids.map((id, i) => ({ conversation: id, n: sizes[i] - 30, hi: sizes[i] - 30, d: sizes[i] - 30, m0: '2024-01' })).sort((a, b) => (a.conversation < b.conversation ? -1 : 1)));
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });

    it('a history page from the archive fetches only the row groups it needs', async () => {
      const id = convId();
      await seedConversation(store, id, 60_000, { stepMs: 1000 }); // ~17 hours → one file
      await archive.archiveConversation(source, id, 60_000);
      const files = (await archive.manifest(id)).files;
      expect(files.map((f) => f.rows)).toEqual([50_000, 10_000]); // batchRows caps a file
      const file = files[0];
      resetStats(objects.stats);
      const page = await archive.readRange(id, { beforeSeq: 15_000, limit: 50 });
      expect(page.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 14_950 + i));
      const bytes = objects.stats.bytesRead;
      expect(bytes).toBeLessThan(file.bytes / 8);
      resetStats(objects.stats);
      await archive.readRange(id, { afterSeq: 20_000, limit: 50 }); // footer cached now
      expect(objects.stats.bytesRead).toBeLessThan(bytes);
    });
  });
}
