// The ThreadStore contract (thread-store.ts): every adapter (SQL on SQLite and on PostgreSQL)
// must pass this same suite. The indexes it reads are written by the persist path, so every
// fixture goes in as the app writes it: conversations and members through the Store, messages
// as changes through Store.applyChanges (the persist workers' call), conversation read
// watermarks through the ReceiptStore, archiving through the ArchiveSource. Every adapter
// guarantees:
//   - openThread records a root once (a repeat changes nothing, counts included); getThread is
//     null for a root never opened;
//   - a reply (thread_id set) is counted once however often, in whatever order and in whatever
//     batch its change arrives: redelivered, twice in one batch, or after an edit of it that
//     overtook its insert; last_reply_seq/at follow the highest seq, participants are the first
//     PARTICIPANTS_SHOWN repliers in the order of their first reply;
//   - listThreads: threads with replies, latest reply first, `beforeSeq` pages;
//     listUserThreads: threads the user started or replied in, in conversations the user is a
//     member of, latest reply first, the `before` cursor pages without gaps or repeats (ties on
//     last_reply_at by conversation and root), unread = replies after read_seq by others;
//   - replySeqs: ascending, (afterSeq, beforeSeq) exclusive, the latest `limit` without afterSeq;
//   - markThreadRead never lowers a watermark; it is per (thread, user);
//   - unreadAdjustments: per conversation the user is a member of, thread-only replies (the
//     user's own too: unread = last_seq − read_seq − threadOnly) and mentions of the user after
//     the user's conversation read watermark;
//   - listMentions: newest first, the `before` cursor pages without gaps or repeats, only in
//     conversations the user is a member of; an edit re-indexes a message's mentions, a delete
//     drops them, a stale edit changes nothing;
//   - the indexes survive archiving: once the message rows are gone every answer is the same;
//   - a batch of any size is indexed whole (the SQL adapter writes it in chunks).
// The store is shared by the suite's tests: each test uses conversations of its own and users
// named for it, so cross-conversation answers (listUserThreads, listMentions, unreadAdjustments)
// see only that test's rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { StoredChange } from '../model/change.js';
import { messageJson, type Message } from '../model/message.js';
import type { ArchiveSource } from './archive-source.js';
import type { ReceiptStore } from './receipt-store.js';
import type { Store } from './store.js';
import { msg } from './store.contract.js';
import { PARTICIPANTS_SHOWN, type ThreadStore, type ThreadSummary } from './thread-store.js';

export interface ThreadsUnderTest {
  threads: ThreadStore;
  /** The warm store the indexes are written by (same database as `threads`). */
  store: Pick<Store, 'createConversation' | 'removeMember' | 'applyChanges' | 'listMessagesAt'>;
  /** Conversation read watermarks (same database). */
  receipts: ReceiptStore;
  /** The archiver's view (same database): deleteArchived removes message rows. */
  archive: ArchiveSource;
  close(): Promise<void>;
}

function created(m: Message): StoredChange {
  return { conversation_id: m.conversation_id, cursor: m.version, type: 'message', json: `{"type":"message","cursor":${m.version},"message":${messageJson(m)}}`, message: m };
}

function changed(type: 'edit' | 'delete', m: Message): StoredChange {
  return { conversation_id: m.conversation_id, cursor: m.version, type, json: `{"type":"${type}","cursor":${m.version},"message":${messageJson(m)}}`, message: m };
}

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 1, 1, 0, minute, second)).toISOString();
const rootOf = (m: Message) => ({ conversation_id: m.conversation_id, id: m.id, seq: m.seq, sender: m.sender });
/** A reply in `root`'s thread, thread-only unless told. */
const reply = (root: Message, seq: number, sender: string, over: Partial<Message> = {}): Message =>
  msg(root.conversation_id, seq, { sender, thread_id: root.id, in_timeline: false, ...over });
const key = (t: { conversation_id: string; root_id: string }) => `${t.conversation_id} ${t.root_id}`;

