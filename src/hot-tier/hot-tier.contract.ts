// The hot-tier contract: every adapter (memory, Valkey standalone, Valkey Cluster) must pass
// this same suite, which covers every method of HotTier, RateLimiter and PersistLog and the
// live fan-out. Each test gets a fresh tier from `make` (the Valkey ones a unique key prefix).
// Expiry is judged on the server for Valkey (TTLs, stream idle times), so the suite cannot move a
// fake clock: it polls, with a bound, for the outcome that must come once the time has passed
// (`eventually`), and proves "nothing more" with a later event or an unconditional query.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { messageTemplate, parseMessage, versionTemplate } from '../model/message.js';
import { changeJson, type ChangeInput, type HotTier, type IngestInput, type LogEntry } from './hot-tier.js';
import { createdChange, eventually, seqOf, stored, template, type HotBundle, type HotTierUnderTest } from './hot-tier.test-kit.js';
import { partitionOf } from './partition.js';

export type { HotBundle, HotTierUnderTest } from './hot-tier.test-kit.js';

export function hotTierContract(name: string, make: () => Promise<HotTierUnderTest>) {
  describe(`HotTier contract: ${name}`, () => {
    let sut: HotTierUnderTest;
    let hot: HotBundle;
    beforeEach(async () => {
      sut = await make();
      hot = sut.tier;
    });
    afterEach(async () => hot?.close());

    function input(conversationId: string, over: Partial<IngestInput> & { text?: string; clientId?: string } = {}): IngestInput {
      const { text = 'hi', clientId, ...rest } = over;
      const t = messageTemplate(template(conversationId, text, clientId ?? null));
      return {
        conversationId, head: t.head, tail: t.tail, clientKey: clientId === undefined ? undefined : `alice\n${clientId}`,
        dedupTtlS: 60, recentLimit: 500, changeRingLimit: 1000, maxBacklog: 100_000, ...rest,
      };
    }

    async function seeded(lastSeq = 0): Promise<string> {
      const c = uuidv7();
      await hot.seed(c, lastSeq, [], 500);
      return c;
    }

    async function ingestN(c: string, n: number, over: Partial<IngestInput> = {}): Promise<string[]> {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await hot.ingest(input(c, { text: `m${i}`, ...over }));
        if (r.status !== 'created') throw new Error(`ingest ${i}: ${r.status}`);
        out.push(r.json);
      }
      return out;
    }

    /** A conversation id that falls in the given partition. */
    function convIn(partition: number): string {
      for (;;) {
        const c = uuidv7();
        if (hot.partitionOf(c) === partition) return c;
      }
    }

    it('assigns seq 1, 2, … after seed(…, 0, …) and builds json as head + seq + tail', async () => {
      const c = await seeded();
      const i1 = input(c, { text: 'one' });
      const r1 = await hot.ingest(i1);
      expect(r1).toEqual({ status: 'created', seq: 1, cursor: 1, json: `${i1.head}1,"version":1${i1.tail}` });
      expect(JSON.parse((r1 as { json: string }).json)).toMatchObject({ conversation_id: c, seq: 1, text: 'one' });
      expect(await hot.ingest(input(c))).toMatchObject({ status: 'created', seq: 2 });
      const other = uuidv7();
      expect(await hot.lastSeqs([c, other, c])).toEqual([2, null, 2]);
      expect(await hot.lastSeqs([])).toEqual([]);
    });

    it('locates an ingested message id in flight (conversation, seq), in any partition; not a duplicate, not an unknown id', async () => {
      const ids: string[] = [];
      for (let p = 0; p < hot.partitions; p++) {
        const c = convIn(p);
        await hot.seed(c, 4, [], 500);
        const id = uuidv7();
        ids.push(id);
        expect(await hot.ingest(input(c, { messageId: id, clientId: `k${p}` }))).toMatchObject({ status: 'created', seq: 5 });
        expect(await hot.locateInFlight(id)).toEqual({ conversationId: c, seq: 5 });
        // a retry with the same client key is a duplicate: it marks nothing new
        const retry = uuidv7();
        expect(await hot.ingest(input(c, { messageId: retry, clientId: `k${p}` }))).toMatchObject({ status: 'duplicate' });
        expect(await hot.locateInFlight(retry)).toBeNull();
      }
      expect(new Set(ids).size).toBe(hot.partitions);
      expect(await hot.locateInFlight(uuidv7())).toBeNull();
      // without a message id nothing is marked (and nothing else breaks)
      const c = await seeded();
      expect(await hot.ingest(input(c))).toMatchObject({ status: 'created', seq: 1 });
    });

    it('refuses an unseeded conversation and writes nothing', async () => {
      const c = uuidv7();
      expect(await hot.ingest(input(c, { clientId: 'k1' }))).toEqual({ status: 'unseeded' });
      expect(await hot.backlog(hot.partitionOf(c))).toBe(0);
      expect(await hot.lastSeqs([c])).toEqual([null]);
      expect(await hot.readRecent(c, { limit: 10 })).toBeNull();
      // the refused attempt did not burn the client key
      await hot.seed(c, 0, [], 500);
      expect(await hot.ingest(input(c, { clientId: 'k1' }))).toMatchObject({ status: 'created', seq: 1 });
    });

    it('restores lost dedup entries: a retried client key then answers its original; an existing entry is kept', async () => {
      const c = await seeded(7);
      const original = `{"id":"o","conversation_id":"${c}","seq":3,"text":"original"}`;
      await hot.ingest(input(c, { clientId: 'live', text: 'live' }));
      await hot.restoreDedup(c, [
        { clientKey: 'alice\nk-old', json: original, ttlMs: 60_000 },
        { clientKey: 'alice\nlive', json: '{"not":"this"}', ttlMs: 60_000 },
        { clientKey: 'alice\nk-expired', json: '{"expired":true}', ttlMs: 0 },
      ]);
      expect(await hot.ingest(input(c, { clientId: 'k-old', text: 'retry' }))).toEqual({ status: 'duplicate', json: original });
      const live = await hot.ingest(input(c, { clientId: 'live', text: 'again' }));
      expect(live.status).toBe('duplicate');
      expect(JSON.parse((live as { json: string }).json)).toMatchObject({ seq: 8, text: 'live' });
      expect(await hot.ingest(input(c, { clientId: 'k-expired' }))).toMatchObject({ status: 'created', seq: 9 });
      expect(await hot.lastSeqs([c])).toEqual([9]);
    });

    it('findDuplicate reads a client key\'s original without writing anything', async () => {
      const c = await seeded();
      expect(await hot.findDuplicate(c, 'alice\nf1')).toBeNull();
      const first = await hot.ingest(input(c, { clientId: 'f1', text: 'first' }));
      expect(first.status).toBe('created');
      const found = await hot.findDuplicate(c, 'alice\nf1');
      expect(JSON.parse(found ?? 'null')).toMatchObject({ seq: 1, text: 'first' });
      expect(await hot.findDuplicate(c, 'bob\nf1')).toBeNull(); // scoped by sender
      expect(await hot.findDuplicate(c, 'alice\nf2')).toBeNull();
      expect(await hot.lastSeqs([c])).toEqual([1]);
      expect(await hot.ingest(input(c, { clientId: 'f2' }))).toMatchObject({ status: 'created', seq: 2 });
    });

    it('scrubTraces replaces change-ring entries in place by cursor and forgets dedup entries (GDPR erase); idempotent', async () => {
      const c = await seeded();
      await hot.seed(c, 0, [], 500, 0);
      const a = await hot.ingest(input(c, { clientId: 'g1', text: 'secret' }));
      const b = await hot.ingest(input(c, { clientId: 'g2', text: 'other' }));
      if (a.status !== 'created' || b.status !== 'created') throw new Error('not created');
      const before = (await hot.readChanges(c, 0, 10))!.changes;
      expect(before).toHaveLength(2);
      const scrubbed = before[0].replace('"text":"secret"', '"text":null');
      for (let run = 0; run < 2; run++) await hot.scrubTraces(c, [{ cursor: a.cursor, json: scrubbed }, { cursor: 99, json: '{"type":"lost","cursor":99}' }], ['alice\ng1']);
      expect(await hot.readChanges(c, 0, 10)).toEqual({ changes: [scrubbed, before[1]], lastCursor: 2 });
      expect(await hot.findDuplicate(c, 'alice\ng1')).toBeNull();
      expect(await hot.findDuplicate(c, 'alice\ng2')).not.toBeNull();
      expect(await hot.ingest(input(c, { text: 'next' }))).toMatchObject({ status: 'created', seq: 3, cursor: 3 });
    });

    it('is gap-free under 200 concurrent ingests; the log holds them in seq order', async () => {
      const c = await seeded();
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => hot.ingest(input(c, { text: `p${i}` }))));
      const seqs = results.map((r) => (r.status === 'created' ? r.seq : -1)).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await hot.lastSeqs([c])).toEqual([200]);
      const entries = await hot.read(hot.partitionOf(c), 'w1', 1000, 0);
      expect(entries.map((e) => seqOf(e.payload))).toEqual(seqs);
      const page = await hot.readRecent(c, { limit: 200 });
      expect(page?.messages.map(seqOf)).toEqual(seqs);
    });

    it('dedups by client key: the ORIGINAL json, nothing written; scoped per conversation; expires', async () => {
      const c = await seeded();
      const first = await hot.ingest(input(c, { clientId: 'k1', text: 'original' }));
      expect(first.status).toBe('created');
      const again = await hot.ingest(input(c, { clientId: 'k1', text: 'retry' }));
      expect(again).toEqual({ status: 'duplicate', json: (first as { json: string }).json });
      expect(await hot.lastSeqs([c])).toEqual([1]);
      expect(await hot.backlog(hot.partitionOf(c))).toBe(1);
      expect((await hot.readRecent(c, { limit: 10 }))?.messages).toEqual([(first as { json: string }).json]);
      // no client key: never deduplicated
      expect((await ingestN(c, 2)).map(seqOf)).toEqual([2, 3]);
      const d = await seeded();
      expect(await hot.ingest(input(d, { clientId: 'k1' }))).toMatchObject({ status: 'created', seq: 1 });
      // the dedup key lives dedupTtlS; until then a retry is a duplicate, which writes nothing
      await hot.ingest(input(c, { clientId: 'short', dedupTtlS: 0.2 }));
      let retried: Awaited<ReturnType<HotTier['ingest']>> | undefined;
      await eventually('the dedup key to expire', async () => (retried = await hot.ingest(input(c, { clientId: 'short', dedupTtlS: 0.2 }))).status !== 'duplicate');
      expect(retried).toMatchObject({ status: 'created', seq: 5 });
    });

    it("refuses when the partition's backlog reaches maxBacklog, without consuming a seq", async () => {
      const p = 1 % hot.partitions;
      const c = convIn(p);
      const neighbour = convIn(p);
      await hot.seed(c, 0, [], 500);
      await hot.seed(neighbour, 0, [], 500);
      await ingestN(c, 3, { maxBacklog: 3 });
      expect(await hot.ingest(input(c, { maxBacklog: 3 }))).toEqual({ status: 'backlogged', backlog: 3 });
      // the backlog is the partition's, not the conversation's
      expect(await hot.ingest(input(neighbour, { maxBacklog: 3 }))).toEqual({ status: 'backlogged', backlog: 3 });
      const [e] = await hot.read(p, 'w1', 1, 0);
      await hot.ack(p, [e.id]);
      expect(await hot.ingest(input(c, { maxBacklog: 3 }))).toMatchObject({ status: 'created', seq: 4 });
    });

    it('caps the ring at recentLimit', async () => {
      const c = await seeded();
      const jsons = await ingestN(c, 8, { recentLimit: 5 });
      expect(await hot.readRecent(c, { limit: 5 })).toEqual({ messages: jsons.slice(3), lastSeq: 8, lowestSeq: 4 });
      expect(await hot.readRecent(c, { limit: 6 })).toBeNull();
      expect((await hot.readRecent(c, { beforeSeq: 5, limit: 1 }))?.messages).toEqual([jsons[3]]);
      expect(await hot.readRecent(c, { beforeSeq: 4, limit: 1 })).toBeNull();
    });

    it('seeds once: counter = max(lastSeq, ring max), ring from `recent`, persist log untouched', async () => {
      const c = uuidv7();
      const recent = [8, 9, 10].map((s) => stored(c, s));
      expect(await hot.seed(c, 3, recent, 500)).toEqual({ seq: 10, created: true });
      expect(await hot.seed(c, 50, [stored(c, 50)], 500)).toEqual({ seq: 10, created: false }); // exists: no-op
      expect(await hot.readRecent(c, { limit: 3 })).toEqual({ messages: recent, lastSeq: 10, lowestSeq: 8 });
      const c2 = uuidv7();
      expect(await hot.seed(c2, 20, [8, 9, 10].map((s) => stored(c2, s)), 500)).toEqual({ seq: 20, created: true });
      expect(await hot.readRecent(c2, { limit: 1 })).toBeNull(); // 11..20 are not in the ring
      const c3 = uuidv7();
      const ten = Array.from({ length: 10 }, (_, i) => stored(c3, i + 1));
      expect(await hot.seed(c3, 10, ten, 4)).toEqual({ seq: 10, created: true });
      expect((await hot.readRecent(c3, { limit: 4 }))?.messages).toEqual(ten.slice(6));
      expect(await hot.readRecent(c3, { limit: 5 })).toBeNull();
      expect(await hot.lastSeqs([c, c2, c3])).toEqual([10, 20, 10]);
      for (let p = 0; p < hot.partitions; p++) expect(await hot.backlog(p)).toBe(0);
      const next = await hot.ingest(input(c));
      expect(next).toMatchObject({ status: 'created', seq: 11 });
      expect((await hot.readRecent(c, { limit: 4 }))?.messages).toEqual([...recent, (next as { json: string }).json]);
    });

    it('reads the ring: latest, before, after; null when not covered, empty beyond', async () => {
      const c = await seeded();
      const j = await ingestN(c, 20);
      const page = (range: Parameters<HotTier['readRecent']>[1]) => hot.readRecent(c, range).then((r) => r && r.messages);
      expect(await page({ limit: 5 })).toEqual(j.slice(15, 20));
      expect(await page({ beforeSeq: 10, limit: 3 })).toEqual(j.slice(6, 9));
      expect(await page({ afterSeq: 10, limit: 3 })).toEqual(j.slice(10, 13));
      expect(await page({ afterSeq: 18, limit: 5 })).toEqual(j.slice(18));
      expect(await page({ beforeSeq: 3, limit: 10 })).toEqual(j.slice(0, 2));
      expect(await hot.readRecent(c, { afterSeq: 20, limit: 5 })).toEqual({ messages: [], lastSeq: 20, lowestSeq: 1 });
      expect(await page({ beforeSeq: 1, limit: 5 })).toEqual([]);
      expect(await hot.readRecent(uuidv7(), { limit: 5 })).toBeNull();
      const cold = await seeded(100); // counter from the warm store, empty ring
      expect(await hot.readRecent(cold, { limit: 5 })).toBeNull();
      expect(await hot.readRecent(cold, { afterSeq: 100, limit: 5 })).toEqual({ messages: [], lastSeq: 100, lowestSeq: 101 });
    });

    function messageChange(c: string, json: string, kind: 'edit' | 'delete', text: string | null, basedOn?: number): ChangeInput {
      const m = parseMessage(json);
      const { head, tail } = versionTemplate({ ...m, text, edited_at: kind === 'edit' ? new Date().toISOString() : null });
      return { conversationId: c, type: kind, message: { seq: m.seq, id: m.id, head, tail, basedOn: basedOn ?? m.version }, changeRingLimit: 1000, maxBacklog: 100_000 };
    }

    it('accepts a change: the next cursor after the messages, the ring copy replaced at its new version, the change logged and published', async () => {
      const c = await seeded();
      const j = await ingestN(c, 3);
      const seen = await sut.observe(c);
      const edit = messageChange(c, j[1], 'edit', 'edited');
      const r = await hot.change(edit);
      expect(r).toEqual({ status: 'changed', cursor: 4, json: changeJson(edit, 4) });
      const json = (r as { json: string }).json;
      expect(JSON.parse(json)).toMatchObject({ type: 'edit', cursor: 4, message: { seq: 2, version: 4, text: 'edited' } });
      expect((await hot.readRecent(c, { limit: 3 }))?.messages).toEqual([j[0], JSON.stringify(JSON.parse(json).message), j[2]]);
      const body = `,${JSON.stringify({ conversation_id: c, title: 'x' }).slice(1)}`;
      expect(await hot.lastMessageChange(c)).toBe(4);
      const title = await hot.change({ conversationId: c, type: 'conversation', body, changeRingLimit: 1000, maxBacklog: 100_000 });
      expect(title).toEqual({ status: 'changed', cursor: 5, json: `{"type":"conversation","cursor":5${body}` });
      expect(await hot.lastMessageChange(c)).toBe(4); // only edits and deletes count
      expect(await hot.lastMessageChange(uuidv7())).toBe(0);
      const more = await hot.ingest(input(c));
      expect(more).toMatchObject({ status: 'created', seq: 4, cursor: 6 });
      const entries = await hot.read(hot.partitionOf(c), 'w1', 100, 0);
      expect(entries.map((e) => e.payload)).toEqual([...j.map(createdChange), json, (title as { json: string }).json, createdChange((more as { json: string }).json)]);
      await eventually('the last frame', () => seen.frames.length >= 3);
      expect(seen.frames).toEqual([json, (title as { json: string }).json, createdChange((more as { json: string }).json)]);
      await seen.stop();
    });

    it('refuses a message change built on another version than the ring holds, writing nothing', async () => {
      const c = await seeded();
      const [m] = await ingestN(c, 1);
      expect(await hot.change(messageChange(c, m, 'edit', 'first'))).toMatchObject({ status: 'changed', cursor: 2 });
      expect(await hot.change(messageChange(c, m, 'delete', null))).toEqual({ status: 'conflict', version: 2 }); // built on version 1
      expect(await hot.lastCursors([c])).toEqual([2]);
      expect(await hot.backlog(hot.partitionOf(c))).toBe(2);
      // not in the ring (trimmed, or never there): the first change is accepted on the copy it
      // was built on; a second built on the same old copy conflicts with the first (its version)
      const cold = await seeded(10);
      const old = stored(cold, 3);
      expect(await hot.change(messageChange(cold, old, 'edit', 'old one'))).toMatchObject({ status: 'changed', cursor: 1 });
      expect(await hot.readRecent(cold, { limit: 1 })).toBeNull();
      expect(await hot.change(messageChange(cold, old, 'delete', null))).toEqual({ status: 'conflict', version: 1 });
      expect(await hot.change(messageChange(cold, old, 'delete', null, 1))).toMatchObject({ status: 'changed', cursor: 2 });
    });

    it('advance raises counters that fell behind, never lowers them, and leaves absent ones absent', async () => {
      const c = await seeded(3);
      await hot.advance(c, 10, 7);
      expect(await hot.lastSeqs([c])).toEqual([10]);
      expect(await hot.lastCursors([c])).toEqual([7]);
      await hot.advance(c, 2, 1);
      expect(await hot.ingest(input(c))).toMatchObject({ status: 'created', seq: 11, cursor: 8 });
      const absent = uuidv7();
      await hot.advance(absent, 5, 5);
      expect(await hot.lastSeqs([absent])).toEqual([null]);
      expect(await hot.ingest(input(absent))).toEqual({ status: 'unseeded' });
    });

    it('reads changes from the change ring, and answers null where the ring does not hold them all', async () => {
      const c = await seeded();
      const j = await ingestN(c, 5, { changeRingLimit: 3 });
      const all = j.map(createdChange);
      expect(await hot.readChanges(c, 2, 10)).toEqual({ changes: all.slice(2), lastCursor: 5 });
      expect(await hot.readChanges(c, 3, 1)).toEqual({ changes: [all[3]], lastCursor: 5 });
      expect(await hot.readChanges(c, 5, 10)).toEqual({ changes: [], lastCursor: 5 });
      expect(await hot.readChanges(c, 1, 10)).toBeNull(); // cursor 2 was trimmed
      expect(await hot.readChanges(uuidv7(), 0, 10)).toBeNull(); // unseeded
      expect(await hot.lastCursors([c, uuidv7()])).toEqual([5, null]);
    });

    it('a change built on version 0 (a tombstone of a lost seq) is refused where the ring holds a message at that seq, and written where it holds none', async () => {
      const c = uuidv7();
      await hot.seed(c, 0, [], 500, 0);
      const live = await hot.ingest(input(c));
      expect(live).toMatchObject({ status: 'created', seq: 1 });
      const at = (seq: number) => ({ seq, id: uuidv7(), head: `{"id":"x","conversation_id":"${c}","seq":${seq},"version":`, tail: '}', basedOn: 0 });
      expect(await hot.change({ conversationId: c, type: 'delete', message: at(1), changeRingLimit: 10, maxBacklog: 100 })).toMatchObject({ status: 'conflict' });
      expect(await hot.change({ conversationId: c, type: 'delete', message: at(7), changeRingLimit: 10, maxBacklog: 100 })).toMatchObject({ status: 'changed' });
      expect((await hot.readRecent(c, { limit: 10 }))?.messages.map((m) => JSON.parse(m).seq)).toEqual([1]);
    });

    it('seeds the cursor from the warm store; a seq counter without a cursor (before the change log) is unseeded until seed adds one', async () => {
      const c = uuidv7();
      expect(await hot.seed(c, 7, [], 500, 40)).toEqual({ seq: 7, created: true });
      expect(await hot.lastCursors([c])).toEqual([40]);
      expect(await hot.ingest(input(c))).toMatchObject({ status: 'created', seq: 8, cursor: 41 });
      expect(await hot.seed(c, 99, [], 500, 99)).toEqual({ seq: 8, created: false }); // both exist: no-op
      expect(await hot.lastCursors([c])).toEqual([41]);
      await sut.dropCursor(c); // what a deployment from before the change log has
      expect(await hot.ingest(input(c))).toEqual({ status: 'unseeded' });
      expect(await hot.change({ conversationId: c, type: 'conversation', body: '}', changeRingLimit: 10, maxBacklog: 100 })).toEqual({ status: 'unseeded' });
      expect(await hot.seed(c, 0, [], 500, 41)).toEqual({ seq: 8, created: false }); // seq kept, cursor added
      expect(await hot.ingest(input(c))).toMatchObject({ status: 'created', seq: 9, cursor: 42 });
    });

    it('rate-limits per user: `limit` hits, then the ms until the window resets', async () => {
      const [u, v] = [uuidv7(), uuidv7()];
      expect([await hot.hit(u, 3, 0.5), await hot.hit(u, 3, 0.5), await hot.hit(u, 3, 0.5)]).toEqual([0, 0, 0]);
      const wait = await hot.hit(u, 3, 0.5);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(500);
      expect(await hot.hit(v, 3, 0.5)).toBe(0);
      expect(await hot.hit(u, 0, 0.5)).toBe(0); // limit 0: unlimited
      // a refused hit is not counted: polling does not push the reset back
      await eventually('the window to reset', async () => (await hot.hit(u, 3, 0.5)) === 0);
    });

    it('persist log: read hands out new entries once; ack removes them', async () => {
      const c = await seeded();
      const p = hot.partitionOf(c);
      const j = await ingestN(c, 3);
      const entries = await hot.read(p, 'w1', 10, 0);
      expect(entries.map((e) => ({ partition: e.partition, payload: e.payload, deliveries: e.deliveries }))).toEqual(
        j.map((json) => ({ partition: p, payload: createdChange(json), deliveries: 1 })));
      expect(new Set(entries.map((e) => e.id)).size).toBe(3);
      expect(await hot.read(p, 'w2', 10, 0)).toEqual([]);
      expect(await hot.backlog(p)).toBe(3);
      // ack says how many of the ids the log still held (fewer: acked elsewhere, or lost)
      expect(await hot.ack(p, [entries[0].id, entries[1].id])).toBe(2);
      expect(await hot.ack(p, [entries[0].id])).toBe(0); // twice: harmless
      expect(await hot.ack(p, [])).toBe(0);
      expect(await hot.backlog(p)).toBe(1);
      expect(await hot.read((p + 1) % hot.partitions, 'w1', 10, 0)).toEqual([]);
    });

    it('persist log: a blocked read wakes up on a new entry; an idle one returns empty', async () => {
      const c = await seeded();
      const p = hot.partitionOf(c);
      expect(await hot.read(p, 'w1', 10, 100)).toEqual([]);
      // Blocks for longer than the test may run: only the new entry can end it in time. (Issued
      // before the ingest, on a connection the read above left open.)
      const reading = hot.read(p, 'w1', 10, 120_000);
      const [json] = await ingestN(c, 1);
      const got = await reading;
      expect(got.map((e) => e.payload)).toEqual([createdChange(json)]);
    });

    it('persist log: claimStale hands over entries idle for minIdleMs, counting deliveries', async () => {
      const c = await seeded();
      const p = hot.partitionOf(c);
      const j = await ingestN(c, 2);
      await hot.read(p, 'crashed', 10, 0);
      expect(await hot.claimStale(p, 'w2', 60_000, 10)).toEqual([]);
      // both were read at once: they turn idle together
      let claimed: LogEntry[] = [];
      await eventually('entries idle for 50 ms', async () => (claimed = await hot.claimStale(p, 'w2', 50, 10)).length > 0);
      expect(claimed.map((e) => [e.payload, e.deliveries, e.partition])).toEqual(j.map((x) => [createdChange(x), 2, p]));
      expect(await hot.claimStale(p, 'w3', 50, 10)).toEqual([]); // just claimed: not idle
      let one: LogEntry[] = [];
      await eventually('a claimed entry idle for 50 ms', async () => (one = await hot.claimStale(p, 'w3', 50, 1)).length > 0);
      expect(one.map((e) => [e.id, e.deliveries])).toEqual([[claimed[0].id, 3]]);
      await hot.ack(p, claimed.map((e) => e.id));
      expect(await hot.claimStale(p, 'w3', 0, 10)).toEqual([]); // minIdleMs 0 would claim anything still pending
      expect(await hot.backlog(p)).toBe(0);
    });

    it('persist log: dead letters are listed, acked, and replayed onto their partition', async () => {
      const c = await seeded();
      const p = hot.partitionOf(c);
      const json = createdChange((await ingestN(c, 1))[0]);
      const [entry] = await hot.read(p, 'w1', 10, 0);
      await hot.deadLetter(entry, 'boom: constraint');
      expect(await hot.backlog(p)).toBe(0);
      expect(await hot.claimStale(p, 'w2', 0, 10)).toEqual([]); // no longer pending: minIdleMs 0 would claim it
      const dead = await hot.listDeadLetters(10);
      expect(dead).toEqual([{ id: expect.any(String), partition: p, payload: json, error: 'boom: constraint', failed_at: expect.any(String) }]);
      expect(Number.isNaN(Date.parse(dead[0].failed_at))).toBe(false);
      expect(await hot.replayDeadLetter(dead[0].id)).toBe(true);
      expect(await hot.replayDeadLetter(dead[0].id)).toBe(false);
      expect(await hot.replayDeadLetter('no-such-id')).toBe(false);
      expect(await hot.listDeadLetters(10)).toEqual([]);
      expect(await hot.backlog(p)).toBe(1);
      const again = await hot.read(p, 'w1', 10, 0);
      expect(again.map((e) => [e.payload, e.deliveries])).toEqual([[json, 1]]);
    });

    it('publishes the change {"type":"message","cursor":C,"message":<json>} per created message, to its conversation only', async () => {
      const c = await seeded();
      const other = await seeded();
      const mine = await sut.observe(c);
      const theirs = await sut.observe(other);
      const first = await hot.ingest(input(c, { clientId: 'k' }));
      await hot.ingest(input(c, { clientId: 'k' })); // duplicate: publishes nothing
      const second = await hot.ingest(input(c));
      // sentinel: frames of a conversation arrive in order, so a frame of the duplicate would come before it
      const sentinel = await hot.ingest(input(c));
      const frame = (r: typeof first) => createdChange((r as { json: string }).json);
      await eventually('the sentinel frame', () => mine.frames.includes(frame(sentinel)));
      expect(mine.frames).toEqual([frame(first), frame(second), frame(sentinel)]);
      expect(JSON.parse(mine.frames[0])).toMatchObject({ type: 'message', message: { seq: 1, conversation_id: c } });
      expect(theirs.frames).toEqual([]);
      await mine.stop();
      await hot.ingest(input(c));
      const last = await hot.ingest(input(other));
      await eventually('frame on the other conversation', () => theirs.frames.length >= 1);
      expect(theirs.frames).toEqual([frame(last)]);
      expect(mine.frames).toHaveLength(3);
      await theirs.stop();
    });

    it('restrictions: ingest refuses a banned or muted sender, a member of an announcement conversation, and a second send within slow mode — nothing written', async () => {
      const c = await seeded();
      const send = (user: string, role: 'owner' | 'admin' | 'member' = 'member', over: Partial<IngestInput> = {}) => hot.ingest({ ...input(c), sender: { user, role }, ...over });
      expect(await send('bob')).toMatchObject({ status: 'created', seq: 1, cursor: 1 });
      const until = Date.now() + 60_000;
      const ban = await hot.change({ conversationId: c, type: 'member', body: ',"x":1}', changeRingLimit: 100, maxBacklog: 1000, restrict: [{ ban: 'bob', on: true }, { mute: 'carol', untilMs: until }] });
      expect(ban).toMatchObject({ status: 'changed', cursor: 2 });
      expect(await send('bob')).toEqual({ status: 'refused', rule: 'banned' });
      expect(await send('carol')).toEqual({ status: 'refused', rule: 'muted', untilMs: until });
      expect(await send('dave')).toMatchObject({ status: 'created', seq: 2, cursor: 3 });
      // a duplicate is the original, whoever is banned since (it was acked before)
      expect(await send('erin', 'member', { clientKey: 'erin\nk1' })).toMatchObject({ status: 'created', seq: 3 });
      // the actor of a reaction or an edit: banned → refused; muted → refused; a member change of them is not theirs
      const change = (actor: string, type: 'reaction' | 'member' = 'reaction') => hot.change({ conversationId: c, type, body: ',"y":1}', changeRingLimit: 100, maxBacklog: 1000, actor });
      expect(await change('bob')).toEqual({ status: 'refused', rule: 'banned' });
      expect(await change('carol')).toEqual({ status: 'refused', rule: 'muted', untilMs: until });
      expect(await change('carol', 'member')).toMatchObject({ status: 'changed', cursor: 5 });
      expect(await hot.readRestrictions(c)).toEqual({ kind: 'group', slowModeS: 0, banned: ['bob'], mutedUntil: { carol: until } });
      // lifting: the same call that records the change
      await hot.change({ conversationId: c, type: 'mute', body: ',"z":1}', changeRingLimit: 100, maxBacklog: 1000, restrict: [{ ban: 'bob', on: false }, { mute: 'carol', untilMs: null }] });
      expect(await send('bob')).toMatchObject({ status: 'created', seq: 4 });
      expect(await send('carol')).toMatchObject({ status: 'created', seq: 5 });
      // an expired mute refuses nothing
      await hot.change({ conversationId: c, type: 'mute', body: ',"z":2}', changeRingLimit: 100, maxBacklog: 1000, restrict: [{ mute: 'carol', untilMs: Date.now() - 1 }] });
      expect(await send('carol')).toMatchObject({ status: 'created', seq: 6 });

      // announcement: members refused, owners and admins send; slow mode: one send per cooldown, owners/admins exempt
      await hot.change({ conversationId: c, type: 'rules', body: ',"k":1}', changeRingLimit: 100, maxBacklog: 1000, restrict: [{ kind: 'announcement' }] });
      expect(await send('dave')).toEqual({ status: 'refused', rule: 'announcement' });
      expect(await send('alice', 'admin')).toMatchObject({ status: 'created', seq: 7 });
      expect(await send('olga', 'owner')).toMatchObject({ status: 'created', seq: 8 });
      await hot.change({ conversationId: c, type: 'rules', body: ',"k":2}', changeRingLimit: 100, maxBacklog: 1000, restrict: [{ kind: 'group' }, { slowModeS: 30 }] });
      expect(await send('dave')).toMatchObject({ status: 'created', seq: 9 });
      const slow = await send('dave');
      expect(slow).toMatchObject({ status: 'refused', rule: 'slow' });
      expect((slow as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(25_000);
      expect((slow as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(30_000);
      expect(await send('frank')).toMatchObject({ status: 'created', seq: 10 }); // per member
      expect(await send('alice', 'admin')).toMatchObject({ status: 'created', seq: 11 });
      expect(await send('alice', 'admin')).toMatchObject({ status: 'created', seq: 12 });
      // without a sender (the bare path) nothing is judged
      expect(await hot.ingest(input(c))).toMatchObject({ status: 'created', seq: 13 });
      // refusals wrote nothing: seq, cursor and the ring moved only with the sends above
      expect(await hot.lastSeqs([c])).toEqual([13]);
      const ring = await hot.readRecent(c, { limit: 100 });
      expect(ring?.messages.map(seqOf)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      await hot.change({ conversationId: c, type: 'rules', body: ',"k":3}', changeRingLimit: 100, maxBacklog: 1000, restrict: [{ slowModeS: 0 }] });
      expect(await send('dave')).toMatchObject({ status: 'created', seq: 14 });
    });

    it('restrictions come back with seed() after the hot tier lost the conversation, and a seed of a live conversation never replaces them', async () => {
      const c = await seeded();
      const until = Date.now() + 60_000;
      const send = (user: string) => hot.ingest({ ...input(c), sender: { user, role: 'member' } });
      await hot.change({ conversationId: c, type: 'member', body: ',"x":1}', changeRingLimit: 100, maxBacklog: 1000, restrict: [{ ban: 'bob', on: true }] });
      // another node re-seeding from a stale read while the conversation is live: ignored
      expect(await hot.seed(c, 0, [], 500, 0, { kind: 'group', slowModeS: 0, banned: [], mutedUntil: {} })).toEqual({ seq: 0, created: false });
      expect(await send('bob')).toEqual({ status: 'refused', rule: 'banned' });

      await sut.lose(c);
      expect(await hot.readRestrictions(c)).toBeNull();
      expect(await send('bob')).toEqual({ status: 'unseeded' }); // never judged against lost restrictions
      const fromStore = { kind: 'announcement' as const, slowModeS: 10, banned: ['bob'], mutedUntil: { carol: until } };
      expect(await hot.seed(c, 5, [], 500, 7, fromStore)).toEqual({ seq: 5, created: true });
      expect(await hot.readRestrictions(c)).toEqual(fromStore);
      expect(await send('bob')).toEqual({ status: 'refused', rule: 'banned' });
      expect(await send('carol')).toEqual({ status: 'refused', rule: 'muted', untilMs: until });
      expect(await send('dave')).toEqual({ status: 'refused', rule: 'announcement' });
      expect(await hot.ingest({ ...input(c), sender: { user: 'alice', role: 'owner' } })).toMatchObject({ status: 'created', seq: 6, cursor: 8 });
    });

    it('pings, and partitions conversations like partition.ts', async () => {
      await hot.ping();
      expect(hot.partitions).toBeGreaterThan(1);
      for (const c of [uuidv7(), 'x', 'conversation-42']) {
        expect(hot.partitionOf(c)).toBe(partitionOf(c, hot.partitions));
      }
    });
  });
}
