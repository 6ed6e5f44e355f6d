// The REST suite: every route's behaviour and bad input, run on the embedded defaults and on
// real Valkey + PostgreSQL (api-*.test.ts pick the adapters).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { makeStack, type StackOptions, type TestStack } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';

export function apiSuite(name: string, opts: StackOptions) {
  describe(`REST API on ${name}`, () => {
    let s: TestStack;
    let alice: string, bob: string, carol: string, root: string;

    beforeAll(async () => {
      s = await makeStack(opts);
      [alice, bob, carol, root] = await Promise.all([s.token('alice'), s.token('bob'), s.token('carol'), s.token('root', true)]);
    });
    afterAll(async () => s?.close());

    const call = (method: string, url: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
      s.app.inject({
        method: method as 'GET', url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        payload: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });

    async function conversation(members = ['bob'], token = alice) {
      const r = await call('POST', '/v1/conversations', token, { members, title: 'chat' });
      expect(r.statusCode).toBe(201);
      return r.json().id as string;
    }

    async function count(conv: string, token = alice) {
      const r = await call('GET', `/v1/conversations/${conv}/messages?limit=200`, token);
      return r.json().messages.length as number;
    }

    function expectProblem(r: Awaited<ReturnType<typeof call>>, status: number, code: string) {
      expect(r.statusCode, r.body).toBe(status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      const p = r.json();
      expect(p).toMatchObject({ status, code });
      expect(typeof p.title).toBe('string');
      expect(typeof p.type).toBe('string');
      expect(typeof p.detail).toBe('string');
    }

    it('a scripted session: create, send, retry, list, outsiders refused', async () => {
      const conv = await conversation(['bob']);
      const m1 = await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'hello', client_id: 'k1' });
      expect(m1.statusCode).toBe(201);
      const again = await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'hello', client_id: 'k1' });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(m1.json());
      const m2 = await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'second', reply_to: m1.json().id });
      expect(m2.statusCode).toBe(201);
      expect(m2.json()).toMatchObject({ seq: 2, reply_to: m1.json().id, sender: 'alice', conversation_id: conv, edited_at: null, deleted_at: null });

      const list = await call('GET', `/v1/conversations/${conv}/messages`, bob);
      expect(list.statusCode).toBe(200);
      expect(list.json().messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
      expect(list.json().has_more).toBe(false);
      expect(list.json().messages[0]).toEqual(m1.json());

      expectProblem(await call('GET', `/v1/conversations/${conv}/messages`, carol), 404, 'CONVERSATION_NOT_FOUND');
      expectProblem(await call('POST', `/v1/conversations/${conv}/messages`, carol, { text: 'x' }), 404, 'CONVERSATION_NOT_FOUND');
      expectProblem(await call('GET', `/v1/conversations/${conv}`, carol), 404, 'CONVERSATION_NOT_FOUND');
      expectProblem(await call('GET', `/v1/conversations/${conv}/messages`), 401, 'UNAUTHENTICATED');
      expectProblem(await call('GET', `/v1/conversations/${conv}/messages`, 'not-a-jwt'), 401, 'UNAUTHENTICATED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/messages`, alice, '{"text": '), 400, 'BAD_JSON');
      expectProblem(await call('GET', `/v1/conversations/${uuidv7()}/messages`, alice), 404, 'CONVERSATION_NOT_FOUND');
      expect(await count(conv)).toBe(2);
    });

    it('lists my conversations with last_seq and unread, newest first', async () => {
      const a = await conversation(['bob']);
      const b = await conversation(['bob']);
      await call('POST', `/v1/conversations/${a}/messages`, alice, { text: 'x' });
      await call('POST', `/v1/conversations/${a}/messages`, alice, { text: 'y' });
      const r = await call('GET', '/v1/conversations', bob);
      expect(r.statusCode).toBe(200);
      const mine = r.json().conversations as { id: string; last_seq: number; unread: number }[];
      expect(mine.find((c) => c.id === a)).toMatchObject({ last_seq: 2, unread: 2 });
      expect(mine.find((c) => c.id === b)).toMatchObject({ last_seq: 0, unread: 0 });
      expect((await call('GET', '/v1/conversations', carol)).json().conversations.find((c: { id: string }) => c.id === a)).toBeUndefined();
    });

    it('gets a conversation with members; manages members by role', async () => {
      const conv = await conversation(['bob', 'dave']);
      const got = await call('GET', `/v1/conversations/${conv}`, bob);
      expect(got.json()).toMatchObject({ id: conv, kind: 'group', created_by: 'alice', title: 'chat' });
      expect(got.json().members).toEqual(expect.arrayContaining([{ user: 'alice', role: 'owner' }, { user: 'bob', role: 'member' }]));

      expectProblem(await call('POST', `/v1/conversations/${conv}/members`, bob, { user: 'carol' }), 403, 'FORBIDDEN');
      expect((await call('POST', `/v1/conversations/${conv}/members`, alice, { user: 'carol', role: 'admin' })).statusCode).toBe(201);
      expectProblem(await call('POST', `/v1/conversations/${conv}/members`, alice, { user: 'carol' }), 409, 'MEMBER_EXISTS');
      expect((await call('GET', `/v1/conversations/${conv}`, carol)).statusCode).toBe(200);
      expectProblem(await call('POST', `/v1/conversations/${conv}/members`, carol, { user: 'erin', role: 'owner' }), 403, 'FORBIDDEN');
      expect((await call('DELETE', `/v1/conversations/${conv}/members/dave`, carol)).statusCode).toBe(204);
      expectProblem(await call('DELETE', `/v1/conversations/${conv}/members/dave`, carol), 404, 'MEMBER_NOT_FOUND');
      expectProblem(await call('DELETE', `/v1/conversations/${conv}/members/alice`, carol), 403, 'FORBIDDEN');
      expectProblem(await call('DELETE', `/v1/conversations/${conv}/members/alice`, alice), 409, 'LAST_OWNER');
      expect((await call('DELETE', `/v1/conversations/${conv}/members/bob`, bob)).statusCode).toBe(204);
      expectProblem(await call('GET', `/v1/conversations/${conv}/messages`, bob), 404, 'CONVERSATION_NOT_FOUND');
    });

    it('edits by the sender only; deletes as a tombstone by sender or admin', async () => {
      const conv = await conversation(['bob']);
      const m = (await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'orig' })).json();
      expectProblem(await call('PATCH', `/v1/messages/${m.id}`, bob, { text: 'hack' }), 403, 'FORBIDDEN');
      expectProblem(await call('PATCH', `/v1/messages/${m.id}`, carol, { text: 'hack' }), 404, 'MESSAGE_NOT_FOUND');
      const e = await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'fixed' });
      expect(e.statusCode).toBe(200);
      expect(e.json()).toMatchObject({ id: m.id, seq: 1, text: 'fixed' });
      expect(e.json().edited_at).toEqual(expect.any(String));
      const listed = (await call('GET', `/v1/conversations/${conv}/messages`, bob)).json().messages[0];
      expect(listed).toEqual(e.json());

      const b = (await call('POST', `/v1/conversations/${conv}/messages`, bob, { text: 'bob says' })).json();
      const d = await call('DELETE', `/v1/messages/${b.id}`, alice); // alice is owner
      expect(d.statusCode).toBe(200);
      expect(d.json()).toMatchObject({ id: b.id, text: null });
      expect(d.json().deleted_at).toEqual(expect.any(String));
      expectProblem(await call('PATCH', `/v1/messages/${b.id}`, bob, { text: 'again' }), 409, 'MESSAGE_DELETED');
      const c = (await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'mine' })).json();
      expectProblem(await call('DELETE', `/v1/messages/${c.id}`, bob), 403, 'FORBIDDEN');
      const page = (await call('GET', `/v1/conversations/${conv}/messages`, bob)).json().messages;
      expect(page.map((x: { text: string | null }) => x.text)).toEqual(['fixed', null, 'mine']);
    });

    it('pages 250 messages with before and after, every seq once, has_more right', async () => {
      const conv = await conversation(['bob']);
      for (let i = 0; i < 250; i++) {
        const r = await call('POST', `/v1/conversations/${conv}/messages`, i % 2 ? bob : alice, { text: `n${i + 1}` });
        expect(r.statusCode).toBe(201);
      }
      const back: number[] = [];
      let before: number | undefined;
      for (;;) {
        const r = (await call('GET', `/v1/conversations/${conv}/messages?limit=50${before ? `&before=${before}` : ''}`, bob)).json();
        const seqs = r.messages.map((m: { seq: number }) => m.seq);
        expect(seqs).toEqual([...seqs].sort((x: number, y: number) => x - y));
        back.unshift(...seqs);
        if (!r.has_more) break;
        before = seqs[0];
      }
      expect(back).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      const fwd: number[] = [];
      let after = 0;
      for (;;) {
        const r = (await call('GET', `/v1/conversations/${conv}/messages?limit=50&after=${after}`, bob)).json();
        const seqs = r.messages.map((m: { seq: number }) => m.seq);
        fwd.push(...seqs);
        if (!r.has_more) break;
        after = seqs[seqs.length - 1];
      }
      expect(fwd).toEqual(back);
    });

    it('answers bad input on every route with its code and writes nothing', async () => {
      const conv = await conversation(['bob']);
      const other = await conversation(['bob']);
      const foreign = (await call('POST', `/v1/conversations/${other}/messages`, alice, { text: 'elsewhere' })).json();
      const msgs = `/v1/conversations/${conv}/messages`;
      expectProblem(await call('POST', msgs, alice, '{bad json'), 400, 'BAD_JSON');
      expectProblem(await call('POST', msgs, alice, Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'BAD_JSON');
      expectProblem(await call('POST', msgs, alice, { text: 42 }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', msgs, alice, {}), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', msgs, alice, { text: '' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', msgs, alice, { text: 'x', extra: 1 }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', msgs, alice, { text: 'x'.repeat(s.deps.config.maxTextChars + 1) }), 400, 'TEXT_TOO_LONG');
      expectProblem(await call('POST', msgs, alice, { text: 'y'.repeat(s.deps.config.bodyLimitBytes + 10) }), 413, 'BODY_TOO_LARGE');
      expectProblem(await call('POST', msgs, alice, { text: 'x', reply_to: 'nope' }), 400, 'INVALID_ID');
      expectProblem(await call('POST', msgs, alice, { text: 'x', reply_to: uuidv7() }), 400, 'REPLY_TO_INVALID');
      expectProblem(await call('POST', msgs, alice, { text: 'x', reply_to: foreign.id }), 400, 'REPLY_TO_INVALID');
      expectProblem(await call('POST', msgs, alice, { text: 'x', client_id: 'has space' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', msgs, alice, 'text=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await call('POST', '/v1/conversations/not-a-uuid/messages', alice, { text: 'x' }), 400, 'INVALID_ID');
      expectProblem(await call('POST', `/v1/conversations/${uuidv7()}/messages`, alice, { text: 'x' }), 404, 'CONVERSATION_NOT_FOUND');
      expectProblem(await call('GET', `${msgs}?limit=500`, alice), 400, 'VALIDATION_FAILED');
      expectProblem(await call('GET', `${msgs}?limit=abc`, alice), 400, 'VALIDATION_FAILED');
      expectProblem(await call('GET', `${msgs}?before=5&after=2`, alice), 400, 'VALIDATION_FAILED');
      expectProblem(await call('GET', '/v1/conversations/123/messages', alice), 400, 'INVALID_ID');
      expect(await count(conv)).toBe(0);

      expectProblem(await call('POST', '/v1/conversations', alice, { members: 'bob' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', '/v1/conversations', alice, { members: [] }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', '/v1/conversations', alice, { members: ['bob'], kind: 'channel' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', '/v1/conversations', alice, { members: ['bob', 'carol'], kind: 'direct' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', '/v1/conversations', alice, '[1,'), 400, 'BAD_JSON');
      expectProblem(await call('POST', `/v1/conversations/${conv}/members`, alice, { user: 5 }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', `/v1/conversations/${conv}/members`, alice, { user: 'erin', role: 'king' }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('POST', '/v1/conversations/zzz/members', alice, { user: 'erin' }), 400, 'INVALID_ID');
      expectProblem(await call('DELETE', `/v1/conversations/${uuidv7()}/members/bob`, alice), 404, 'CONVERSATION_NOT_FOUND');
      expectProblem(await call('GET', '/v1/conversations/zzz', alice), 400, 'INVALID_ID');
      expectProblem(await call('PATCH', '/v1/messages/zzz', alice, { text: 'x' }), 400, 'INVALID_ID');
      expectProblem(await call('PATCH', `/v1/messages/${uuidv7()}`, alice, { text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
      expectProblem(await call('PATCH', `/v1/messages/${foreign.id}`, alice, { text: 5 }), 400, 'VALIDATION_FAILED');
      expectProblem(await call('DELETE', `/v1/messages/${uuidv7()}`, alice), 404, 'MESSAGE_NOT_FOUND');
      expectProblem(await call('GET', '/v1/admin/dead-letters', alice), 403, 'FORBIDDEN');
      expect((await call('GET', '/v1/admin/dead-letters', root)).statusCode).toBe(200);
      expectProblem(await call('GET', '/v1/nothing-here', alice), 404, 'NOT_FOUND');
      expect((await call('GET', `/v1/messages/${foreign.id}`, alice)).statusCode).toBe(404);
      expect((await call('GET', `/v1/conversations/${other}/messages`, alice)).json().messages).toHaveLength(1);
    });

    it('edits a message accepted by another node that is still on its way to the warm store', async () => {
      const conv = await conversation(['bob']);
      const m = (await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'fresh' })).json();
      s.services.ingest.recentIds.clear(); // as if another node had accepted it
      const e = await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'edited' });
      expect(e.statusCode, e.body).toBe(200);
      expect(e.json()).toMatchObject({ id: m.id, text: 'edited' });
      const old = '01890000-0000-7000-8000-000000000000'; // a UUIDv7 from 2023: not waited for
      expectProblem(await call('PATCH', `/v1/messages/${old}`, alice, { text: 'x' }), 404, 'MESSAGE_NOT_FOUND');
    });

    it('serves the same bytes from the hot ring and from the warm store', async () => {
      const conv = await conversation(['bob']);
      for (let i = 0; i < 30; i++) await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: `t${i} "quoted" ünïcode 😀`, client_id: `c${i}` });
      const hot = await call('GET', `/v1/conversations/${conv}/messages?limit=20&before=31`, bob);
      expect(hot.headers['x-strata-tier']).toBe('hot');
      // wait for the rows, then build the same page from the warm store
      await eventually('30 rows in the warm store', async () => (await s.deps.store.maxSeq(conv)) >= 30, { timeoutMs: 10_000 });
      const { messageJson } = await import('../../src/model/message.js');
      const rows = await s.deps.store.listMessages(conv, { beforeSeq: 31, limit: 20 });
      expect(hot.body).toBe(`{"messages":[${rows.map(messageJson).join(',')}],"has_more":true}`);
    });

    it('serves health, readiness, metrics and docs without a token', async () => {
      expect((await call('GET', '/healthz')).json()).toEqual({ status: 'ok' });
      expect((await call('GET', '/readyz')).json()).toMatchObject({ status: 'ready', store: 'ok', hot: 'ok' });
      const metrics = await call('GET', '/metrics');
      expect(metrics.body).toContain('strata_messages_ingested_total');
      const spec = await call('GET', '/docs/json');
      expect(spec.statusCode).toBe(200);
      expect(spec.json().openapi).toMatch(/^3\./);
      expect(Object.keys(spec.json().paths)).toEqual(expect.arrayContaining(['/v1/conversations', '/v1/conversations/{id}/messages', '/v1/messages/{id}']));
    });
  });
}
