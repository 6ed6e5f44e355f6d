// User safety and the audit log (docs/moderation.md), run on the embedded defaults (memory +
// SQLite) and on real Valkey + PostgreSQL: the blocklist (reject and mask on REST send, WS send
// and edit; pathological patterns handled in linear time or refused), reports (flag, queue,
// resolve), blocks (direct conversations), the audit log (every action with actor, target,
// reason and request id; filters and paging), and the authorization matrix of every new route
// (anonymous, non-member, member, conversation admin, owner, operator) with nothing written by a
// refused call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type StackOptions, type TestStack } from '../helpers/app.js';
import { WsClient } from '../helpers/ws-client.js';

type Res = { status: number; body: any; raw: string; headers: Record<string, unknown> };

export function safetySuite(name: string, opts: StackOptions) {
  describe(`user safety and the audit log on ${name}`, () => {
    let s: TestStack;
    let alice: string, bob: string, carol: string, dave: string, root: string;
    let baseUrl: string;

    beforeAll(async () => {
      s = await makeStack({ ...opts, config: { maxTextChars: 20_000, bodyLimitBytes: 1 << 20, ...opts.config } });
      [alice, bob, carol, dave, root] = await Promise.all([s.token('alice'), s.token('bob'), s.token('carol'), s.token('dave'), s.token('root', true)]);
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      baseUrl = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
    }, 180_000);
    afterAll(async () => s?.close());

    const call = async (method: string, url: string, token?: string, body?: unknown): Promise<Res> => {
      const r = await s.app.inject({
        method: method as 'GET', url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.statusCode, body: r.body ? r.json() : undefined, raw: r.body, headers: r.headers };
    };
    const ok = (r: Res, status: number) => {
      expect(r.status, r.raw).toBe(status);
      return r.body;
    };
    const problem = (r: Res, status: number, code: string) => {
      expect(r.status, r.raw).toBe(status);
      expect(r.body).toMatchObject({ status, code });
    };

    /** alice owner, bob member, carol admin; dave outside. */
    async function group(): Promise<string> {
      const c = ok(await call('POST', '/v1/conversations', alice, { members: ['bob', 'carol'], kind: 'group' }), 201);
      ok(await call('PATCH', `/v1/conversations/${c.id}/members/carol`, alice, { role: 'admin' }), 200);
      return c.id;
    }
    const send = (conv: string, text: string, token = alice) => call('POST', `/v1/conversations/${conv}/messages`, token, { text });
    const texts = async (conv: string) => (ok(await call('GET', `/v1/conversations/${conv}/messages?limit=200`, alice), 200).messages as { text: string | null }[]).map((m) => m.text);
    const audit = async (query: string) => ok(await call('GET', `/v1/admin/audit?${query}`, root), 200) as { entries: any[]; next_before: string | null };
    const addEntry = async (kind: string, pattern: string, action: string) => ok(await call('POST', '/v1/admin/blocklist', root, { kind, pattern, action }), 201) as { id: string };
    const counts = async () => ({
      audit: (await s.deps.safety!.audit.list({ limit: 100_000 })).length,
      reports: (await s.deps.safety!.reports.list({ limit: 100_000 })).length,
      blocklist: (await s.deps.safety!.blocklist.list()).length,
    });

    describe('blocklist', () => {
      it('rejects and masks on REST send, WS send and edit; words match normalised whole words', async () => {
        const conv = await group();
        const rej = await addEntry('word', 'Zorblax Prime', 'reject');
        const msk = await addEntry('word', 'fnord', 'mask');
        const rx = await addEntry('regex', 'b[a@]dw[o0]rd', 'mask');
        problem(await send(conv, 'hello ZORBLAX   prime!'), 422, 'BLOCKLIST_REJECTED');
        problem(await send(conv, 'hello ｚｏｒｂｌａｘ prime'), 422, 'BLOCKLIST_REJECTED'); // NFKC: full-width letters
        ok(await send(conv, 'zorblaxprime is one word'), 201);
        const masked = ok(await send(conv, 'a FNORD, a b@dw0rd and 🦄fnord🦄 but fnords'), 201);
        expect(masked.text).toBe('a *****, a ******* and 🦄*****🦄 but fnords');
        expect([...masked.text].length).toBe([...'a FNORD, a b@dw0rd and 🦄fnord🦄 but fnords'].length);

        const ws = await WsClient.connect(baseUrl, alice);
        try {
          ws.send({ type: 'send', ref: 'r1', conversation_id: conv, text: 'zorblax prime' });
          expect(await ws.waitFor((f) => f.ref === 'r1')).toMatchObject({ type: 'error', code: 'BLOCKLIST_REJECTED' });
          ws.send({ type: 'send', ref: 'r2', conversation_id: conv, text: 'ws fnord' });
          expect(await ws.waitFor((f) => f.ref === 'r2')).toMatchObject({ type: 'ack' });
        } finally {
          ws.close();
        }
        const m = ok(await send(conv, 'clean text'), 201);
        problem(await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'now zorblax prime' }), 422, 'BLOCKLIST_REJECTED');
        expect(ok(await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'edit fnord' }), 200).text).toBe('edit *****');
        expect(await texts(conv)).toEqual(['zorblaxprime is one word', 'a *****, a ******* and 🦄*****🦄 but fnords', 'ws *****', 'edit *****']);
        for (const e of [rej, msk, rx]) ok(await call('DELETE', `/v1/admin/blocklist/${e.id}`, root), 204);
        expect(ok(await send(conv, 'zorblax prime fnord'), 201).text).toBe('zorblax prime fnord'); // removed: at once on this node
      });

      it('pathological patterns run in linear time (RE2) or are refused; bad input changes nothing', async () => {
        const conv = await group();
        const before = await counts();
        for (const [pattern, why] of [['(a)\\1', 'backreference'], ['(?=a)b', 'lookahead'], ['(', 'unbalanced'], ['x'.repeat(201), 'too long']]) {
          problem(await call('POST', '/v1/admin/blocklist', root, { kind: 'regex', pattern, action: 'reject' }), 400, 'BLOCKLIST_PATTERN_INVALID');
          expect(why).toBeTruthy();
        }
        problem(await call('POST', '/v1/admin/blocklist', root, { kind: 'word', pattern: ' !!! ', action: 'reject' }), 400, 'BLOCKLIST_PATTERN_INVALID');
        problem(await call('POST', '/v1/admin/blocklist', root, { kind: 'word', pattern: 'a b c d e f g h i j k', action: 'reject' }), 400, 'BLOCKLIST_PATTERN_INVALID');
        problem(await call('POST', '/v1/admin/blocklist', root, { kind: 'sql', pattern: 'x', action: 'reject' }), 400, 'VALIDATION_FAILED');
        expect(await counts()).toEqual(before);

        // (a+)+$ backtracks exponentially in a backtracking engine (V8 needs ~13 s for 27 characters
        // here); RE2 answers 10 kB in milliseconds. The test's bound is the suite's timeout.
        const evil = await addEntry('regex', '(a+)+$', 'reject');
        const alt = await addEntry('regex', `(${Array.from({ length: 20 }, (_, i) => `a{${i}}q`).join('|')})`, 'mask');
        const adversarial = `${'a'.repeat(10_000)}!`;
        ok(await send(conv, adversarial), 201); // no match: the $ is not after the a's
        problem(await send(conv, 'a'.repeat(10_000)), 422, 'BLOCKLIST_REJECTED');
        const dup = await call('POST', '/v1/admin/blocklist', root, { kind: 'regex', pattern: '(a+)+$', action: 'mask' });
        problem(dup, 409, 'BLOCKLIST_ENTRY_EXISTS');
        for (const e of [evil, alt]) ok(await call('DELETE', `/v1/admin/blocklist/${e.id}`, root), 204);
        problem(await call('DELETE', `/v1/admin/blocklist/${evil.id}`, root), 404, 'BLOCKLIST_ENTRY_NOT_FOUND');
      });
    });

    describe('reports', () => {
      it('members flag once; operators page the queue with filters and resolve once (dismiss, delete_message)', async () => {
        const conv = await group();
        const other = await group();
        const m = ok(await send(conv, 'spammy', bob), 201);
        const r1 = ok(await call('POST', `/v1/messages/${m.id}/reports`, alice, { reason: 'spam' }), 201);
        expect(r1).toMatchObject({ conversation_id: conv, message_id: m.id, sender: 'bob', reporter: 'alice', reason: 'spam', message_text: 'spammy', state: 'open' });
        expect(ok(await call('POST', `/v1/messages/${m.id}/reports`, alice, { reason: 'again' }), 200).id).toBe(r1.id);
        const r2 = ok(await call('POST', `/v1/messages/${m.id}/reports`, carol, { reason: 'rude' }), 201);
        const ids: string[] = [r1.id, r2.id];
        for (let i = 0; i < 5; i++) {
          const x = ok(await send(other, `other ${i}`, alice), 201);
          ids.push(ok(await call('POST', `/v1/messages/${x.id}/reports`, bob, { reason: `r${i}` }), 201).id);
        }
        // the queue: open, newest first, in pages of 3, then per conversation
        const seen: string[] = [];
        for (let before: string | null = null; ;) {
          const page = ok(await call('GET', `/v1/admin/reports?limit=3${before ? `&before=${before}` : ''}`, root), 200);
          seen.push(...page.reports.map((r: { id: string }) => r.id));
          if (!page.next_before) break;
          before = page.next_before;
        }
        expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
        expect(ok(await call('GET', `/v1/admin/reports?conversation_id=${conv}`, root), 200).reports.map((r: { id: string }) => r.id)).toEqual([r2.id, r1.id]);

        const dismissed = ok(await call('POST', `/v1/admin/reports/${r1.id}/resolve`, root, { action: 'dismiss', reason: 'fine' }), 200);
        expect(dismissed).toMatchObject({ state: 'dismissed', resolved_by: 'root', resolution_reason: 'fine' });
        problem(await call('POST', `/v1/admin/reports/${r1.id}/resolve`, root, { action: 'delete_message' }), 409, 'REPORT_RESOLVED');
        const res = await call('POST', `/v1/admin/reports/${r2.id}/resolve`, root, { action: 'delete_message', reason: 'abuse' });
        expect(ok(res, 200)).toMatchObject({ state: 'message_deleted' });
        expect(await texts(conv)).not.toContain('spammy');
        expect(ok(await call('GET', `/v1/admin/reports?state=message_deleted&conversation_id=${conv}`, root), 200).reports.map((r: { id: string }) => r.id)).toEqual([r2.id]);
        const [deleted] = (await audit(`action=message.deleted&conversation_id=${conv}`)).entries;
        expect(deleted).toMatchObject({ actor: 'root', target_user: 'bob', message_id: m.id, reason: 'abuse', request_id: res.headers['x-request-id'], details: { by: 'operator' } });
        const [resolved] = (await audit(`action=report.resolved&conversation_id=${conv}`)).entries;
        expect(resolved).toMatchObject({ actor: 'root', target_user: 'bob', reason: 'abuse', request_id: res.headers['x-request-id'], details: { report_id: r2.id, resolution: 'delete_message' } });
        problem(await call('POST', `/v1/messages/${m.id}/reports`, bob, { reason: 'late' }), 409, 'MESSAGE_DELETED');
        problem(await call('POST', '/v1/admin/reports/0190a3f0-0000-7000-8000-000000000000/resolve', root, { action: 'dismiss' }), 404, 'REPORT_NOT_FOUND');
      });

      it('resolving with mute mutes the sender in the conversation (MUTED, muted_until), with ban bans them (404); a change each, one audit entry each; resolved once', async () => {
        const conv = await group(); // alice owner, carol admin, bob member
        const changes = async () => ok(await call('GET', `/v1/conversations/${conv}/changes?after=0&limit=1000`, alice), 200).changes as any[];
        const m1 = ok(await send(conv, 'mute me', bob), 201);
        const rm = ok(await call('POST', `/v1/messages/${m1.id}/reports`, alice, { reason: 'spam' }), 201);
        problem(await call('POST', `/v1/admin/reports/${rm.id}/resolve`, root, { action: 'mute', duration_s: 0 }), 400, 'VALIDATION_FAILED');
        problem(await call('POST', `/v1/admin/reports/${rm.id}/resolve`, root, { action: 'mute', duration_s: 31_536_001 }), 400, 'VALIDATION_FAILED');
        const t0 = Date.now();
        const mres = await call('POST', `/v1/admin/reports/${rm.id}/resolve`, root, { action: 'mute', duration_s: 600, reason: 'spamming' });
        expect(ok(mres, 200)).toMatchObject({ state: 'muted', resolved_by: 'root', resolution_reason: 'spamming' });
        const muted = await send(conv, 'still here', bob);
        problem(muted, 403, 'MUTED');
        const until = Date.parse(muted.body.muted_until);
        expect(until).toBeGreaterThanOrEqual(t0 + 600_000 - 1000);
        expect(until).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);
        ok(await send(conv, 'others still send', carol), 201);
        const mute = (await changes()).filter((c) => c.type === 'mute');
        expect(mute).toHaveLength(1);
        expect(mute[0]).toMatchObject({ user: 'bob', by: 'root', until: muted.body.muted_until });
        const ma = (await audit(`conversation_id=${conv}&actor=root`)).entries;
        expect(ma).toHaveLength(1); // the resolution's entry only: the mute records none of its own
        expect(ma[0]).toMatchObject({
          action: 'report.resolved', target_user: 'bob', message_id: m1.id, reason: 'spamming', request_id: mres.headers['x-request-id'],
          details: { report_id: rm.id, resolution: 'mute', reporter: 'alice', duration_s: 600, until: muted.body.muted_until },
        });
        problem(await call('POST', `/v1/admin/reports/${rm.id}/resolve`, root, { action: 'ban' }), 409, 'REPORT_RESOLVED');

        // ban: dave joins, posts, is reported; the default mute length is an hour (checked on a third report below)
        ok(await call('POST', `/v1/conversations/${conv}/members`, alice, { user: 'dave' }), 201);
        const m2 = ok(await send(conv, 'ban me', dave), 201);
        const rb = ok(await call('POST', `/v1/messages/${m2.id}/reports`, carol, { reason: 'abuse' }), 201);
        const bres = await call('POST', `/v1/admin/reports/${rb.id}/resolve`, root, { action: 'ban', reason: 'abusive' });
        expect(ok(bres, 200)).toMatchObject({ state: 'banned', resolved_by: 'root' });
        problem(await send(conv, 'again', dave), 404, 'CONVERSATION_NOT_FOUND');
        const banned = (await changes()).filter((c) => c.type === 'member' && c.user === 'dave');
        expect(banned.map((c) => c.change)).toEqual(['added', 'banned']);
        expect(banned[1]).toMatchObject({ role: null, by: 'root' });
        problem(await call('POST', `/v1/conversations/${conv}/members`, alice, { user: 'dave' }), 409, 'MEMBER_BANNED');
        const ba = (await audit(`conversation_id=${conv}&actor=root&target_user=dave`)).entries;
        expect(ba).toHaveLength(1);
        expect(ba[0]).toMatchObject({ action: 'report.resolved', reason: 'abusive', request_id: bres.headers['x-request-id'], details: { report_id: rb.id, resolution: 'ban', reporter: 'carol' } });
        problem(await call('POST', `/v1/admin/reports/${rb.id}/resolve`, root, { action: 'ban' }), 409, 'REPORT_RESOLVED');
        expect((await changes()).filter((c) => c.type === 'member' && c.user === 'dave')).toHaveLength(2); // nothing more recorded

        // the default duration: an hour
        const m3 = ok(await send(conv, 'default', carol), 201);
        const rd = ok(await call('POST', `/v1/messages/${m3.id}/reports`, alice, { reason: 'x' }), 201);
        const t1 = Date.now();
        ok(await call('POST', `/v1/admin/reports/${rd.id}/resolve`, root, { action: 'mute' }), 200);
        const left = Date.parse((await send(conv, 'muted now', carol)).body.muted_until) - t1;
        expect(left).toBeGreaterThan(3_600_000 - 2000);
        expect(left).toBeLessThan(3_600_000 + 2000);
      });
    });

    describe('blocks', () => {
      it('no new direct conversation, no sends either way in the direct one; groups unaffected; unblock restores', async () => {
        const direct = ok(await call('POST', '/v1/conversations', alice, { members: ['dave'], kind: 'direct' }), 201).id;
        const grp = ok(await call('POST', '/v1/conversations', alice, { members: ['dave', 'bob'], kind: 'group' }), 201).id;
        ok(await send(direct, 'before', alice), 201);
        ok(await call('PUT', '/v1/blocks/dave', alice), 204);
        ok(await call('PUT', '/v1/blocks/dave', alice), 204); // idempotent
        expect(ok(await call('GET', '/v1/blocks', alice), 200).blocks.map((b: { user: string }) => b.user)).toEqual(['dave']);
        expect(ok(await call('GET', '/v1/blocks', dave), 200).blocks).toEqual([]);
        problem(await send(direct, 'from dave', dave), 403, 'BLOCKED');
        problem(await send(direct, 'from alice', alice), 403, 'BLOCKED');
        const ws = await WsClient.connect(baseUrl, dave);
        try {
          ws.send({ type: 'send', ref: 'b1', conversation_id: direct, text: 'ws' });
          expect(await ws.waitFor((f) => f.ref === 'b1')).toMatchObject({ type: 'error', code: 'BLOCKED' });
        } finally {
          ws.close();
        }
        problem(await call('POST', '/v1/conversations', dave, { members: ['alice'], kind: 'direct' }), 403, 'BLOCKED');
        problem(await call('POST', '/v1/conversations', alice, { members: ['dave'] }), 403, 'BLOCKED');
        ok(await send(grp, 'groups still deliver', dave), 201);
        problem(await call('PUT', '/v1/blocks/alice', alice), 400, 'VALIDATION_FAILED');
        ok(await call('DELETE', '/v1/blocks/dave', alice), 204);
        ok(await call('DELETE', '/v1/blocks/dave', alice), 204);
        ok(await send(direct, 'after', dave), 201);
        expect(await texts(direct)).toEqual(['before', 'after']);
      });
    });

    describe('audit log', () => {
      it('records role changes, removals and deletes by others, webhook and blocklist changes, with actor, target, request id; filters and pages', async () => {
        const conv = await group();
        const role = await call('PATCH', `/v1/conversations/${conv}/members/bob`, alice, { role: 'admin' });
        ok(role, 200);
        const m = ok(await send(conv, 'to delete', bob), 201);
        const del = await call('DELETE', `/v1/messages/${m.id}`, carol);
        ok(del, 200);
        const own = ok(await send(conv, 'mine', carol), 201);
        ok(await call('DELETE', `/v1/messages/${own.id}`, carol), 200); // own message: not audited
        const rm = await call('DELETE', `/v1/conversations/${conv}/members/bob`, carol);
        ok(rm, 204);
        ok(await call('DELETE', `/v1/conversations/${conv}/members/carol`, carol), 204); // leaving: not audited

        const inConv = (await audit(`conversation_id=${conv}`)).entries;
        const rid = (r: Res) => r.headers['x-request-id'];
        expect(inConv.map((e) => [e.action, e.actor, e.target_user, e.request_id])).toEqual([
          ['member.removed', 'carol', 'bob', rid(rm)],
          ['message.deleted', 'carol', 'bob', rid(del)],
          ['member.role_changed', 'alice', 'bob', rid(role)],
          ['member.role_changed', 'alice', 'carol', expect.any(String)],
        ]);
        expect(inConv[2].details).toEqual({ from: 'member', to: 'admin' });
        expect(inConv[1]).toMatchObject({ message_id: m.id, details: { by: 'conversation_admin' } });

        const hook = ok(await call('POST', '/v1/admin/webhooks', root, { url: 'http://127.0.0.1:9/hook', events: ['message'] }), 201);
        ok(await call('PATCH', `/v1/admin/webhooks/${hook.id}`, root, { events: ['edit'] }), 200);
        ok(await call('POST', `/v1/admin/webhooks/${hook.id}/rotate-secret`, root, {}), 200);
        ok(await call('DELETE', `/v1/admin/webhooks/${hook.id}`, root), 204);
        const wh = (await audit('actor=root')).entries.filter((e) => e.details?.webhook === hook.id);
        expect(wh.map((e) => e.action)).toEqual(['webhook.deleted', 'webhook.secret_rotated', 'webhook.updated', 'webhook.created']);
        expect(JSON.stringify(wh)).not.toContain('whsec_');
        const entry = await addEntry('word', 'quuxbad', 'mask');
        ok(await call('DELETE', `/v1/admin/blocklist/${entry.id}`, root), 204);
        expect((await audit('action=blocklist.added&actor=root')).entries[0]).toMatchObject({ details: { id: entry.id, kind: 'word', pattern: 'quuxbad', action: 'mask' } });
        expect((await audit('action=blocklist.removed')).entries[0].details.id).toBe(entry.id);

        // target user and time range, and keyset pages covering everything once
        expect((await audit(`target_user=bob&conversation_id=${conv}`)).entries).toHaveLength(3);
        const all = (await audit('limit=1000')).entries;
        const mid = all[Math.floor(all.length / 2)];
        const since = (await audit(`since=${encodeURIComponent(mid.at)}&limit=1000`)).entries;
        expect(since.every((e) => e.at >= mid.at)).toBe(true);
        expect((await audit(`until=${encodeURIComponent(mid.at)}&limit=1000`)).entries.every((e) => e.at < mid.at)).toBe(true);
        const paged: string[] = [];
        for (let before: string | null = null; ;) {
          const page = await audit(`limit=4${before ? `&before=${before}` : ''}`);
          paged.push(...page.entries.map((e) => e.id));
          if (!page.next_before) break;
          before = page.next_before;
        }
        expect(paged).toEqual(all.map((e) => e.id));
        problem(await call('GET', '/v1/admin/audit?since=yesterday', root), 400, 'VALIDATION_FAILED');
      });
    });

    describe('authorization matrix', () => {
      it('every new route, tried by anonymous, non-member, member, admin, owner and operator: answers as documented, refused calls write nothing', async () => {
        const conv = await group(); // alice owner, carol admin, bob member, dave outside
        const m = ok(await send(conv, 'matrix', bob), 201);
        const entry = await addEntry('word', 'matrixword', 'mask');
        const report = ok(await call('POST', `/v1/messages/${m.id}/reports`, carol, { reason: 'x' }), 201);
        const who = { anonymous: undefined, dave, bob, carol, alice } as Record<string, string | undefined>;
        const adminRoutes: [string, string, unknown?][] = [
          ['GET', '/v1/admin/audit'],
          ['GET', '/v1/admin/reports'],
          ['POST', `/v1/admin/reports/${report.id}/resolve`, { action: 'dismiss' }],
          ['GET', '/v1/admin/blocklist'],
          ['POST', '/v1/admin/blocklist', { kind: 'word', pattern: 'neverstored', action: 'reject' }],
          ['DELETE', `/v1/admin/blocklist/${entry.id}`],
        ];
        const before = await counts();
        for (const [method, url, body] of adminRoutes) {
          for (const [name, token] of Object.entries(who)) {
            const r = await call(method, url, token, body);
            if (name === 'anonymous') problem(r, 401, 'UNAUTHENTICATED');
            else problem(r, 403, 'FORBIDDEN');
          }
        }
        // flagging: non-members (and operators, who are not members) cannot see the message
        problem(await call('POST', `/v1/messages/${m.id}/reports`, undefined, { reason: 'x' }), 401, 'UNAUTHENTICATED');
        problem(await call('POST', `/v1/messages/${m.id}/reports`, dave, { reason: 'x' }), 404, 'MESSAGE_NOT_FOUND');
        problem(await call('POST', `/v1/messages/${m.id}/reports`, root, { reason: 'x' }), 404, 'MESSAGE_NOT_FOUND');
        problem(await call('POST', `/v1/messages/${m.id}/reports`, bob, { reason: '' }), 400, 'VALIDATION_FAILED');
        for (const r of ['GET /v1/blocks', 'PUT /v1/blocks/x', 'DELETE /v1/blocks/x']) {
          const [method, url] = r.split(' ');
          problem(await call(method, url), 401, 'UNAUTHENTICATED');
        }
        expect(await counts()).toEqual(before);
        expect(await s.deps.safety!.blocks.list('bob')).toEqual([]);

        // the allowed calls: members of every role flag; operators do the rest
        for (const token of [bob, alice]) ok(await call('POST', `/v1/messages/${m.id}/reports`, token, { reason: 'y' }), 201);
        for (const [method, url, body] of adminRoutes) expect((await call(method, url, root, body)).status).toBeLessThan(300);
        const after = await counts();
        expect(after.reports).toBe(before.reports + 2);
        expect(after.blocklist).toBe(before.blocklist); // one added, one removed
      });
    });
  });
}
