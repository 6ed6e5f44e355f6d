// The GdprJobStore and UserDataStore contract (gdpr-store.ts): every adapter (SQL on SQLite and
// on PostgreSQL) passes this suite. Jobs round-trip and are patched field by field; the user's
// messages are found as rows and overlays; a change rewrite replaces only what differs, keeps
// cursor and type, and lists every concerned change again on a rerun; the user's reactions,
// uploads and state are listed and removed, nobody else's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { messageJson, type Message } from '../model/message.js';
import type { GdprJob, GdprJobStore, UserDataStore } from './gdpr-store.js';
import type { ReactionStore } from './reaction-store.js';
import type { ReceiptStore } from './receipt-store.js';
import type { Store } from './store.js';
import { msg } from './store.contract.js';

export interface GdprUnderTest {
  jobs: GdprJobStore;
  data: UserDataStore;
  store: Store;
  reactions: ReactionStore;
  receipts: ReceiptStore;
  conversation(): Promise<string>;
  close(): Promise<void>;
}

const at = (second: number) => new Date(Date.UTC(2026, 3, 1, 0, 0, second)).toISOString();

export function gdprStoreContract(name: string, make: () => Promise<GdprUnderTest>) {
  describe(`GdprJobStore + UserDataStore contract: ${name}`, () => {
    let u: GdprUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    const job = (user: string, over: Partial<GdprJob> = {}): GdprJob => ({
      id: uuidv7(), kind: 'erase', user, requested_by: 'root', state: 'pending', step: 'pending', progress: {}, cursor: null, result: null, error: null,
      created_at: at(1), started_at: null, finished_at: null, ...over,
    });

    it('jobs round-trip, are patched field by field and listed newest first; unfinished ones oldest first', async () => {
      const a = job('ann');
      const b = job('ann', { kind: 'export' });
      const c = job('ben');
      for (const j of [a, b, c]) await u.jobs.createJob(j);
      expect(await u.jobs.getJob(a.id)).toEqual(a);
      expect(await u.jobs.getJob(uuidv7())).toBeNull();
      expect((await u.jobs.listJobs('ann')).map((j) => j.id)).toEqual([b.id, a.id]);
      await u.jobs.updateJob(a.id, { state: 'running', started_at: at(2), step: 'scrub:x', progress: { n: 3 }, cursor: { i: 1, list: ['x'] } });
      expect(await u.jobs.getJob(a.id)).toEqual({ ...a, state: 'running', started_at: at(2), step: 'scrub:x', progress: { n: 3 }, cursor: { i: 1, list: ['x'] } });
      await u.jobs.updateJob(b.id, { state: 'done', result: { key: 'k' }, finished_at: at(3) });
      await u.jobs.updateJob(c.id, { state: 'failed', error: 'boom', finished_at: at(3) });
      const open = (await u.jobs.unfinishedJobs()).map((j) => j.id);
      expect(open).toContain(a.id);
      expect(open).not.toContain(b.id);
      expect(open).not.toContain(c.id);
    });

    const change = (type: 'message' | 'edit' | 'delete', m: Message) => {
      const json = `{"type":"${type}","cursor":${m.version},"message":${messageJson(m)}}`;
      return { conversation_id: m.conversation_id, cursor: m.version, type, json, message: m };
    };

    it('finds the user\'s messages as rows and overlays; rewrites changes in place, listing every concerned one on a rerun', async () => {
      const conv = await u.conversation();
      const m1 = msg(conv, 1, { sender: 'zoe', text: 'secret 1' });
      const m2 = msg(conv, 2, { sender: 'yan', text: 'hello' });
      const m3 = msg(conv, 3, { sender: 'zoe', text: 'secret 3' });
      await u.store.applyChanges([change('message', m1), change('message', m2), change('message', m3)]);
      const e1 = { ...m1, text: 'secret 1 edited', version: 4, edited_at: at(9) };
      await u.store.applyChanges([change('edit', e1)]);
      expect(await u.data.conversationsWithMessagesOf('zoe')).toContain(conv);
      expect((await u.data.messagesOf(conv, 'zoe')).map((m) => [m.seq, m.text])).toEqual([[1, 'secret 1 edited'], [3, 'secret 3']]);
      const zoe = new Set([m1.id, m3.id]);
      const rewrite = (json: string) => {
        const c = JSON.parse(json) as { message: Message };
        if (!zoe.has(c.message.id)) return null;
        c.message.text = null;
        return JSON.stringify(c);
      };
      const first = await u.data.rewriteChanges(conv, rewrite);
      expect(first.map((c) => c.cursor)).toEqual([1, 3, 4]);
      const stored = await u.store.listChanges(conv, 0, 10);
      expect(stored.map((j) => (JSON.parse(j) as { message: Message }).message.text)).toEqual([null, 'hello', null, null]);
      expect(stored.map((j) => (JSON.parse(j) as { type: string }).type)).toEqual(['message', 'message', 'message', 'edit']);
      // a rerun (after a crash) lists the same changes, as now stored
      expect(await u.data.rewriteChanges(conv, rewrite)).toEqual(first);
      await u.data.dropDerivedText(conv, [1, 3], [m1.id, m3.id]);
    });

    it('lists and removes the user\'s reactions, uploads and state, nobody else\'s', async () => {
      const conv = await u.conversation();
      const m = msg(conv, 1, { sender: 'yan' });
      await u.store.insertMessages([m]);
      await u.reactions.addReaction(m.id, conv, 'xia', '👍');
      await u.reactions.addReaction(m.id, conv, 'yan', '👍');
      expect((await u.data.reactionsOf('xia')).map((r) => [r.message_id, r.conversation_id, r.reaction])).toEqual([[m.id, conv, '👍']]);
      await u.receipts.advanceWatermarks([{ conversationId: conv, user: 'xia', delivered: 1, read: 1 }, { conversationId: conv, user: 'yan', delivered: 1, read: 1 }]);
      expect(await u.data.deleteUserState('xia')).toBeGreaterThanOrEqual(1);
      expect((await u.receipts.watermarks(conv)).map((w) => w.user)).toEqual(['yan']);
      expect(await u.data.deleteUserState('xia')).toBe(0);
      expect(await u.data.uploadsOf('xia')).toEqual([]);
      const rows = await u.data.exportRows('xia');
      expect(Object.keys(rows).sort()).toEqual(['audit', 'blocks', 'conversation_settings', 'memberships', 'mentions', 'push_subscriptions', 'receipts', 'reports_made', 'thread_reads']);
      expect(rows.receipts).toEqual([]);
    });
  });
}
