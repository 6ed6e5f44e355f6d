// The ArchiveSource contract: every adapter (SQL on SQLite and on PostgreSQL) must pass this same
// suite. Every adapter guarantees:
//   - listForArchive returns whole messages with afterSeq < seq ≤ upToSeq of one conversation,
//     ascending by seq, at most `limit`, holes in the seqs simply absent;
//   - deleteArchived removes every row with seq ≤ upToSeq of that conversation only, however
//     many (the SQL adapter deletes in chunks of 5000), and returns how many it removed; a row
//     whose version is not the one `archived` names (or every row, without a map) is kept as
//     an overlay first; listOverlays reads them, dropOverlays drops those folded (version ≤);
//   - conversationsToArchive names, sorted by id, each conversation with warm rows the policy
//     moves and the highest seq to move: keepLast keeps the last keepLast seqs, days keeps
//     rows created at or after now − days; with both, a row moves only if both select it;
//     0 turns a rule off, both 0 moves nothing.
// The store is shared by the suite's tests: policy results are narrowed to each test's ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../model/message.js';
import type { ArchiveCandidate, ArchiveSource } from './archive-source.js';
import { msg } from './store.contract.js';

export interface ArchiveSourceUnderTest {
  source: ArchiveSource;
  /** A new conversation (messages reference it); returns its id. */
  conversation(): Promise<string>;
  /** Writes warm rows (the store's insertMessages). */
  insert(messages: Message[]): Promise<void>;
  close(): Promise<void>;
}

const NOW = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqs = (ms: Message[]) => ms.map((m) => m.seq);
const sortById = (cs: ArchiveCandidate[]) => [...cs].sort((a, b) => (a.conversationId < b.conversationId ? -1 : 1));

