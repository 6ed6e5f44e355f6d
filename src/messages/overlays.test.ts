// withOverlays (history.ts) against a fold that lands between its two reads. Drill 4 counted one
// tier mismatch once in a fresh-clone CI run; this is the read skew that explains it: the page
// read an archived row at its old version, the background archiver then rewrote the file with
// the overlay's version and dropped the overlay, and the overlay query found nothing — the page
// served the old text. The archive and the store are scripted here (the logic under test is the
// order of reads); the real fold is exercised by test/drills/change-drills.test.ts (drill 4).
import { expect, it } from 'vitest';
import type { Message } from '../model/message.js';
import { withOverlays, type StampedColdReader } from './history.js';

const row = (version: number, text: string): Message => ({
  id: '01900000-0000-7000-8000-000000000001', conversation_id: 'c', seq: 1, version, sender: 'alice', text, reply_to: null,
  thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: null,
  created_at: '2026-01-01T00:00:00.000Z', edited_at: version > 1 ? '2026-01-02T00:00:00.000Z' : null, deleted_at: null,
});

/** The archive before and after one fold: file v1 under stamp A, then file v2 under stamp B. */
function folding(foldAfterRows: number) {
  let reads = 0;
  let folded = false;
  const cold: StampedColdReader = {
    async readRange(c, r) {
      return (await this.readRangeStamped(c, r)).rows;
    },
    async readRangeStamped() {
      reads++;
      const out = folded ? { rows: [row(2, 'edited')], stamp: 'B' } : { rows: [row(1, 'original')], stamp: 'A' };
      if (reads === foldAfterRows) folded = true; // the fold commits right after this read…
      return out;
    },
    async stamp() {
      return folded ? 'B' : 'A';
    },
  };
  // …and drops the overlay once it is in the file
  const store = { listOverlays: async () => (folded ? [] : [row(2, 'edited')]) };
  return { reader: withOverlays(cold, store), reads: () => reads };
}

it('a fold between the row read and the overlay read does not serve the old version: the page is read again', async () => {
  const f = folding(1);
  const page = await f.reader.readRange('c', { limit: 10 });
  expect(page.map((m) => [m.version, m.text])).toEqual([[2, 'edited']]);
  expect(f.reads()).toBe(2);
});

it('without a fold the overlay is applied from one read', async () => {
  const f = folding(Number.POSITIVE_INFINITY);
  const page = await f.reader.readRange('c', { limit: 10 });
  expect(page.map((m) => [m.version, m.text])).toEqual([[2, 'edited']]);
  expect(f.reads()).toBe(1);
});
