// The UploadStore contract (upload-store.ts): every adapter (SQL on SQLite and on PostgreSQL)
// must pass this same suite: uploads round-trip; a claim is all or none, and of two claims of
// one upload exactly one wins, also when they race; a retry of the same send (same claim key)
// may take over an earlier attempt's claim, and its attachment only within ownSince; a PUT
// receiving the bytes holds the upload against claims; unclaim, confirm, release and the sweep's
// transitions change only rows in the state they expect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { NewUpload, UploadStore } from './upload-store.js';

export interface UploadsUnderTest {
  uploads: UploadStore;
  conversation(): Promise<string>;
  close(): Promise<void>;
}

const at = (second: number) => new Date(Date.UTC(2026, 3, 1, 0, 0, second)).toISOString();

export function uploadStoreContract(name: string, make: () => Promise<UploadsUnderTest>) {
  describe(`UploadStore contract: ${name}`, () => {
    let u: UploadsUnderTest;
    let conv: string;
    beforeAll(async () => {
      u = await make();
      conv = await u.conversation();
    });
    afterAll(async () => u?.close());

    async function upload(over: Partial<NewUpload> = {}): Promise<string> {
      const id = uuidv7();
      await u.uploads.createUpload({
        id, conversation_id: conv, uploader: 'alice', name: 'ünï 🚀.png', size: 12_345_678_901, content_type: 'image/png', object_key: `uploads/${id}`, created_at: at(1), ...over,
      });
      return id;
    }
    const claim = (ids: string[], messageId: string, claimKey: string | null = null, ownSince = at(0)) =>
      u.uploads.claim(ids.map((id) => ({ id, width: 640, height: 480 })), { messageId, claimKey, at: at(10), ownSince });
    const state = async (id: string) => (await u.uploads.getUpload(id))?.state ?? 'absent';

    it('stores an upload as given and reads it back; an unknown id is null', async () => {
      const id = await upload();
      expect(await u.uploads.getUpload(id)).toEqual({
        id, conversation_id: conv, uploader: 'alice', name: 'ünï 🚀.png', size: 12_345_678_901, content_type: 'image/png', object_key: `uploads/${id}`,
        state: 'pending', message_id: null, claim_key: null, width: null, height: null, created_at: at(1), attached_at: null, released_at: null,
      });
      expect(await u.uploads.getUpload(uuidv7())).toBeNull();
    });

    it('a claim is all or none: one upload in the way changes nothing and is named', async () => {
      const [a, b, c] = [await upload(), await upload(), await upload()];
      const m1 = uuidv7();
      expect(await claim([b], m1)).toEqual({ ok: true, claimed: [b] });
      expect(await u.uploads.getUpload(b)).toMatchObject({ state: 'claimed', message_id: m1, claim_key: null, width: 640, height: 480, attached_at: at(10) });
      expect(await claim([a, b, c], uuidv7())).toEqual({ ok: false, id: b, reason: 'taken' });
      expect([await state(a), await state(c)]).toEqual(['pending', 'pending']);
      expect(await claim([a, uuidv7()], uuidv7())).toMatchObject({ ok: false, reason: 'gone' });
      expect(await state(a)).toBe('pending');
    });

    it('of two claims of one upload racing, exactly one wins', async () => {
      for (let round = 0; round < 5; round++) {
        const [a, b] = [await upload(), await upload()];
        const results = await Promise.all([claim([a, b], uuidv7()), claim([b, a], uuidv7()), claim([a], uuidv7())]);
        const winners = results.filter((r) => r.ok);
        expect(winners.length).toBeGreaterThanOrEqual(1);
        const holders = new Set([(await u.uploads.getUpload(a))!.message_id, (await u.uploads.getUpload(b))!.message_id]);
        // the first two each want both: if one won, the other lost, and nobody shares
        expect(results[0].ok && results[1].ok).toBe(false);
        if (results[0].ok || results[1].ok) expect(holders.size).toBe(1);
      }
    });

    it('unclaim gives back only what is still claimed for that message; the upload can be claimed again', async () => {
      const [a, b] = [await upload(), await upload()];
      const m1 = uuidv7();
      await claim([a, b], m1);
      expect(await u.uploads.unclaim([a, b], uuidv7())).toBe(0);
      expect(await u.uploads.unclaim([a], m1)).toBe(1);
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'pending', message_id: null, claim_key: null, attached_at: null, width: null });
      expect(await state(b)).toBe('claimed');
      expect((await claim([a], uuidv7())).ok).toBe(true);
    });

    it('the same send again (same claim key) takes over its earlier claim, and its attachment only within ownSince', async () => {
      const key = 'alice\nc-1';
      const [a, b] = [await upload(), await upload()];
      const first = uuidv7();
      expect(await claim([a], first, key)).toEqual({ ok: true, claimed: [a] });
      // the earlier attempt died before its ingest: the retry claims b and takes over a
      const retry = uuidv7();
      expect(await claim([a, b], retry, key)).toEqual({ ok: true, claimed: [b] });
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'claimed', message_id: retry });
      expect(await claim([a], uuidv7(), 'bob\nc-1')).toEqual({ ok: false, id: a, reason: 'taken' });
      expect(await claim([a], uuidv7(), null)).toEqual({ ok: false, id: a, reason: 'taken' });
      expect(await u.uploads.confirm([a, b], retry, key)).toBe(2);
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'attached', message_id: retry, claim_key: key });
      expect(await u.uploads.getUpload(b)).toMatchObject({ state: 'attached', message_id: retry });
      // attached at(10): a retry within the dedup window is its own, one after it is a reuse
      expect(await claim([a, b], uuidv7(), key, at(5))).toEqual({ ok: true, claimed: [] });
      expect(await claim([a], uuidv7(), key, at(11))).toEqual({ ok: false, id: a, reason: 'taken' });
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'attached', message_id: retry });
    });

    it('confirm attaches only what is claimed for the message (or by its key), or pending; attached uploads stay where they are', async () => {
      const [a, b] = [await upload(), await upload()];
      const [m1, m2] = [uuidv7(), uuidv7()];
      await claim([a], m1);
      await claim([b], m2);
      expect(await u.uploads.confirm([a, b], m1, null)).toBe(1);
      expect(await u.uploads.confirm([a], uuidv7(), null)).toBe(0);
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'attached', message_id: m1 });
      expect(await u.uploads.getUpload(b)).toMatchObject({ state: 'claimed', message_id: m2 });
    });

    it('a deleted message releases its uploads; a released upload is gone for claims and listed for the sweep until its row is deleted', async () => {
      const [a, b, other] = [await upload(), await upload(), await upload()];
      const m1 = uuidv7();
      await claim([a, b], m1);
      await u.uploads.confirm([a], m1, null); // b stays a claim: released too
      await claim([other], uuidv7());
      expect(await u.uploads.releaseMessage(m1, at(20))).toBe(2);
      expect(await u.uploads.releaseMessage(m1, at(21))).toBe(0);
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'released', released_at: at(20) });
      expect(await state(other)).toBe('claimed');
      expect(await claim([a], uuidv7())).toEqual({ ok: false, id: a, reason: 'gone' });
      expect(await u.uploads.unclaim([b], m1)).toBe(0);
      const released = (await u.uploads.listReleased(1000)).map((r) => r.id);
      expect(released).toEqual(expect.arrayContaining([a, b]));
      expect(released).not.toContain(other);
      await u.uploads.deleteReleased(a);
      await u.uploads.deleteReleased(a);
      await u.uploads.deleteReleased(other); // not released: kept
      expect(await u.uploads.getUpload(a)).toBeNull();
      expect(await state(other)).toBe('claimed');
    });

    it('the sweep: pending uploads older than the cutoff expire; stale claims are attached or released, each once', async () => {
      const old = await upload({ created_at: at(2) });
      const young = await upload({ created_at: at(30) });
      const claimedOld = await upload({ created_at: at(2) });
      await claim([claimedOld], uuidv7());
      expect(await u.uploads.expirePending(at(3), at(40))).toBeGreaterThanOrEqual(1);
      expect([await state(old), await state(young), await state(claimedOld)]).toEqual(['released', 'pending', 'claimed']);

      const [kept, dropped] = [await upload(), await upload()];
      const [mk, md] = [uuidv7(), uuidv7()];
      await claim([kept], mk);
      await claim([dropped], md);
      const stale = (await u.uploads.staleClaims(at(11), 1000)).map((r) => r.id);
      expect(stale).toEqual(expect.arrayContaining([kept, dropped, claimedOld]));
      expect(await u.uploads.staleClaims(at(10), 1000)).toEqual([]); // claimed at(10): not before it
      expect(await u.uploads.settleStale(kept, mk, mk, at(50))).toBe(true);
      expect(await u.uploads.settleStale(dropped, md, null, at(50))).toBe(true);
      expect(await u.uploads.settleStale(dropped, md, md, at(51))).toBe(false); // judged already
      expect(await u.uploads.settleStale(kept, uuidv7(), null, at(51))).toBe(false);
      expect(await u.uploads.getUpload(kept)).toMatchObject({ state: 'attached', message_id: mk });
      expect(await u.uploads.getUpload(dropped)).toMatchObject({ state: 'released', released_at: at(50) });
      // a claim whose message is another attempt's of the same send: attached to that one
      const moved = await upload();
      const [retried, original] = [uuidv7(), uuidv7()];
      await claim([moved], retried, 'alice\nc-stale');
      expect(await u.uploads.settleStale(moved, retried, original, at(52))).toBe(true);
      expect(await u.uploads.getUpload(moved)).toMatchObject({ state: 'attached', message_id: original });
    });

    it('a PUT receiving the bytes holds the upload: no claim, no second PUT, until it ends; a receiving row the PUT left behind expires', async () => {
      const a = await upload();
      expect(await u.uploads.beginReceive(a)).toBe('ok');
      expect(await state(a)).toBe('receiving');
      expect(await u.uploads.beginReceive(a)).toBe('busy');
      expect(await claim([a], uuidv7())).toEqual({ ok: false, id: a, reason: 'receiving' });
      expect(await claim([a], uuidv7(), 'alice\nc-r')).toEqual({ ok: false, id: a, reason: 'receiving' });
      await u.uploads.endReceive(a);
      await u.uploads.endReceive(a);
      expect(await state(a)).toBe('pending');
      const m = uuidv7();
      expect(await claim([a], m)).toEqual({ ok: true, claimed: [a] });
      expect(await u.uploads.beginReceive(a)).toBe('attached');
      await u.uploads.endReceive(a); // not receiving: nothing changes
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'claimed', message_id: m });
      expect(await u.uploads.beginReceive(uuidv7())).toBe('gone');
      const died = await upload({ created_at: at(2) });
      expect(await u.uploads.beginReceive(died)).toBe('ok');
      expect(await u.uploads.expirePending(at(3), at(40))).toBeGreaterThanOrEqual(1);
      expect(await state(died)).toBe('released');
      expect(await u.uploads.beginReceive(died)).toBe('gone');
    });

    it('a retry that took over an earlier attempt\'s claim holds it: the earlier attempt\'s unclaim gives nothing back', async () => {
      const key = 'alice\nc-race';
      const a = await upload();
      const [first, retry] = [uuidv7(), uuidv7()];
      expect(await claim([a], first, key)).toEqual({ ok: true, claimed: [a] });
      expect(await claim([a], retry, key)).toEqual({ ok: true, claimed: [] });
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'claimed', message_id: retry, claim_key: key });
      expect(await u.uploads.unclaim([a], first)).toBe(0); // the first attempt stored nothing
      expect(await u.uploads.confirm([a], retry, key)).toBe(1);
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'attached', message_id: retry });
    });

    it('confirm attaches a pending upload the stored message names (given back by an attempt that could not know it was stored), never another send\'s', async () => {
      const [a, b] = [await upload(), await upload()];
      const m1 = uuidv7();
      expect(await u.uploads.confirm([a], m1, 'alice\nc-p')).toBe(1);
      expect(await u.uploads.getUpload(a)).toMatchObject({ state: 'attached', message_id: m1, claim_key: 'alice\nc-p' });
      expect((await u.uploads.getUpload(a))!.attached_at).not.toBeNull();
      const other = uuidv7();
      await claim([b], other, 'alice\nc-other');
      expect(await u.uploads.confirm([b], m1, 'alice\nc-p')).toBe(0);
      expect(await u.uploads.getUpload(b)).toMatchObject({ state: 'claimed', message_id: other });
    });

    it('released uploads page by (released_at, id)', async () => {
      const ids = [await upload(), await upload(), await upload()];
      const m = uuidv7();
      await claim(ids, m);
      await u.uploads.releaseMessage(m, at(59));
      const mine = (await u.uploads.listReleased(10_000)).filter((r) => ids.includes(r.id));
      expect(mine.map((r) => r.id)).toEqual([...ids].sort());
      const next = await u.uploads.listReleased(1, { released_at: mine[0].released_at!, id: mine[0].id });
      expect(next[0].released_at! > mine[0].released_at! || next[0].id > mine[0].id).toBe(true);
      expect(await u.uploads.listReleased(10, { released_at: mine[2].released_at!, id: mine[2].id })).not.toContainEqual(expect.objectContaining({ id: mine[1].id }));
    });
  });
}