export function archiveSourceContract(name: string, make: () => Promise<ArchiveSourceUnderTest>) {
  describe(`ArchiveSource contract: ${name}`, () => {
    let sut: ArchiveSourceUnderTest;
    let src: ArchiveSource;
    beforeAll(async () => {
      sut = await make();
      src = sut.source;
    });
    afterAll(async () => sut?.close());

    /** A conversation holding `seqList`, message i created `age(seq)` days before NOW. */
    async function conv(seqList: number[], age: (seq: number) => number = () => 400): Promise<{ id: string; ms: Message[] }> {
      const id = await sut.conversation();
      const ms = seqList.map((s) => msg(id, s, { created_at: daysAgo(age(s)) }));
      if (ms.length) await sut.insert([...ms].reverse());
      return { id, ms };
    }
    const toArchive = async (ids: string[], days: number, keepLast: number): Promise<ArchiveCandidate[]> =>
      (await src.conversationsToArchive({ days, keepLast }, NOW)).filter((c) => ids.includes(c.conversationId));

    it('lists afterSeq < seq ≤ upToSeq of one conversation, ascending, at most limit, whole', async () => {
      const c = await conv(range(1, 20).filter((s) => s !== 10));
      const other = await conv(range(1, 20));
      const edited = msg(c.id, 21, { client_id: 'k-21', reply_to: c.ms[0].id, text: null, edited_at: daysAgo(1), deleted_at: daysAgo(0) });
      await sut.insert([edited]);
      expect(seqs(await src.listForArchive(c.id, 5, 12, 100))).toEqual([6, 7, 8, 9, 11, 12]);
      expect(seqs(await src.listForArchive(c.id, 5, 12, 3))).toEqual([6, 7, 8]);
      expect(await src.listForArchive(c.id, 0, 100, 100)).toEqual([...c.ms, edited]);
      expect(await src.listForArchive(c.id, 21, 100, 10)).toEqual([]);
      expect(await src.listForArchive(c.id, 0, 0, 10)).toEqual([]);
      expect(await src.listForArchive(`no-${c.id}`, 0, 100, 10)).toEqual([]);
      expect(seqs(await src.listForArchive(other.id, 18, 100, 10))).toEqual([19, 20]);
    });

    it('deletes seq ≤ upToSeq of one conversation and says how many rows went', async () => {
      const c = await conv(range(1, 10).filter((s) => s !== 4));
      const other = await conv(range(1, 10));
      expect(await src.deleteArchived(c.id, 6)).toBe(5);
      expect(seqs(await src.listForArchive(c.id, 0, 100, 100))).toEqual([7, 8, 9, 10]);
      expect(await src.deleteArchived(c.id, 6)).toBe(0);
      expect(await src.deleteArchived(c.id, 0)).toBe(0);
      expect(await src.deleteArchived(`no-${c.id}`, 100)).toBe(0);
      expect(seqs(await src.listForArchive(other.id, 0, 100, 100))).toEqual(range(1, 10));
    });

    it('keeps a row changed since it was archived as an overlay; folded overlays are dropped', async () => {
      const c = await conv(range(1, 5));
      const rows = await src.listForArchive(c.id, 0, 5, 10);
      const archived = new Map(rows.map((r) => [r.seq, r.version]));
      archived.set(2, rows[1].version - 1); // seq 2 changed after the archiver read it
      expect(await src.deleteArchived(c.id, 3, archived)).toBe(3);
      expect(await src.listOverlays(c.id, 1, 5)).toEqual([rows[1]]);
      expect(await src.deleteArchived(c.id, 5)).toBe(2); // no map (a run converging after a crash): every row kept
      expect(seqs(await src.listOverlays(c.id, 1, 5))).toEqual([2, 4, 5]);
      expect(seqs(await src.listOverlays(c.id, 3, 4))).toEqual([4]);
      await src.dropOverlays(c.id, [{ seq: 2, version: rows[1].version - 1 }, { seq: 4, version: rows[3].version }]);
      expect(seqs(await src.listOverlays(c.id, 1, 5))).toEqual([2, 5]); // seq 2's overlay is newer than what was folded
      expect(await src.listForArchive(c.id, 0, 5, 10)).toEqual([]);
    });

    it('deletes more than 5000 rows in one call', async () => {
      const c = await conv(range(1, 12_001));
      expect(await src.deleteArchived(c.id, 12_000)).toBe(12_000);
      expect(seqs(await src.listForArchive(c.id, 0, 20_000, 20_000))).toEqual([12_001]);
    });

    it('turns failures into AppError at its boundary (here: used after close)', async () => {
      const closed = await make();
      await closed.close();
      await expect(closed.source.listForArchive('c', 0, 10, 10)).rejects.toMatchObject({ name: 'AppError' });
      await expect(closed.source.deleteArchived('c', 10)).rejects.toMatchObject({ name: 'AppError' });
      await expect(closed.source.conversationsToArchive({ days: 1, keepLast: 1 }, NOW)).rejects.toMatchObject({ name: 'AppError' });
    });

    it('moves nothing when both rules are off', async () => {
      const c = await conv(range(1, 50));
      expect(await src.conversationsToArchive({ days: 0, keepLast: 0 }, NOW)).toEqual([]);
      expect(await toArchive([c.id], 0, 0)).toEqual([]);
    });

    it('keepLast: everything but the last keepLast seqs, if anything', async () => {
      // 100 rows; exactly keepLast; earlier rows already archived; too few left; one over
      const made = await Promise.all([range(1, 100), range(1, 20), range(61, 100), range(81, 100), range(1, 21)].map((r) => conv(r)));
      const ids = made.map((m) => m.id);
      expect(await toArchive(ids, 0, 20)).toEqual(sortById([
        { conversationId: ids[0], upToSeq: 80 }, { conversationId: ids[2], upToSeq: 80 }, { conversationId: ids[4], upToSeq: 1 },
      ]));
    });

    it('days: the highest seq created before now − days; a row exactly at the cutoff stays', async () => {
      const ageOf = (s: number) => 11 - s; // seq 1 ten days old … seq 10 one day old
      const [old, fresh] = await Promise.all([conv(range(1, 10), ageOf), conv(range(1, 10), () => 1)]);
      expect(await toArchive([old.id, fresh.id], 5, 0)).toEqual([{ conversationId: old.id, upToSeq: 5 }]);
      expect(await toArchive([old.id, fresh.id], 30, 0)).toEqual([]);
    });

    it('both rules: a row moves only when both select it', async () => {
      const [both, fewButOld, manyButNew, daysHigher] = await Promise.all([
        conv(range(1, 100), (s) => 101 - s), // keepLast → 80, days(30) → 70
        conv(range(1, 20), () => 400), // keepLast selects nothing
        conv(range(1, 100), () => 1), // days selects nothing
        conv(range(1, 100), (s) => 200 - s), // keepLast → 80, days(30) → 100
      ]);
      const ids = [both.id, fewButOld.id, manyButNew.id, daysHigher.id];
      const got = await toArchive(ids, 30, 20);
      expect(got).toEqual(sortById([{ conversationId: both.id, upToSeq: 70 }, { conversationId: daysHigher.id, upToSeq: 80 }]));
    });
  });
}
