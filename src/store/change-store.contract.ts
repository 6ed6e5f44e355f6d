// The ChangeStore contract (change-store.ts): every Store adapter (SQLite, PostgreSQL) passes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { StoredChange } from '../model/change.js';
import { messageJson, type Message } from '../model/message.js';
import type { Store } from './store.js';
import type { ThreadStore } from './thread-store.js';
import { msg } from './store.contract.js';

function created(m: Message): StoredChange {
  return { conversation_id: m.conversation_id, cursor: m.version, type: 'message', json: `{"type":"message","cursor":${m.version},"message":${messageJson(m)}}`, message: m };
}

function changed(type: 'edit' | 'delete', m: Message): StoredChange {
  return { conversation_id: m.conversation_id, cursor: m.version, type, json: `{"type":"${type}","cursor":${m.version},"message":${messageJson(m)}}`, message: m };
}

function other(conversationId: string, cursor: number): StoredChange {
  return { conversation_id: conversationId, cursor, type: 'conversation', json: `{"type":"conversation","cursor":${cursor},"conversation_id":"${conversationId}","title":"t${cursor}"}` };
}

/** `threads`: the adapter's ThreadStore over the same store (its mention index is checked too). */
export function changeStoreContract(name: string, make: () => Promise<Store>, threads: (store: Store) => ThreadStore) {
  describe(`ChangeStore contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await make();
      await store.migrate();
    });
    afterAll(async () => store?.close());

    async function conversation(): Promise<string> {
      const id = uuidv7();
      await store.createConversation({ id, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members: [{ user: 'alice', role: 'owner' }] });
      return id;
    }

    it('records changes and applies messages; lists them by cursor, byte for byte; bounds follow', async () => {
      const c = await conversation();
      const m1 = msg(c, 1, { version: 1 });
      const m2 = msg(c, 2, { version: 2 });
      const batch = [created(m1), created(m2), other(c, 3)];
      expect(await store.applyChanges(batch)).toEqual({ applied: 3, collisions: [] });
      expect(await store.listChanges(c, 0, 10)).toEqual(batch.map((b) => b.json));
      expect(await store.listChanges(c, 1, 1)).toEqual([batch[1].json]);
      expect(await store.listChanges(c, 3, 10)).toEqual([]);
      expect(await store.getMessage(m2.id)).toEqual(m2);
      expect(await store.maxSeq(c)).toBe(2);
      expect(await store.changeBounds([c, uuidv7()])).toEqual([{ floor: 0, last: 3, settled: 3 }, { floor: 0, last: 0, settled: 0 }]);
      expect([await store.countChanges(c, 0, 3), await store.countChanges(c, 1, 2), await store.countChanges(c, 2, 9), await store.countChanges(uuidv7(), 0, 9)]).toEqual([3, 1, 1, 0]);
    });

    it('one batch across conversations, in any order: each conversation\'s last seq, activity, cursor and settled cursor are its own newest, and a redelivery lowers none', async () => {
      const [a, b, c] = [await conversation(), await conversation(), await conversation()];
      const a1 = msg(a, 1, { version: 1 });
      const a2 = msg(a, 2, { version: 2 });
      const b1 = msg(b, 1, { version: 1 });
      const b3 = msg(b, 3, { version: 3 }); // b's cursor 2 is still in flight: b stays unsettled
      expect(await store.applyChanges([created(a2), other(c, 1), created(b3), created(a1), created(b1), other(c, 2)])).toEqual({ applied: 6, collisions: [] });
      expect(await store.changeBounds([a, b, c])).toEqual([{ floor: 0, last: 2, settled: 2 }, { floor: 0, last: 3, settled: 0 }, { floor: 0, last: 2, settled: 2 }]);
      const summary = async () => new Map((await store.listConversations('alice')).filter((s) => [a, b, c].includes(s.id)).map((s) => [s.id, [s.last_seq, s.last_activity_at]]));
      expect(await summary()).toEqual(new Map([[a, [2, a2.created_at]], [b, [3, b3.created_at]], [c, [0, expect.any(String)]]]));
      expect(await store.applyChanges([created(a1), other(b, 2)])).toEqual({ applied: 1, collisions: [] }); // a1 again; b's gap filled
      expect(await store.changeBounds([a, b])).toEqual([{ floor: 0, last: 2, settled: 2 }, { floor: 0, last: 3, settled: 3 }]);
      expect((await summary()).get(a)).toEqual([2, a2.created_at]);
    });

    it('a redelivered change changes nothing; an edit lands over an older version only, in whatever order it arrives', async () => {
      const c = await conversation();
      const m = msg(c, 1, { version: 1 });
      const edit = { ...m, text: 'edited', edited_at: '2026-03-01T00:00:00.000Z', version: 2 };
      const del = { ...m, text: null, edited_at: edit.edited_at, deleted_at: '2026-03-02T00:00:00.000Z', version: 3 };
      // the delete overtakes the edit, which overtakes the insert (three workers)
      expect(await store.applyChanges([changed('delete', del)])).toEqual({ applied: 1, collisions: [] });
      expect(await store.applyChanges([changed('edit', edit)])).toEqual({ applied: 1, collisions: [] });
      expect(await store.applyChanges([created(m), created(m)])).toEqual({ applied: 1, collisions: [] });
      expect(await store.getMessage(m.id)).toEqual(del);
      expect(await store.listChanges(c, 0, 10)).toHaveLength(3);
      expect(await store.applyChanges([changed('edit', edit), created(m)])).toEqual({ applied: 0, collisions: [] }); // redelivered
      expect(await store.getMessage(m.id)).toEqual(del);
      expect(await store.changeBounds([c])).toEqual([{ floor: 0, last: 3, settled: 3 }]);
    });

    it('settled is the cursor up to which every change is applied: it waits below a change still in flight', async () => {
      const c = await conversation();
      await store.applyChanges([other(c, 1), other(c, 3), other(c, 4)]); // 2 is in another worker's batch
      expect(await store.changeBounds([c])).toEqual([{ floor: 0, last: 4, settled: 0 }]);
      expect(await store.settle(c)).toBe(0);
      await store.applyChanges([other(c, 2)]);
      expect(await store.changeBounds([c])).toEqual([{ floor: 0, last: 4, settled: 4 }]);
      await store.applyChanges([other(c, 6)]);
      expect((await store.changeBounds([c]))[0].settled).toBe(4);
      await store.applyChanges([other(c, 5)]);
      expect(await store.settle(c)).toBe(6);
      expect(await store.settle(uuidv7())).toBe(0);
    });

    it('reports a change whose cursor another one holds, or a message whose seq another holds (a hot tier behind), storing neither', async () => {
      const c = await conversation();
      const m1 = msg(c, 1, { version: 1 });
      const t2 = other(c, 2);
      await store.applyChanges([created(m1), t2]);
      const clash = msg(c, 1, { version: 3, text: 'same seq, other message' }); // seq 1 taken
      const t2b = { ...other(c, 2), json: other(c, 2).json.replace('"t2"', '"other title"') }; // cursor 2 taken
      const r = await store.applyChanges([created(clash), t2b, t2]); // t2 again: a redelivery, not a collision
      expect(r).toEqual({ applied: 0, collisions: [t2b, created(clash)] });
      expect(await store.getMessage(clash.id)).toBeNull();
      // the message's change keeps its (free) cursor: the log stays gap-free; its message is not stored
      expect(await store.listChanges(c, 0, 10)).toEqual([created(m1).json, t2.json, created(clash).json]);
    });

    it('an edit of a message whose seq another message holds is a collision: the other message is never touched', async () => {
      const c = await conversation();
      const held = msg(c, 1, { version: 1 });
      await store.applyChanges([created(held)]);
      const stranger = { ...msg(c, 1, { version: 2 }), text: 'someone else at seq 1' };
      const r = await store.applyChanges([changed('edit', stranger)]);
      expect(r).toEqual({ applied: 1, collisions: [changed('edit', stranger)] });
      expect(await store.getMessage(held.id)).toEqual(held);
      expect(await store.getMessage(stranger.id)).toBeNull();
    });

    it('a change of a message the archive holds (no warm row, seq at or below the watermark) lands as an overlay, by version', async () => {
      const c = await conversation();
      const archived = msg(c, 1, { version: 1 }); // archived: never a warm row here
      const edit = { ...archived, text: 'edited after archiving', edited_at: '2026-03-01T00:00:00.000Z', version: 2 };
      const del = { ...edit, text: null, deleted_at: '2026-03-02T00:00:00.000Z', version: 3 };
      const through = async () => 1;
      expect(await store.applyChanges([changed('delete', del)], through)).toEqual({ applied: 1, collisions: [] });
      expect(await store.applyChanges([changed('edit', edit)], through)).toEqual({ applied: 1, collisions: [] }); // older: changes nothing
      expect(await store.getMessage(archived.id)).toBeNull();
      expect(await store.listOverlays(c, 1, 1)).toEqual([del]);
      expect(await store.listOverlays(c, 2, 9)).toEqual([]);
    });

    it('a creation arriving after its seq was archived (its message overtaken by a later change, archived from that row) lands as an overlay, never as a warm row at or below the watermark', async () => {
      const c = await conversation();
      await store.addMember(c, { user: 'carol', role: 'member' });
      const first = msg(c, 1, { version: 1, text: 'secret @carol', mentions: ['carol'] }); // its creation comes late
      const second = msg(c, 2, { version: 2 });
      expect(await store.applyChanges([created(second)], async () => 0)).toEqual({ applied: 1, collisions: [] });
      expect(await store.applyChanges([created(first)], async () => 1)).toEqual({ applied: 1, collisions: [] });
      expect(await store.getMessage(first.id)).toBeNull();
      expect(await store.listMessages(c, { afterSeq: 0, limit: 10 })).toEqual([second]);
      expect(await store.listOverlays(c, 1, 1)).toEqual([first]);
      // nor indexed again: the change that overtook it indexed the message as it is now
      expect((await threads(store).listMentions('carol', { limit: 100 })).filter((x) => x.conversation_id === c)).toEqual([]);
      // not archived: a late creation is a warm row as ever
      const d = await conversation();
      const [d1, d2] = [msg(d, 1, { version: 1 }), msg(d, 2, { version: 2 })];
      await store.applyChanges([created(d2)], async () => 0);
      expect(await store.applyChanges([created(d1)], async () => 0)).toEqual({ applied: 1, collisions: [] });
      expect(await store.listMessages(d, { afterSeq: 0, limit: 10 })).toEqual([d1, d2]);
      expect(await store.listOverlays(d, 1, 2)).toEqual([]);
    });

    it('a change that writes its message\'s row before the creation arrives raises last_seq like the creation would', async () => {
      const c = await conversation();
      const m = msg(c, 1, { version: 1 });
      const edit = { ...m, text: 'edited first', edited_at: '2026-03-01T00:00:00.000Z', version: 2 };
      expect(await store.applyChanges([changed('edit', edit)], async () => 0)).toEqual({ applied: 1, collisions: [] });
      expect((await store.listConversations('alice')).find((x) => x.id === c)?.last_seq).toBe(1);
    });

    it('an edit of an archived message whose seq holds another message\'s overlay is a collision: the overlay is never written over', async () => {
      const c = await conversation();
      const held = { ...msg(c, 1, { version: 2 }), text: 'held, edited after archiving', edited_at: '2026-03-01T00:00:00.000Z' };
      expect(await store.applyChanges([changed('edit', held)], async () => 1)).toEqual({ applied: 1, collisions: [] });
      const stranger = { ...msg(c, 1, { version: 3 }), text: 'someone else at seq 1', edited_at: '2026-03-02T00:00:00.000Z' };
      expect(await store.applyChanges([changed('edit', stranger)], async () => 1)).toEqual({ applied: 1, collisions: [changed('edit', stranger)] });
      expect(await store.listOverlays(c, 1, 1)).toEqual([held]);
    });

    it('an edit applied while another worker commits its message\'s creation lands, whichever commits first (each statement may see a newer state)', async () => {
      // Two workers, one batch each, started a few ms apart so that the creation's commit falls
      // anywhere in the edit's transaction — also between its UPDATE (row not yet visible) and
      // what it reads next (row visible, at the older version).
      const c = await conversation();
      const rounds = 300;
      const edits: Message[] = [];
      for (let i = 1; i <= rounds; i++) {
        const m = msg(c, i, { version: 2 * i - 1 });
        const edit = { ...m, text: `edited ${i}`, edited_at: '2026-03-01T00:00:00.000Z', version: 2 * i };
        edits.push(edit);
        const lag = (i * 7919) % 12; // 0..11 ms, spread evenly over the rounds
        await Promise.all([
          store.applyChanges([created(m)], async () => 0),
          new Promise((r) => setTimeout(r, lag)).then(() => store.applyChanges([changed('edit', edit)], async () => 0)),
        ]);
      }
      const stored = await store.listMessages(c, { afterSeq: 0, limit: rounds });
      expect(stored.filter((m, i) => m.version !== edits[i].version).map((m) => m.seq)).toEqual([]);
      expect(stored).toEqual(edits);
    }, 120_000);

    it('prunes changes stored before a time and raises the floor; what comes after stays', async () => {
      const c = await conversation();
      await store.applyChanges([other(c, 1), other(c, 2), other(c, 3)]);
      expect(await store.pruneChanges('2000-01-01T00:00:00.000Z')).toBe(0);
      expect(await store.changeBounds([c])).toEqual([{ floor: 0, last: 3, settled: 3 }]);
      expect(await store.pruneChanges(new Date(Date.now() + 60_000).toISOString())).toBeGreaterThanOrEqual(3);
      expect(await store.changeBounds([c])).toEqual([{ floor: 3, last: 3, settled: 3 }]);
      expect(await store.listChanges(c, 0, 10)).toEqual([]);
      await store.applyChanges([other(c, 4)]);
      expect(await store.listChanges(c, 3, 10)).toEqual([other(c, 4).json]);
      expect(await store.changeBounds([c])).toEqual([{ floor: 3, last: 4, settled: 4 }]);
    });

    it('keeps sync positions per user, by token, until they expire', async () => {
      const user = `u-${uuidv7()}`;
      const state = { [uuidv7()]: 4, [uuidv7()]: 0 };
      const token = await store.saveSyncState(user, state);
      expect(token).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.loadSyncState(user, token, '2000-01-01T00:00:00.000Z')).toEqual(state);
      expect(await store.loadSyncState('someone-else', token, '2000-01-01T00:00:00.000Z')).toBeNull();
      expect(await store.loadSyncState(user, uuidv7(), '2000-01-01T00:00:00.000Z')).toBeNull();
      expect(await store.loadSyncState(user, token, new Date(Date.now() + 60_000).toISOString())).toBeNull(); // expired, and gone
      expect(await store.loadSyncState(user, token, '2000-01-01T00:00:00.000Z')).toBeNull();
    });
  });
}