export function threadStoreContract(name: string, make: () => Promise<ThreadsUnderTest>) {
  describe(`ThreadStore contract: ${name}`, () => {
    let sut: ThreadsUnderTest;
    let t: ThreadStore;
    beforeAll(async () => {
      sut = await make();
      t = sut.threads;
    });
    afterAll(async () => sut?.close());

    /** Users named for one test: `u('bob')` is bob of this test only. */
    function users() {
      const tag = uuidv7().slice(-12);
      return (name: string) => `${name}-${tag}`;
    }

    async function conversation(members: string[]): Promise<string> {
      const id = uuidv7();
      await sut.store.createConversation({
        id, title: null, kind: 'group', created_by: members[0], created_at: new Date().toISOString(),
        members: members.map((user, i) => ({ user, role: i === 0 ? 'owner' : 'member' })),
      });
      return id;
    }

    /** Applies the changes as one persist batch; none may collide. */
    async function apply(changes: StoredChange[], archivedThrough?: (conversationId: string) => Promise<number>): Promise<void> {
      const r = await sut.store.applyChanges(changes, archivedThrough);
      expect(r.collisions).toEqual([]);
    }

    /** Stores each message through its `message` change, one batch. */
    const send = (...ms: Message[]) => apply(ms.map(created));

    /** Root at `seq` by `sender`, stored and opened as a thread. */
    async function thread(c: string, seq: number, sender: string, over: Partial<Message> = {}): Promise<Message> {
      const root = msg(c, seq, { sender, ...over });
      await send(root);
      await t.openThread(rootOf(root));
      return root;
    }

    const summary = (root: Message, s: Partial<ThreadSummary>): ThreadSummary => ({
      conversation_id: root.conversation_id, root_id: root.id, root_seq: root.seq, root_sender: root.sender,
      reply_count: 0, last_reply_seq: 0, last_reply_at: null, participants: [], ...s,
    });

    it('openThread records a root once; a thread counts each reply once however it is delivered', async () => {
      const u = users();
      const [alice, bob, carol, dave, erin, frank, gina] = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina'].map(u);
      const c = await conversation([alice, bob, carol, dave, erin, frank, gina]);
      const root = msg(c, 1, { sender: alice });
      await send(root);
      expect(await t.getThread(c, root.id)).toBeNull();
      await t.openThread(rootOf(root));
      await t.openThread(rootOf(root)); // a second send into it: changes nothing
      expect(await t.getThread(c, root.id)).toEqual(summary(root, {}));
      expect(await t.getThread(uuidv7(), root.id)).toBeNull();

      const other = await thread(c, 2, bob);
      // replies by dave, bob, dave, frank, carol, erin, gina: first repliers in that order
      const r = [
        reply(root, 3, dave), reply(root, 4, bob), reply(other, 5, carol), reply(root, 6, dave, { in_timeline: true }),
        msg(c, 7, { sender: gina }), reply(root, 8, frank), reply(root, 9, carol), reply(root, 10, erin), reply(root, 11, gina),
      ];
      await send(r[0], r[1]);
      await apply([created(r[2]), created(r[3]), created(r[3])]); // the same change twice in one batch
      await send(r[0], r[1]); // redelivered
      await send(r[8]);
      // the same reply twice in one batch under two cursors (re-accepted after a collision, changes/repair.ts)
      const twice = reply(root, 12, alice);
      await apply([created(twice), created({ ...twice, version: 40 })]);
      await send(r[4], r[5], r[6], r[7]); // older than the last reply: it stays
      await send(r[8], r[5]); // redelivered again, in another batch
      await t.openThread(rootOf(root)); // a repeat after replies: counts stay

      const want = summary(root, { reply_count: 8, last_reply_seq: 12, last_reply_at: twice.created_at, participants: [dave, bob, frank, carol, erin] });
      expect(want.participants).toHaveLength(PARTICIPANTS_SHOWN);
      expect(await t.getThread(c, root.id)).toEqual(want);
      expect(await t.getThread(c, other.id)).toEqual(summary(other, { reply_count: 1, last_reply_seq: 5, last_reply_at: r[2].created_at, participants: [carol] }));
      expect(await t.replySeqs(c, root.id, { limit: 100 })).toEqual([3, 4, 6, 8, 9, 10, 11, 12]);
    });

    it('an edit that overtakes its reply\'s insert counts the reply once', async () => {
      const u = users();
      const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(u);
      const c = await conversation([alice, bob, carol]);
      const root = await thread(c, 1, alice);
      const r = reply(root, 2, bob, { mentions: [carol] });
      const edit = { ...r, text: 'edited', edited_at: at(30), mentions: [alice], version: 3 }; // carol no longer mentioned
      await apply([changed('edit', edit)]); // a second worker's batch wins the race
      expect(await t.getThread(c, root.id)).toEqual(summary(root, { reply_count: 1, last_reply_seq: 2, last_reply_at: r.created_at, participants: [bob] }));
      await send(r); // the insert comes after: the row is there, nothing is counted again
      await apply([changed('edit', edit), created(r)]); // both redelivered
      const later = reply(root, 4, carol);
      const laterEdit = { ...later, text: 'edited too', edited_at: at(31), version: 5 };
      await apply([changed('edit', laterEdit), created(later)]); // edit and insert in one batch, edit first
      expect(await t.getThread(c, root.id)).toEqual(summary(root, { reply_count: 2, last_reply_seq: 4, last_reply_at: later.created_at, participants: [bob, carol] }));
      expect(await t.replySeqs(c, root.id, { limit: 10 })).toEqual([2, 4]);
      expect(await t.listMentions(alice, { limit: 10 })).toEqual([{ conversation_id: c, seq: 2, message_id: r.id, created_at: r.created_at }]);
      expect(await t.listMentions(carol, { limit: 10 })).toEqual([]); // the late insert's older mentions are not indexed
      expect((await sut.store.listMessagesAt(c, [2, 4])).map((m) => m.version)).toEqual([3, 5]);
    });

    it('listThreads: threads with replies, latest reply first; beforeSeq pages', async () => {
      const u = users();
      const [alice, bob] = ['alice', 'bob'].map(u);
      const c = await conversation([alice, bob]);
      const [a, b, cc, quiet] = [await thread(c, 1, alice), await thread(c, 2, bob), await thread(c, 3, alice), await thread(c, 4, bob)];
      const elsewhere = await thread(await conversation([alice]), 1, alice);
      await send(reply(elsewhere, 2, alice));
      await send(reply(a, 5, bob), reply(b, 6, alice), reply(cc, 7, bob), msg(c, 8, { sender: alice }), reply(a, 9, alice));
      const ids = (ts: ThreadSummary[]) => ts.map((x) => x.root_id);
      expect(ids(await t.listThreads(c, { limit: 10 }))).toEqual([a.id, cc.id, b.id]); // `quiet` has no reply
      expect(ids(await t.listThreads(c, { limit: 2 }))).toEqual([a.id, cc.id]);
      expect(ids(await t.listThreads(c, { beforeSeq: 9, limit: 10 }))).toEqual([cc.id, b.id]);
      expect(ids(await t.listThreads(c, { beforeSeq: 7, limit: 1 }))).toEqual([b.id]);
      expect(await t.listThreads(c, { beforeSeq: 6, limit: 10 })).toEqual([]);
      const [first] = await t.listThreads(c, { limit: 1 });
      expect(first).toEqual(await t.getThread(c, a.id));
      expect(first).toMatchObject({ reply_count: 2, last_reply_seq: 9, participants: [bob, alice] });
      expect(await t.getThread(c, quiet.id)).toEqual(summary(quiet, {}));
    });

    it('listUserThreads: started or replied in, member conversations only, latest first, cursor pages, unread by others', async () => {
      const u = users();
      const [me, vic, walt] = ['me', 'vic', 'walt'].map(u);
      const [c1, c2, c3] = [await conversation([me, vic, walt]), await conversation([vic, me]), await conversation([me, vic])];
      const started = await thread(c1, 1, me); // mine: replies by vic and walt
      const repliedIn = await thread(c1, 2, vic); // vic's, I replied
      const notMine = await thread(c1, 3, vic); // vic's, only walt replied
      const tie = await thread(c1, 4, me); // mine, last reply at the same time as repliedIn's
      const inC2 = await thread(c2, 1, vic); // vic's, I replied
      const empty = await thread(c2, 2, me); // mine, no replies
      const left = await thread(c3, 1, me); // mine, but I leave c3
      await send(reply(started, 5, vic, { created_at: at(1) }), reply(repliedIn, 6, vic, { created_at: at(2) }), reply(repliedIn, 7, me, { created_at: at(3) }));
      await send(reply(notMine, 8, walt, { created_at: at(9) }), reply(started, 9, walt, { created_at: at(4) }), reply(repliedIn, 10, vic, { created_at: at(5) }));
      await send(reply(tie, 11, vic, { created_at: at(5) }), reply(started, 12, me, { created_at: at(6) }));
      await send(reply(inC2, 3, me, { created_at: at(7) }), reply(inC2, 4, vic, { created_at: at(8) }));
      await send(reply(left, 2, vic, { created_at: at(10) }));
      expect(await sut.store.removeMember(c3, me)).toBe(true);

      const all = await t.listUserThreads(me, { limit: 50 });
      const tied = [repliedIn, tie].sort((x, y) => (key({ conversation_id: c1, root_id: x.id }) < key({ conversation_id: c1, root_id: y.id }) ? 1 : -1));
      const order = [inC2, started, ...tied];
      expect(all.map((x) => x.root_id)).toEqual(order.map((r) => r.id));
      expect(all.map((x) => x.last_reply_at)).toEqual([at(8), at(6), at(5), at(5)]);
      const byRoot = new Map(all.map((x) => [x.root_id, x]));
      expect(byRoot.get(started.id)).toEqual({
        ...summary(started, { reply_count: 3, last_reply_seq: 12, last_reply_at: at(6), participants: [vic, walt, me] }), read_seq: 0, unread: 2,
      });
      expect(byRoot.get(repliedIn.id)).toMatchObject({ reply_count: 3, read_seq: 0, unread: 2 }); // vic's two, not mine
      expect(byRoot.get(tie.id)).toMatchObject({ reply_count: 1, read_seq: 0, unread: 1 });
      expect(byRoot.get(inC2.id)).toMatchObject({ conversation_id: c2, reply_count: 2, read_seq: 0, unread: 1 });
      expect(byRoot.has(notMine.id) || byRoot.has(empty.id) || byRoot.has(left.id)).toBe(false);
      expect(await t.listUserThreads(vic, { limit: 50 })).toHaveLength(6); // every thread with replies, c3's too
      expect(await t.listUserThreads(u('nobody'), { limit: 50 })).toEqual([]);

      // pages of one, each after the last one's (last_reply_at, conversation, root): the same list
      const paged = [];
      let before: { at: string; conversationId: string; rootId: string } | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await t.listUserThreads(me, { before, limit: 1 });
        if (page.length === 0) break;
        paged.push(...page);
        const last = page[page.length - 1];
        before = { at: last.last_reply_at!, conversationId: last.conversation_id, rootId: last.root_id };
      }
      expect(paged).toEqual(all);
      expect((await t.listUserThreads(me, { before: { at: at(6), conversationId: c1, rootId: started.id }, limit: 50 })).map((x) => x.root_id)).toEqual(tied.map((r) => r.id));

      // unread: replies after my read_seq by others
      expect(await t.markThreadRead(c1, started.id, me, 5)).toBe(5);
      expect(await t.markThreadRead(c1, repliedIn.id, me, 7)).toBe(7);
      const after = new Map((await t.listUserThreads(me, { limit: 50 })).map((x) => [x.root_id, x]));
      expect(after.get(started.id)).toMatchObject({ read_seq: 5, unread: 1 }); // walt's at 9; mine at 12 does not count
      expect(after.get(repliedIn.id)).toMatchObject({ read_seq: 7, unread: 1 });
      expect(after.get(inC2.id)).toMatchObject({ read_seq: 0, unread: 1 });
    });

    it('replySeqs: ascending; before/after exclusive; the latest `limit` without after', async () => {
      const u = users();
      const [alice, bob] = ['alice', 'bob'].map(u);
      const c = await conversation([alice, bob]);
      const root = await thread(c, 1, alice);
      const other = await thread(c, 4, bob);
      await send(reply(root, 2, bob), reply(root, 3, alice), reply(other, 5, alice), reply(root, 6, bob), reply(root, 7, bob, { in_timeline: true }));
      await send(msg(c, 8, { sender: alice }), reply(root, 9, alice), reply(root, 10, bob), reply(other, 11, bob));
      expect(await t.replySeqs(c, root.id, { limit: 50 })).toEqual([2, 3, 6, 7, 9, 10]);
      expect(await t.replySeqs(c, root.id, { limit: 3 })).toEqual([7, 9, 10]);
      expect(await t.replySeqs(c, root.id, { beforeSeq: 9, limit: 2 })).toEqual([6, 7]);
      expect(await t.replySeqs(c, root.id, { beforeSeq: 2, limit: 5 })).toEqual([]);
      expect(await t.replySeqs(c, root.id, { afterSeq: 3, limit: 2 })).toEqual([6, 7]);
      expect(await t.replySeqs(c, root.id, { afterSeq: 0, limit: 2 })).toEqual([2, 3]);
      expect(await t.replySeqs(c, root.id, { afterSeq: 3, beforeSeq: 10, limit: 50 })).toEqual([6, 7, 9]);
      expect(await t.replySeqs(c, root.id, { afterSeq: 3, beforeSeq: 10, limit: 2 })).toEqual([6, 7]);
      expect(await t.replySeqs(c, root.id, { afterSeq: 10, limit: 5 })).toEqual([]);
      expect(await t.replySeqs(c, other.id, { limit: 50 })).toEqual([5, 11]);
      expect(await t.replySeqs(uuidv7(), root.id, { limit: 50 })).toEqual([]);
    });

    it('markThreadRead raises a watermark per (thread, user) and never lowers it', async () => {
      const u = users();
      const [alice, bob] = ['alice', 'bob'].map(u);
      const c = await conversation([alice, bob]);
      const root = await thread(c, 1, alice);
      const other = await thread(c, 2, alice);
      await send(reply(root, 3, bob), reply(other, 4, bob));
      expect(await t.markThreadRead(c, root.id, alice, 5)).toBe(5);
      expect(await t.markThreadRead(c, root.id, alice, 3)).toBe(5);
      expect(await t.markThreadRead(c, root.id, alice, 0)).toBe(5);
      expect(await t.markThreadRead(c, root.id, alice, 7)).toBe(7);
      expect(await t.markThreadRead(c, root.id, bob, 2)).toBe(2);
      expect(await t.markThreadRead(c, other.id, alice, 1)).toBe(1);
      await Promise.all([9, 8, 12, 10].map((s) => t.markThreadRead(c, root.id, alice, s)));
      expect(await t.markThreadRead(c, root.id, alice, 11)).toBe(12);
      const mine = new Map((await t.listUserThreads(alice, { limit: 10 })).map((x) => [x.root_id, x.read_seq]));
      expect(mine).toEqual(new Map([[root.id, 12], [other.id, 1]]));
    });

    it('unreadAdjustments: thread-only replies and mentions after the conversation read watermark', async () => {
      const u = users();
      const [me, vic, walt] = ['me', 'vic', 'walt'].map(u);
      const [c1, c2, quiet, gone] = [await conversation([vic, me, walt]), await conversation([vic, me]), await conversation([vic, me]), await conversation([vic, me])];
      const root = await thread(c1, 1, vic);
      await send(
        reply(root, 2, vic), reply(root, 3, walt, { in_timeline: true }), reply(root, 4, vic), msg(c1, 5, { sender: vic, mentions: [me] }),
        reply(root, 6, walt, { mentions: [me, vic] }), msg(c1, 7, { sender: walt, mentions: [vic] }), reply(root, 8, walt, { in_timeline: true, mentions: [me] }),
      );
      const root2 = await thread(c2, 1, vic);
      await send(reply(root2, 2, vic));
      await send(msg(quiet, 1, { sender: vic }));
      const root3 = await thread(gone, 1, vic);
      await send(reply(root3, 2, vic, { mentions: [me] }));
      expect(await sut.store.removeMember(gone, me)).toBe(true);
      // no receipt yet: read seq 0
      // a conversation without any (quiet) may be absent or zero; one I left counts for nothing
      const adj = async (user: string) => Object.fromEntries([...(await t.unreadAdjustments(user))].filter(([, a]) => a.threadOnly !== 0 || a.mentions !== 0));
      expect(await adj(me)).toEqual({ [c1]: { threadOnly: 3, mentions: 3 }, [c2]: { threadOnly: 1, mentions: 0 } });
      await sut.receipts.advanceWatermarks([{ conversationId: c1, user: me, delivered: 8, read: 2 }, { conversationId: c1, user: walt, delivered: 8, read: 8 }]);
      expect(await adj(me)).toEqual({ [c1]: { threadOnly: 2, mentions: 3 }, [c2]: { threadOnly: 1, mentions: 0 } });
      await sut.receipts.advanceWatermarks([{ conversationId: c1, user: me, delivered: 8, read: 5 }]);
      expect(await adj(me)).toEqual({ [c1]: { threadOnly: 1, mentions: 2 }, [c2]: { threadOnly: 1, mentions: 0 } });
      await sut.receipts.advanceWatermarks([{ conversationId: c1, user: me, delivered: 8, read: 8 }, { conversationId: c2, user: me, delivered: 2, read: 2 }]);
      expect(await adj(me)).toEqual({});
      // every thread-only reply, the user's own too (unread = last_seq − read_seq − threadOnly)
      expect(await adj(vic)).toEqual({ [c1]: { threadOnly: 3, mentions: 2 }, [c2]: { threadOnly: 1, mentions: 0 }, [gone]: { threadOnly: 1, mentions: 0 } });
      expect(await adj(u('nobody'))).toEqual({});
    });

    it('listMentions: newest first, member conversations only; the cursor pages without gaps or repeats', async () => {
      const u = users();
      const [me, vic] = ['me', 'vic'].map(u);
      const [c1, c2, left] = [await conversation([vic, me]), await conversation([me, vic]), await conversation([vic, me])];
      const ms = [
        msg(c1, 1, { sender: vic, mentions: [me], created_at: at(1) }),
        msg(c1, 2, { sender: vic, mentions: [vic], created_at: at(2) }), // not me
        msg(c1, 3, { sender: vic, mentions: [me, vic], created_at: at(5) }),
        msg(c1, 4, { sender: vic, mentions: [me], created_at: at(5) }), // the same time as c1/3 and c2/2
        msg(c2, 1, { sender: vic, mentions: [me], created_at: at(3) }),
        msg(c2, 2, { sender: vic, mentions: [me], created_at: at(5) }),
        msg(c2, 3, { sender: vic, mentions: [me], deleted_at: at(7), text: null, created_at: at(6) }), // deleted: mentions no one
      ];
      await send(...ms.filter((m) => m.conversation_id === c1));
      await send(...ms.filter((m) => m.conversation_id === c2));
      await send(msg(left, 1, { sender: vic, mentions: [me], created_at: at(9) }));
      expect(await sut.store.removeMember(left, me)).toBe(true);

      const row = (m: Message) => ({ conversation_id: m.conversation_id, seq: m.seq, message_id: m.id, created_at: m.created_at });
      const tiedAt5 = [ms[2], ms[3], ms[5]].sort((x, y) => (x.conversation_id !== y.conversation_id ? (x.conversation_id < y.conversation_id ? 1 : -1) : y.seq - x.seq));
      const want = [...tiedAt5, ms[4], ms[0]].map(row);
      const all = await t.listMentions(me, { limit: 50 });
      expect(all).toEqual(want);
      expect(await t.listMentions(me, { limit: 2 })).toEqual(want.slice(0, 2));
      const paged = [];
      let before: { at: string; conversationId: string; seq: number } | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await t.listMentions(me, { before, limit: 1 });
        if (page.length === 0) break;
        paged.push(...page);
        const last = page[page.length - 1];
        before = { at: last.created_at, conversationId: last.conversation_id, seq: last.seq };
      }
      expect(paged).toEqual(want);
      expect(await t.listMentions(me, { before: { at: at(5), conversationId: want[2].conversation_id, seq: want[2].seq }, limit: 50 })).toEqual(want.slice(3));
      expect((await t.listMentions(vic, { limit: 50 })).map((m) => m.seq)).toEqual([3, 2]);
      expect(await t.listMentions(u('nobody'), { limit: 50 })).toEqual([]);
    });

    it('an edit re-indexes a message\'s mentions, a delete drops them, a stale edit changes nothing', async () => {
      const u = users();
      const [me, vic, walt] = ['me', 'vic', 'walt'].map(u);
      const c = await conversation([vic, me, walt]);
      const root = await thread(c, 1, vic);
      const m = reply(root, 2, walt, { mentions: [me, vic] });
      const other = msg(c, 3, { sender: vic, mentions: [me] });
      await send(m, other);
      const seqs = async (user: string) => (await t.listMentions(user, { limit: 50 })).map((x) => x.seq);
      expect([await seqs(me), await seqs(vic), await seqs(walt)]).toEqual([[3, 2], [2], []]);
      const edit = { ...m, text: 'now for vic and walt', edited_at: at(40), mentions: [vic, walt], version: 4 };
      await apply([changed('edit', edit)]);
      expect([await seqs(me), await seqs(vic), await seqs(walt)]).toEqual([[3], [2], [2]]);
      expect(await t.listMentions(walt, { limit: 50 })).toEqual([{ conversation_id: c, seq: 2, message_id: m.id, created_at: m.created_at }]);
      const del = { ...edit, text: null, deleted_at: at(41), version: 6 };
      const stale = { ...m, text: 'overtaken', edited_at: at(40, 30), mentions: [me], version: 5 }; // arrives after the delete
      await apply([changed('delete', del)]);
      await apply([changed('edit', stale)]);
      expect([await seqs(me), await seqs(vic), await seqs(walt)]).toEqual([[3], [], []]);
      await apply([changed('edit', edit)]); // redelivered
      expect([await seqs(me), await seqs(vic), await seqs(walt)]).toEqual([[3], [], []]);
      expect(Object.fromEntries(await t.unreadAdjustments(me))).toEqual({ [c]: { threadOnly: 1, mentions: 1 } });
      expect(Object.fromEntries(await t.unreadAdjustments(vic))).toEqual({ [c]: { threadOnly: 1, mentions: 0 } }); // vic's mention went with the delete
      expect(await t.getThread(c, root.id)).toMatchObject({ reply_count: 1, last_reply_seq: 2 }); // an edit or delete never counts a reply again
    });

    it('the indexes survive archiving: with the message rows gone every answer is the same', async () => {
      const u = users();
      const [me, vic] = ['me', 'vic'].map(u);
      const c = await conversation([vic, me]);
      const root = await thread(c, 1, vic);
      const ms = [reply(root, 2, me, { mentions: [vic] }), reply(root, 3, vic, { mentions: [me] }), msg(c, 4, { sender: vic, mentions: [me] }), reply(root, 5, vic, { in_timeline: true })];
      await send(...ms);
      await send(msg(c, 6, { sender: vic }));
      await t.markThreadRead(c, root.id, me, 3);
      const answers = async () => ({
        thread: await t.getThread(c, root.id),
        list: await t.listThreads(c, { limit: 10 }),
        mine: await t.listUserThreads(me, { limit: 10 }),
        replies: await t.replySeqs(c, root.id, { limit: 10 }),
        newest: await t.replySeqs(c, root.id, { afterSeq: 2, limit: 10 }),
        mentionsOfMe: await t.listMentions(me, { limit: 10 }),
        mentionsOfVic: await t.listMentions(vic, { limit: 10 }),
        adjustments: Object.fromEntries(await t.unreadAdjustments(me)),
      });
      const before = await answers();
      expect(before.thread).toMatchObject({ reply_count: 3, last_reply_seq: 5, participants: [me, vic] });
      expect(before.replies).toEqual([2, 3, 5]);
      expect(before.mentionsOfMe.map((x) => x.seq)).toEqual([4, 3]);
      expect(before.mine).toMatchObject([{ root_id: root.id, read_seq: 3, unread: 1 }]);
      expect(before.adjustments).toEqual({ [c]: { threadOnly: 2, mentions: 2 } });

      // as the archiver moves them: read, then deleted at the versions read
      const rows = await sut.archive.listForArchive(c, 0, 5, 100);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await sut.archive.deleteArchived(c, 5, new Map(rows.map((r) => [r.seq, r.version])))).toBe(5);
      expect((await sut.store.listMessagesAt(c, [1, 2, 3, 4, 5, 6])).map((m) => m.seq)).toEqual([6]);
      expect(await sut.archive.listOverlays(c, 1, 5)).toEqual([]);
      expect(await answers()).toEqual(before);

      // a redelivered reply of an archived row is not counted again; an edit of one re-indexes
      // (as an overlay); a new reply counts as any other
      const through = async () => 5;
      await apply([created(ms[1]), created(ms[0])], through);
      expect(await answers()).toEqual(before);
      await apply([changed('edit', { ...ms[0], text: 'edited after archiving', edited_at: at(50), mentions: [], version: 20 })], through);
      await apply([created(reply(root, 7, me))], through);
      expect(await t.getThread(c, root.id)).toMatchObject({ reply_count: 4, last_reply_seq: 7, participants: [me, vic] });
      expect(await t.listMentions(vic, { limit: 10 })).toEqual([]);
      expect(await t.replySeqs(c, root.id, { limit: 10 })).toEqual([2, 3, 5, 7]);
    });

    it('indexes a batch of thousands of replies with many mentions each, whole', async () => {
      const u = users();
      const people = Array.from({ length: 20 }, (_, i) => u(`p${String(i).padStart(2, '0')}`));
      const c = await conversation(people);
      const root = await thread(c, 1, people[0]);
      // 2,500 replies (more than one insert statement of messages), 50,000 mentions (more than
      // one statement of mentions on either engine's bound-parameter limit)
      const replies = Array.from({ length: 2_500 }, (_, i) => reply(root, i + 2, people[1 + (i % 19)], { mentions: people, created_at: at(1, i % 60) }));
      await send(...replies);
      expect(await t.getThread(c, root.id)).toMatchObject({ reply_count: 2_500, last_reply_seq: 2_501, participants: people.slice(1, 1 + PARTICIPANTS_SHOWN) });
      expect(await t.replySeqs(c, root.id, { limit: 3_000 })).toEqual(replies.map((r) => r.seq));
      expect(await t.unreadAdjustments(people[0])).toEqual(new Map([[c, { threadOnly: 2_500, mentions: 2_500 }]]));
      expect(await t.listMentions(people[19], { limit: 3_000 })).toHaveLength(2_500);
    });

    it('stores seqs beyond 32 bits and hands them back as numbers', async () => {
      const u = users();
      const [alice, bob] = ['alice', 'bob'].map(u);
      const c = await conversation([alice, bob]);
      const big = 2 ** 40;
      const root = await thread(c, big, alice, { created_at: at(1) });
      await send(reply(root, big + 1, bob, { created_at: at(2), mentions: [alice] }), reply(root, big + 3, bob, { created_at: at(3) }));
      const got = await t.getThread(c, root.id);
      expect(got).toMatchObject({ root_seq: big, reply_count: 2, last_reply_seq: big + 3 });
      expect(typeof got?.last_reply_seq).toBe('number');
      expect(await t.replySeqs(c, root.id, { afterSeq: big, limit: 10 })).toEqual([big + 1, big + 3]);
      expect(await t.listMentions(alice, { limit: 10 })).toEqual([{ conversation_id: c, seq: big + 1, message_id: expect.any(String), created_at: at(2) }]);
      expect(await t.markThreadRead(c, root.id, alice, big + 2)).toBe(big + 2);
      expect((await t.listUserThreads(alice, { limit: 10 }))[0]).toMatchObject({ read_seq: big + 2, unread: 1 });
    });

    it('turns failures into AppError at its boundary (here: used after close)', async () => {
      const closed = await make();
      await closed.close();
      const e = { name: 'AppError' };
      await expect(closed.threads.openThread({ conversation_id: 'c', id: 'r', seq: 1, sender: 'u' })).rejects.toMatchObject(e);
      await expect(closed.threads.getThread('c', 'r')).rejects.toMatchObject(e);
      await expect(closed.threads.listThreads('c', { limit: 1 })).rejects.toMatchObject(e);
      await expect(closed.threads.listUserThreads('u', { limit: 1 })).rejects.toMatchObject(e);
      await expect(closed.threads.replySeqs('c', 'r', { limit: 1 })).rejects.toMatchObject(e);
      await expect(closed.threads.markThreadRead('c', 'r', 'u', 1)).rejects.toMatchObject(e);
      await expect(closed.threads.unreadAdjustments('u')).rejects.toMatchObject(e);
      await expect(closed.threads.listMentions('u', { limit: 1 })).rejects.toMatchObject(e);
    });
  });
}
