// Threads and mentions (docs/threads.md), run on the embedded defaults (memory + SQLite + a
// local Parquet archive) and on real Valkey + PostgreSQL + S3 (Swift): validation with registry
// codes that change nothing; thread pages gap-free in order; summaries, lists, unread rules;
// mentions; a non-member learns nothing; and the same bytes for every thread page, thread
// view, mention page and history page whether the ring, the warm store or the archive holds
// the messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/archive/object-store.js';
import { makeStack, type StackOptions, type TestStack } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { WsClient } from '../helpers/ws-client.js';

type Msg = { id: string; seq: number; thread_id: string | null; in_timeline: boolean; mentions: string[]; text: string | null };

export function threadsSuite(name: string, opts: StackOptions & { archiveStore: () => Promise<{ store: ObjectStore; close(): Promise<void> }> }) {
  describe(`threads and mentions on ${name}`, () => {
    let s: TestStack;
    let closeArchive: () => Promise<void>;
    let base: string;
    let alice: string, bob: string, carol: string, dave: string, root: string;
    let conv: string, other: string;
    let rootA: Msg, rootB: Msg, sorted: Msg;
    const replies: Msg[] = [];

    async function call(method: string, url: string, token: string, body?: unknown) {
      const r = await s.app.inject({
        method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.statusCode, body: r.body ? r.json() : undefined, raw: r.body };
    }
    const send = async (token: string, body: Record<string, unknown>, c = conv) => {
      const r = await call('POST', `/v1/conversations/${c}/messages`, token, body);
      expect(r.status, r.raw).toBe(201);
      return r.body as Msg;
    };
    const lastSeq = async () => (await call('GET', `/v1/conversations/${conv}/messages?limit=1`, alice)).body.messages[0]?.seq ?? 0;

    beforeAll(async () => {
      const archive = await opts.archiveStore();
      closeArchive = archive.close;
      // a ring of 4: the first pages read mostly from the warm store, the last ones from the ring
      s = await makeStack({ ...opts, archive: archive.store, config: { recentLimit: 4, changeRingLimit: 50, ...opts.config } });
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
      [alice, bob, carol, dave, root] = await Promise.all([s.token('alice'), s.token('bob'), s.token('carol'), s.token('dave'), s.token('root', true)]);
      conv = (await call('POST', '/v1/conversations', alice, { members: ['bob', 'carol'], title: 'threads' })).body.id;
      other = (await call('POST', '/v1/conversations', dave, { members: ['erin'] })).body.id;
      rootA = await send(alice, { text: 'root A' });
      rootB = await send(bob, { text: 'root B' });
      for (let i = 1; i <= 7; i++) {
        const body: Record<string, unknown> = { text: `reply ${i}`, thread_id: rootA.id };
        if (i === 3) body.also_in_conversation = true;
        if (i % 2 === 1) body.mentions = ['carol'];
        if (i % 3 === 1) body.metadata = { order: i, tags: ['ä', '🚀'], nested: { price: 12.5, none: null } };
        replies.push(await send(i % 3 === 0 ? carol : bob, body));
        if (i === 4) await send(alice, { text: 'timeline between replies', mentions: ['bob', 'carol'] });
      }
      await send(carol, { text: 'reply in B', thread_id: rootB.id });
    }, 180_000);
    afterAll(async () => {
      await s?.close();
      await closeArchive?.();
    });

    it('a reply carries thread_id, in_timeline and sorted mentions; every message keeps one gap-free seq', async () => {
      expect(replies[0]).toMatchObject({ thread_id: rootA.id, in_timeline: false, mentions: ['carol'] });
      expect(replies[2]).toMatchObject({ in_timeline: true, mentions: ['carol'] });
      expect(rootA).toMatchObject({ thread_id: null, in_timeline: true, mentions: [] });
      sorted = await send(alice, { text: 'sorted', mentions: ['carol', 'bob'] });
      expect(sorted.mentions).toEqual(['bob', 'carol']);
      const page = await call('GET', `/v1/conversations/${conv}/messages?limit=200`, alice);
      const seqs = (page.body.messages as Msg[]).map((x) => x.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    });

    it('a reply sent over the socket reaches every member as a message frame with its thread; a bad root is an error frame', async () => {
      // a conversation of its own (erin, frank), so the counts the other tests check stay as they are
      const [erin, frank] = await Promise.all([s.token('erin'), s.token('frank')]);
      const room = (await call('POST', '/v1/conversations', erin, { members: ['frank'] })).body.id as string;
      const top = await send(erin, { text: 'ws root' }, room);
      const [e, f] = [await WsClient.connect(base, erin), await WsClient.connect(base, frank)];
      try {
        e.send({ type: 'send', ref: 'r1', conversation_id: room, text: 'ws reply', thread_id: top.id, mentions: ['frank'] });
        const ack = await e.waitFor((x) => x.ref === 'r1');
        expect(ack).toMatchObject({ type: 'ack', message: { thread_id: top.id, in_timeline: false, mentions: ['frank'] } });
        const live = await f.waitFor((x) => x.type === 'message' && x.message?.id === ack.message.id);
        expect(live).toMatchObject({ type: 'message', message: { thread_id: top.id, in_timeline: false, mentions: ['frank'] } });
        e.send({ type: 'send', ref: 'r2', conversation_id: room, text: 'x', thread_id: ack.message.id });
        expect(await e.waitFor((x) => x.ref === 'r2')).toMatchObject({ type: 'error', code: 'THREAD_ROOT_INVALID' });
        e.send({ type: 'send', ref: 'r3', conversation_id: room, text: 'x', mentions: ['zed'] });
        expect(await e.waitFor((x) => x.ref === 'r3')).toMatchObject({ type: 'error', code: 'MENTION_NOT_MEMBER' });
        await f.sync();
        expect(f.frames.filter((x) => x.type === 'message').map((x) => x.message.text)).toEqual(['ws reply']);
      } finally {
        e.close();
        f.close();
      }
    });

    it('metadata: a JSON object stored and returned as sent, replaced or cleared by an edit; too large or not an object is a 400', async () => {
      expect((replies[0] as unknown as { metadata: unknown }).metadata).toEqual({ order: 1, tags: ['ä', '🚀'], nested: { price: 12.5, none: null } });
      expect((rootA as unknown as { metadata: unknown; attachments: unknown }).metadata).toBeNull();
      expect((rootA as unknown as { attachments: unknown }).attachments).toEqual([]);
      const m = await send(alice, { text: 'with data', metadata: { a: 1 } });
      expect((await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'kept' })).body.metadata).toEqual({ a: 1 });
      expect((await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'replaced', metadata: { b: [2] } })).body.metadata).toEqual({ b: [2] });
      expect((await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'cleared', metadata: null })).body.metadata).toBeNull();
      const before = await lastSeq();
      for (const [metadata, code] of [[{ big: 'x'.repeat(5000) }, 'METADATA_TOO_LARGE'], [[1, 2], 'VALIDATION_FAILED'], ['text', 'VALIDATION_FAILED']] as const) {
        const r = await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'x', metadata });
        expect(r.status).toBe(400);
        expect(r.body.code).toBe(code);
      }
      expect((await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'x', metadata: { big: 'x'.repeat(5000) } })).body.code).toBe('METADATA_TOO_LARGE');
      expect(await lastSeq()).toBe(before);
    });

    it('refuses bad threads and mentions with registry codes, and stores nothing', async () => {
      const before = await lastSeq();
      const cases: [Record<string, unknown>, string][] = [
        [{ text: 'x', thread_id: replies[0].id }, 'THREAD_ROOT_INVALID'], // a reply is not a root
        [{ text: 'x', thread_id: '0190c8a4-0000-7000-8000-000000000000' }, 'THREAD_ROOT_INVALID'],
        [{ text: 'x', also_in_conversation: true }, 'VALIDATION_FAILED'],
        [{ text: 'x', mentions: ['dave'] }, 'MENTION_NOT_MEMBER'],
        [{ text: 'x', mentions: ['bob', 'bob'] }, 'MENTION_NOT_MEMBER'],
        [{ text: 'x', mentions: 'bob' }, 'VALIDATION_FAILED'],
      ];
      for (const [body, code] of cases) {
        const r = await call('POST', `/v1/conversations/${conv}/messages`, alice, body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body.code, JSON.stringify(body)).toBe(code);
      }
      // a root in a conversation alice is not in: indistinguishable from no message
      const foreign = await send(dave, { text: 'elsewhere' }, other);
      const r = await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'x', thread_id: foreign.id });
      expect(r.body.code).toBe('THREAD_ROOT_INVALID');
      expect(await lastSeq()).toBe(before);
    });

    it('pages a thread in order, gap-free, with before/after; the summary is current', async () => {
      const all = await call('GET', `/v1/messages/${rootA.id}/replies?limit=200`, bob);
      expect(all.status, all.raw).toBe(200);
      expect((all.body.messages as Msg[]).map((m) => m.id)).toEqual(replies.map((m) => m.id));
      expect(all.body).toMatchObject({ has_more: false, settled: true });
      expect(all.body.thread).toMatchObject({ root_id: rootA.id, root_sender: 'alice', reply_count: 7, last_reply_seq: replies[6].seq, participants: ['bob', 'carol'] });
      expect(all.body.thread.last_reply_at).toBe((replies[6] as unknown as { created_at: string }).created_at);
      const down: string[] = [];
      for (let url = `/v1/messages/${rootA.id}/replies?limit=3`; ;) {
        const p = await call('GET', url, bob);
        down.unshift(...(p.body.messages as Msg[]).map((m) => m.id));
        if (!p.body.has_more) break;
        url = `/v1/messages/${rootA.id}/replies?limit=3&before=${p.body.messages[0].seq}`;
      }
      const up: string[] = [];
      for (let after = 0; ;) {
        const p = await call('GET', `/v1/messages/${rootA.id}/replies?limit=2&after=${after}`, carol);
        up.push(...(p.body.messages as Msg[]).map((m) => m.id));
        if (!p.body.has_more) break;
        after = p.body.messages[p.body.messages.length - 1].seq;
      }
      expect(down).toEqual(replies.map((m) => m.id));
      expect(up).toEqual(replies.map((m) => m.id));
      const view = await call('GET', `/v1/messages/${rootB.id}/thread`, alice);
      expect(view.body.root.id).toBe(rootB.id);
      expect(view.body.thread).toMatchObject({ reply_count: 1, participants: ['carol'] });
    });

    it('lists threads by latest activity, per conversation and per user, with unread counts and a read watermark', async () => {
      const list = await call('GET', `/v1/conversations/${conv}/threads`, carol);
      expect((list.body.threads as { root_id: string }[]).map((t) => t.root_id)).toEqual([rootB.id, rootA.id]);
      const older = await call('GET', `/v1/conversations/${conv}/threads?before=${list.body.threads[0].last_reply_seq}`, carol);
      expect(older.body.threads.map((t: { root_id: string }) => t.root_id)).toEqual([rootA.id]);

      const mine = async (token: string) => (await call('GET', '/v1/threads', token)).body.threads as { root_id: string; unread: number; read_seq: number }[];
      expect((await mine(alice)).map((t) => [t.root_id, t.unread])).toEqual([[rootA.id, 7]]); // started A; B is bob's
      const bobs = await mine(bob);
      expect(bobs.map((t) => t.root_id)).toEqual([rootB.id, rootA.id]); // started B, replied in A
      expect(bobs.find((t) => t.root_id === rootA.id)!.unread).toBe(2); // carol's two replies
      const paged = await call('GET', '/v1/threads?limit=1', bob);
      expect(paged.body.threads.map((t: { root_id: string }) => t.root_id)).toEqual([rootB.id]);
      const rest = await call('GET', `/v1/threads?limit=1&cursor=${paged.body.next_cursor}`, bob);
      expect(rest.body.threads.map((t: { root_id: string }) => t.root_id)).toEqual([rootA.id]);
      expect(rest.body.next_cursor).toBeNull();

      const read = await call('POST', `/v1/messages/${rootA.id}/read`, alice, { seq: replies[4].seq });
      expect(read.body.read_seq).toBe(replies[4].seq);
      expect((await call('POST', `/v1/messages/${rootA.id}/read`, alice, { seq: 1 })).body.read_seq).toBe(replies[4].seq); // never lowered
      expect((await mine(alice))[0]).toMatchObject({ read_seq: replies[4].seq, unread: 2 });
    });

    it('counts a thread-only reply in its thread, not in the conversation; mentions apart', async () => {
      const summary = async (token: string) => ((await call('GET', '/v1/conversations', token)).body.conversations as { id: string; unread: number; unread_mentions: number; last_seq: number }[]).find((c) => c.id === conv)!;
      const carolNow = await summary(carol);
      const hiddenForCarol = replies.filter((r) => !r.in_timeline).length + 1; // + the reply in B
      expect(carolNow.unread).toBe(carolNow.last_seq - hiddenForCarol);
      expect(carolNow.unread_mentions).toBe(6); // replies 1, 3, 5, 7, the timeline message and 'sorted'
      await call('POST', `/v1/conversations/${conv}/read`, carol, { seq: replies[4].seq });
      expect((await summary(carol)).unread_mentions).toBe(2); // reply 7 and 'sorted' come after
    });

    it('pages my mentions newest first; an edit that drops a mention and a delete remove it', async () => {
      const page = async () => ((await call('GET', '/v1/mentions?limit=100', carol)).body.messages as Msg[]).map((m) => m.id);
      const before = await page();
      expect(before.slice(0, 2)).toEqual([sorted.id, replies[6].id]);
      expect(before).toContain(replies[0].id);
      const two = await call('GET', '/v1/mentions?limit=2', carol);
      const next = await call('GET', `/v1/mentions?limit=100&cursor=${two.body.next_cursor}`, carol);
      expect([...two.body.messages, ...next.body.messages].map((m: Msg) => m.id)).toEqual(before);
      const edited = await call('PATCH', `/v1/messages/${replies[0].id}`, bob, { text: 'reply 1, no mention', mentions: [] });
      expect(edited.body.mentions).toEqual([]);
      expect((await call('PATCH', `/v1/messages/${replies[2].id}`, carol, { text: 'x', mentions: ['dave'] })).body.code).toBe('MENTION_NOT_MEMBER');
      await call('DELETE', `/v1/messages/${replies[4].id}`, bob);
      await eventually('the edit and the delete in the mention index', async () => {
        const now = await page();
        return !now.includes(replies[0].id) && !now.includes(replies[4].id) && now;
      });
    });

    it('a non-member learns nothing from threads, replies, lists, reads or mentions', async () => {
      for (const url of [`/v1/messages/${rootA.id}/thread`, `/v1/messages/${rootA.id}/replies`, `/v1/messages/${replies[0].id}/replies`]) {
        const r = await call('GET', url, dave);
        expect(r.status, url).toBe(404);
        expect(r.body.code).toBe('MESSAGE_NOT_FOUND');
      }
      expect((await call('POST', `/v1/messages/${rootA.id}/read`, dave, { seq: 3 })).body.code).toBe('MESSAGE_NOT_FOUND');
      expect((await call('GET', `/v1/conversations/${conv}/threads`, dave)).body.code).toBe('CONVERSATION_NOT_FOUND');
      expect((await call('GET', '/v1/threads', dave)).body.threads).toEqual([]);
      expect((await call('GET', '/v1/mentions', dave)).body.messages).toEqual([]);
      const crafted = (parts: string[]) => Buffer.from(parts.join('\n')).toString('base64url');
      for (const url of [`/v1/threads?cursor=${crafted(['not a time', conv, rootA.id])}`, `/v1/mentions?cursor=${crafted(['2026-01-01T00:00:00.000Z', conv, '99999999999999999999'])}`]) {
        const r = await call('GET', url, alice);
        expect(r.status, url).toBe(400);
        expect(r.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it('pins: owners and admins pin and unpin (twice is once), members list them, each pin is a change in the log', async () => {
      const before = (await call('GET', `/v1/conversations/${conv}`, alice)).body.cursor as number;
      expect((await call('PUT', `/v1/messages/${rootB.id}/pin`, alice)).status).toBe(204);
      expect((await call('PUT', `/v1/messages/${rootB.id}/pin`, alice)).status).toBe(204);
      expect((await call('PUT', `/v1/messages/${replies[1].id}/pin`, alice)).status).toBe(204);
      const denied = await call('PUT', `/v1/messages/${rootA.id}/pin`, bob);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('FORBIDDEN');
      expect((await call('PUT', `/v1/messages/${rootA.id}/pin`, dave)).body.code).toBe('MESSAGE_NOT_FOUND');
      expect((await call('GET', `/v1/conversations/${conv}/pins`, dave)).body.code).toBe('CONVERSATION_NOT_FOUND');
      const list = await call('GET', `/v1/conversations/${conv}/pins`, carol);
      expect(list.body.pins.map((p: { message: Msg; pinned_by: string }) => [p.message.id, p.pinned_by])).toEqual([[replies[1].id, 'alice'], [rootB.id, 'alice']]);
      expect((await call('DELETE', `/v1/messages/${replies[1].id}/pin`, alice)).status).toBe(204);
      expect((await call('DELETE', `/v1/messages/${replies[1].id}/pin`, alice)).status).toBe(204);
      const changes = (await call('GET', `/v1/conversations/${conv}/changes?after=${before}`, carol)).body.changes as { type: string; message_id: string; pinned: boolean; seq: number }[];
      expect(changes.map((c) => [c.type, c.message_id, c.pinned])).toEqual([['pin', rootB.id, true], ['pin', replies[1].id, true], ['pin', replies[1].id, false]]);
      expect(changes[0].seq).toBe(rootB.seq);
    });

    it('answers the same bytes from the ring, the warm store and the archive', async () => {
      const urls = [
        `/v1/messages/${rootA.id}/replies?limit=200`, `/v1/messages/${rootA.id}/replies?limit=3&after=${rootA.seq}`,
        `/v1/messages/${rootB.id}/replies`, `/v1/messages/${rootA.id}/thread`, `/v1/conversations/${conv}/threads`,
        '/v1/mentions?limit=100', `/v1/conversations/${conv}/messages?limit=200`, `/v1/conversations/${conv}/pins`,
      ];
      const read = async () => Promise.all(urls.map(async (u) => (await call('GET', u, carol)).raw));
      const hot = await read();
      const top = await lastSeq();
      await eventually('every message in the warm store', async () => (await s.deps.store.listMessages(conv, { afterSeq: top - 1, limit: 1 })).length === 1);
      expect(await read()).toEqual(hot);
      const job = await call('POST', '/v1/admin/archive-jobs', root, { conversation_id: conv, up_to_seq: top });
      expect(job.status, job.raw).toBe(202);
      await eventually('the archive job', async () => (await call('GET', `/v1/admin/archive-jobs/${job.body.id}`, root)).body.status === 'done', { timeoutMs: 60_000 });
      expect(await s.deps.store.listMessages(conv, { afterSeq: 0, limit: 10 })).toEqual([]);
      const cold = await read();
      for (let i = 0; i < urls.length; i++) expect(cold[i], urls[i]).toBe(hot[i]);
      // an archived message is pinned like any other
      expect((await call('PUT', `/v1/messages/${rootA.id}/pin`, alice)).status).toBe(204);
      expect((await call('GET', `/v1/conversations/${conv}/pins`, carol)).body.pins[0].message.id).toBe(rootA.id);
      // and the archive takes new replies and edits like the warm store
      const late = await send(bob, { text: 'late reply', thread_id: rootA.id });
      const page = await call('GET', `/v1/messages/${rootA.id}/replies?limit=200`, carol);
      expect(page.body.messages.map((m: Msg) => m.id)).toEqual([...replies.map((m) => m.id), late.id]);
      expect(page.body.thread.reply_count).toBe(8);
    }, 120_000);
  });
}
