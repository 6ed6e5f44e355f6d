// Conversation moderation (docs/moderation.md) through the whole stack, on the embedded defaults
// and on Valkey + PostgreSQL: the authorization matrix of every moderation route, what banned and
// muted users and members of an announcement conversation may do (nothing written by a refused
// call), slow mode on REST and WebSocket, a ban racing concurrent sends (no acked send has a
// cursor above the ban's change), and an app-wide ban closing sockets with 4403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type StackOptions, type TestStack } from '../helpers/app.js';
import { WsClient } from '../helpers/ws-client.js';
import { eventually } from '../helpers/eventually.js';
import { buildApp } from '../../src/app.js';

export function moderationSuite(name: string, opts: StackOptions) {
  describe(`moderation on ${name}`, () => {
    let s: TestStack;
    let base: string;
    const tok: Record<string, string> = {};

    beforeAll(async () => {
      s = await makeStack(opts);
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
      for (const u of ['owner', 'admin', 'member', 'banned', 'muted', 'outsider', 'target', 'target2', 'mallory']) tok[u] = await s.token(u);
      tok.root = await s.token('root', true);
    });
    afterAll(async () => s?.close());

    async function call(method: string, url: string, who: string, body?: unknown) {
      const r = await s.app.inject({
        method: method as 'GET', url, headers: { authorization: `Bearer ${tok[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.statusCode, body: r.body ? r.json() : undefined, headers: r.headers };
    }

    /** owner, admin (role admin), member, banned (banned by the owner), muted (muted by the owner for an hour), target. */
    async function room(kind: 'group' | 'announcement' = 'group') {
      const c = await call('POST', '/v1/conversations', 'owner', { members: ['member', 'banned', 'muted', 'target', 'target2'], title: 'r', kind });
      expect(c.status).toBe(201);
      const id = c.body.id as string;
      expect((await call('POST', `/v1/conversations/${id}/members`, 'owner', { user: 'admin', role: 'admin' })).status).toBe(201);
      expect((await call('POST', `/v1/conversations/${id}/bans`, 'owner', { user: 'banned', reason: 'spam' })).status).toBe(201);
      expect((await call('POST', `/v1/conversations/${id}/mutes`, 'owner', { user: 'muted', duration_s: 3600 })).status).toBe(201);
      return id;
    }

    /** Everything a refused call could have written: history, change log, bans, mutes, members. */
    async function snapshot(id: string) {
      const [h, ch, bans, mutes, conv] = await Promise.all([
        call('GET', `/v1/conversations/${id}/messages?limit=200`, 'owner'), call('GET', `/v1/conversations/${id}/changes?after=0&limit=1000`, 'owner'),
        call('GET', `/v1/conversations/${id}/bans`, 'owner'), call('GET', `/v1/conversations/${id}/mutes`, 'owner'), call('GET', `/v1/conversations/${id}`, 'owner'),
      ]);
      return { history: h.body, changes: ch.body, bans: bans.body, mutes: mutes.body, members: conv.body.members, slow: conv.body.slow_mode_s, kind: conv.body.kind };
    }

    it('authorization matrix: every moderation route × non-member, member, owner, admin, banned, muted — answers as documented, nothing written by a refused call', async () => {
      const id = await room();
      const routes = (who: string) => [
        ['POST', `/v1/conversations/${id}/bans`, { user: 'target' }],
        ['DELETE', `/v1/conversations/${id}/bans/banned`, undefined],
        ['GET', `/v1/conversations/${id}/bans`, undefined],
        ['POST', `/v1/conversations/${id}/mutes`, { user: 'target2', duration_s: 60 }],
        ['DELETE', `/v1/conversations/${id}/mutes/muted`, undefined],
        ['GET', `/v1/conversations/${id}/mutes`, undefined],
        ['PATCH', `/v1/conversations/${id}`, { slow_mode_s: 5 }],
        ['PATCH', `/v1/conversations/${id}`, { kind: 'announcement' }],
        ['POST', `/v1/admin/users/${who}-x/ban`, {}],
        ['DELETE', `/v1/admin/users/${who}-x/ban`, undefined],
        ['GET', '/v1/admin/user-bans', undefined],
      ] as const;
      // refused: outsiders and the banned see nothing (404), members and the muted are not moderators (403), nobody but operators touches app-wide bans
      const refused: Record<string, number[]> = {
        outsider: [404, 404, 404, 404, 404, 404, 404, 404, 403, 403, 403],
        banned: [404, 404, 404, 404, 404, 404, 404, 404, 403, 403, 403],
        member: [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
        muted: [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
      };
      for (const [who, want] of Object.entries(refused)) {
        const before = await snapshot(id);
        const got = [];
        for (const [method, url, body] of routes(who)) got.push((await call(method, url, who, body)).status);
        expect(got, who).toEqual(want);
        expect(await snapshot(id), who).toEqual(before);
      }
      // allowed: an admin and an owner moderate (each route once), operators ban app-wide
      for (const who of ['admin', 'owner']) {
        const got = [];
        for (const [method, url, body] of routes(who).slice(0, 8)) got.push((await call(method, url, who, body)).status);
        expect(got, who).toEqual([201, 204, 200, 201, 204, 200, 200, 200]);
        // put back what the routes lifted, for the next moderator
        await call('POST', `/v1/conversations/${id}/bans`, 'owner', { user: 'banned' });
        await call('DELETE', `/v1/conversations/${id}/bans/target`, 'owner');
        await call('POST', `/v1/conversations/${id}/mutes`, 'owner', { user: 'muted', duration_s: 3600 });
      }
      expect((await call('POST', '/v1/admin/users/someone/ban', 'root', { reason: 'x' })).status).toBe(201);
      expect((await call('GET', '/v1/admin/user-bans', 'root')).body.bans.map((b: { user: string }) => b.user)).toContain('someone');
      expect((await call('DELETE', '/v1/admin/users/someone/ban', 'root')).status).toBe(204);
      // an admin does not ban or mute an owner; nobody moderates themself; a banned user is not re-added
      expect((await call('POST', `/v1/conversations/${id}/bans`, 'admin', { user: 'owner' })).body.code).toBe('FORBIDDEN');
      expect((await call('POST', `/v1/conversations/${id}/mutes`, 'admin', { user: 'owner', duration_s: 5 })).body.code).toBe('FORBIDDEN');
      expect((await call('POST', `/v1/conversations/${id}/bans`, 'admin', { user: 'admin' })).body.code).toBe('VALIDATION_FAILED');
      expect((await call('POST', `/v1/conversations/${id}/members`, 'owner', { user: 'banned' })).body.code).toBe('MEMBER_BANNED');
      expect((await call('POST', `/v1/conversations/${id}/mutes`, 'owner', { user: 'outsider', duration_s: 5 })).body.code).toBe('MEMBER_NOT_FOUND');
      expect((await call('PATCH', `/v1/conversations/${id}`, 'owner', { slow_mode_s: 121 })).status).toBe(400);
      expect((await call('PATCH', `/v1/conversations/${id}`, 'owner', {})).status).toBe(400);
    });

    it('the moderation changes (banned, unbanned, mute, unmute, rules) read the same bytes from the change ring, the warm store, REST pages and a WebSocket resume', async () => {
      const id = await room();
      expect((await call('DELETE', `/v1/conversations/${id}/mutes/muted`, 'owner')).status).toBeLessThan(300);
      expect((await call('DELETE', `/v1/conversations/${id}/bans/banned`, 'owner')).status).toBeLessThan(300);
      expect((await call('PATCH', `/v1/conversations/${id}`, 'owner', { slow_mode_s: 5 })).status).toBe(200);
      expect((await call('PATCH', `/v1/conversations/${id}`, 'owner', { kind: 'announcement' })).status).toBe(200);
      const [total] = await s.deps.hot.lastCursors([id]);
      expect(total).toBeGreaterThan(5);
      await eventually('the warm store holds every change', async () => (await s.deps.store.listChanges(id, 0, 1000)).length === total);
      const warm = await s.deps.store.listChanges(id, 0, 1000);
      const types = warm.map((c) => JSON.parse(c) as { type: string; change?: string }).map((c) => (c.type === 'member' ? `member:${c.change}` : c.type));
      for (const t of ['member:banned', 'member:unbanned', 'mute', 'rules']) expect(types).toContain(t);
      expect((await s.deps.hot.readChanges(id, 0, 1000))?.changes).toEqual(warm);
      const rest: string[] = [];
      for (let after = 0; ;) {
        const page = await call('GET', `/v1/conversations/${id}/changes?after=${after}&limit=3`, 'owner');
        expect(page.status).toBe(200);
        const raw = (page.body.changes as { cursor: number }[]).map((c) => JSON.stringify(c));
        rest.push(...raw);
        if (!page.body.has_more || raw.length === 0) break;
        after = page.body.changes.at(-1).cursor;
      }
      expect(rest).toEqual(warm);
      const ws = await WsClient.connect(base, tok.owner);
      try {
        ws.send({ type: 'resume', ref: 'm', conversation_id: id, after_cursor: 0 });
        const resumed = await ws.waitFor((f) => f.ref === 'm');
        expect(resumed).toMatchObject({ type: 'resumed', cursor: total });
        const replayed = ws.frames.slice(0, ws.frames.indexOf(resumed)).filter((f) => typeof f.cursor === 'number');
        expect(replayed.map((f) => JSON.stringify(f))).toEqual(warm);
      } finally {
        ws.close();
      }
    });

    it('banned and muted users: send, react and edit refused with their codes, nothing written; the changes record ban and mute', async () => {
      const id = await room();
      const m = (await call('POST', `/v1/conversations/${id}/messages`, 'muted', { text: 'x' }));
      expect(m.status).toBe(403);
      expect(m.body).toMatchObject({ code: 'MUTED' });
      expect(Date.parse(m.body.muted_until)).toBeGreaterThan(Date.now() + 3_500_000);
      const own = (await call('POST', `/v1/conversations/${id}/messages`, 'owner', { text: 'hello' })).body;
      const before = await snapshot(id);
      expect((await call('PUT', `/v1/messages/${own.id}/reactions/%F0%9F%91%8D`, 'muted')).body.code).toBe('MUTED');
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'banned', { text: 'x' })).body.code).toBe('CONVERSATION_NOT_FOUND');
      expect((await call('PUT', `/v1/messages/${own.id}/reactions/%F0%9F%91%8D`, 'banned')).status).toBe(404);
      expect((await call('GET', `/v1/conversations/${id}/messages`, 'banned')).status).toBe(404);
      expect(await snapshot(id)).toEqual(before);
      // the muted still read; an edit of their own older message is refused too
      expect((await call('GET', `/v1/conversations/${id}/messages`, 'muted')).status).toBe(200);
      await call('DELETE', `/v1/conversations/${id}/mutes/muted`, 'owner');
      const theirs = (await call('POST', `/v1/conversations/${id}/messages`, 'muted', { text: 'mine' })).body;
      await call('POST', `/v1/conversations/${id}/mutes`, 'owner', { user: 'muted', duration_s: 60 });
      const snap = await snapshot(id);
      expect((await call('PATCH', `/v1/messages/${theirs.id}`, 'muted', { text: 'edited' })).body.code).toBe('MUTED');
      expect(await snapshot(id)).toEqual(snap);
      const types = snap.changes.changes.filter((c: { type: string }) => c.type === 'member' || c.type === 'mute').map((c: Record<string, unknown>) => [c.type, c.user, c.change ?? (c.until === null ? 'lifted' : 'until')]);
      expect(types).toEqual([['member', 'admin', 'added'], ['member', 'banned', 'banned'], ['mute', 'muted', 'until'], ['mute', 'muted', 'lifted'], ['mute', 'muted', 'until']]);
    });

    it('announcement kind: only owners and admins post; members read and react', async () => {
      const id = await room('announcement');
      expect((await call('GET', `/v1/conversations/${id}`, 'member')).body).toMatchObject({ kind: 'announcement', slow_mode_s: 0 });
      const post = (await call('POST', `/v1/conversations/${id}/messages`, 'admin', { text: 'news' })).body;
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'owner', { text: 'more' })).status).toBe(201);
      const before = await snapshot(id);
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'me too' })).body.code).toBe('ANNOUNCEMENT_ONLY');
      expect(await snapshot(id)).toEqual(before);
      expect((await call('PUT', `/v1/messages/${post.id}/reactions/ok`, 'member')).status).toBe(204);
      // back to a group: members post again; a `rules` change each time
      expect((await call('PATCH', `/v1/conversations/${id}`, 'admin', { kind: 'group' })).body).toMatchObject({ kind: 'group' });
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'now I can' })).status).toBe(201);
      const settings = (await call('GET', `/v1/conversations/${id}/changes?after=0&limit=1000`, 'member')).body.changes.filter((c: { type: string }) => c.type === 'rules');
      expect(settings).toMatchObject([{ type: 'rules', conversation_id: id, kind: 'group', slow_mode_s: 0, by: 'admin' }]);
    });

    it('slow mode: one message per cooldown per member on REST and WebSocket, 429 SLOW_MODE with retry_after; owners and admins exempt', async () => {
      const id = await room();
      expect((await call('PATCH', `/v1/conversations/${id}`, 'owner', { slow_mode_s: 60 })).body).toMatchObject({ slow_mode_s: 60 });
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'one' })).status).toBe(201);
      const before = await snapshot(id);
      const again = await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'two' });
      expect(again.status).toBe(429);
      expect(again.body).toMatchObject({ code: 'SLOW_MODE' });
      expect(again.body.retry_after).toBeGreaterThan(55);
      expect(again.body.retry_after).toBeLessThanOrEqual(60);
      expect(Number(again.headers['retry-after'])).toBe(again.body.retry_after);
      expect(await snapshot(id)).toEqual(before);
      const ws = await WsClient.connect(base, tok.member);
      try {
        ws.send({ type: 'send', ref: 'w1', conversation_id: id, text: 'ws' });
        expect(await ws.waitFor((f) => f.ref === 'w1')).toMatchObject({ type: 'error', code: 'SLOW_MODE', retry_after: again.body.retry_after });
      } finally {
        ws.close();
      }
      // the same over a WebSocket for another member: first passes, second refused
      const ws2 = await WsClient.connect(base, tok.target);
      try {
        ws2.send({ type: 'send', ref: 'a', conversation_id: id, text: 'first' });
        expect(await ws2.waitFor((f) => f.ref === 'a')).toMatchObject({ type: 'ack' });
        ws2.send({ type: 'send', ref: 'b', conversation_id: id, text: 'second' });
        expect(await ws2.waitFor((f) => f.ref === 'b')).toMatchObject({ type: 'error', code: 'SLOW_MODE' });
      } finally {
        ws2.close();
      }
      for (const who of ['owner', 'admin', 'owner', 'admin']) expect((await call('POST', `/v1/conversations/${id}/messages`, who, { text: who })).status).toBe(201);
      expect((await call('PATCH', `/v1/conversations/${id}`, 'owner', { slow_mode_s: 0 })).status).toBe(200);
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'free again' })).status).toBe(201);
    });

    it('a ban racing 200 concurrent sends of its target: every acked send has a cursor below the ban change, every send after the ban is refused', async () => {
      const id = await room();
      const sends = Array.from({ length: 200 }, (_, i) => call('POST', `/v1/conversations/${id}/messages`, 'target2', { text: `m${i}`, client_id: `c${i}` }));
      // let some of them land first, then ban while the rest are in flight
      await new Promise<void>((resolve) => setImmediate(resolve));
      const ban = call('POST', `/v1/conversations/${id}/bans`, 'admin', { user: 'target2' });
      const [results, banned] = await Promise.all([Promise.all(sends), ban]);
      expect(banned.status).toBe(201);
      const changes = (await call('GET', `/v1/conversations/${id}/changes?after=0&limit=1000`, 'owner')).body.changes as { type: string; cursor: number; user?: string; change?: string; message?: { version: number; sender: string } }[];
      const banChange = changes.find((c) => c.type === 'member' && c.user === 'target2' && c.change === 'banned')!;
      const acked = results.filter((r) => r.status === 201);
      for (const r of results) expect([201, 404]).toContain(r.status);
      for (const r of acked) expect(r.body.version).toBeLessThan(banChange.cursor);
      // nothing of target2's after the ban in the log, and every acked one is there
      const theirs = changes.filter((c) => c.type === 'message' && c.message!.sender === 'target2');
      expect(theirs.every((c) => c.cursor < banChange.cursor)).toBe(true);
      expect(theirs.map((c) => c.cursor).sort((a, b) => a - b)).toEqual(acked.map((r) => r.body.version).sort((a, b) => a - b));
      // the same sends retried now: the acked ones answer their original, the others stay refused
      const retry = await call('POST', `/v1/conversations/${id}/messages`, 'target2', { text: 'late', client_id: 'never-sent' });
      expect(retry.status).toBe(404);
    });

    it('the restrictions survive a hot tier that lost the conversation: re-seeded from the warm store', async () => {
      const id = await room('announcement');
      await call('PATCH', `/v1/conversations/${id}`, 'owner', { kind: 'group', slow_mode_s: 30 });
      await call('POST', `/v1/conversations/${id}/messages`, 'owner', { text: 'before' });
      const stored = await s.deps.moderation!.restrictions(id, Date.now());
      expect(stored).toMatchObject({ kind: 'group', slowModeS: 30, banned: ['banned'] });
      expect(await s.deps.hot.readRestrictions(id)).toEqual(stored);
      await loseHot(id);
      expect(await s.deps.hot.readRestrictions(id)).toBeNull();
      // the banned one's node may still think them a member: the re-seeded hot tier refuses anyway
      s.services.access.invalidate(id, 'banned');
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'muted', { text: 'x' })).body.code).toBe('MUTED');
      expect(await s.deps.hot.readRestrictions(id)).toEqual(stored);
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'one' })).status).toBe(201);
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'two' })).body.code).toBe('SLOW_MODE');
    });

    /** What a hot tier restarted without persistence holds of the conversation: nothing. */
    async function loseHot(id: string) {
      const hot = s.deps.hot as unknown as { convs?: Map<string, unknown>; client?: { del(...k: string[]): Promise<number> }; keys?: Record<string, (p: number, c: string) => string>; partitionOf(c: string): number };
      if (hot.convs) hot.convs.delete(id);
      else {
        const p = hot.partitionOf(id);
        await hot.client!.del(...['seq', 'cursor', 'ring', 'changes', 'restrictions'].map((k) => hot.keys![k].call(hot.keys, p, id)));
      }
    }

    it('operators ban and mute through the report resolution path (Sanctions): no membership needed, by = the operator', async () => {
      const id = await room();
      await s.services.rules.muteAsOperator('root', id, 'member', 60, 'reported');
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'member', { text: 'x' })).body.code).toBe('MUTED');
      await s.services.rules.banAsOperator('root', id, 'target', 'reported');
      expect((await call('POST', `/v1/conversations/${id}/messages`, 'target', { text: 'x' })).status).toBe(404);
      await expect(s.services.rules.banAsOperator('root', id, 'owner', null)).rejects.toMatchObject({ code: 'LAST_OWNER' });
      const changes = (await call('GET', `/v1/conversations/${id}/changes?after=0&limit=1000`, 'owner')).body.changes.slice(-2);
      expect(changes).toMatchObject([{ type: 'mute', user: 'member', by: 'root' }, { type: 'member', user: 'target', change: 'banned', by: 'root' }]);
    });

    it('an app-wide ban refuses every request and closes open sockets with 4403; lifting it lets the user back', async () => {
      const c = await call('POST', '/v1/conversations', 'owner', { members: ['mallory'] });
      const ws = await WsClient.connect(base, tok.mallory);
      expect((await call('POST', '/v1/admin/users/mallory/ban', 'root', { reason: 'abuse' })).body).toMatchObject({ user: 'mallory', by: 'root', reason: 'abuse' });
      expect((await ws.closed).code).toBe(4403);
      const refused = await call('POST', `/v1/conversations/${c.body.id}/messages`, 'mallory', { text: 'x' });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('USER_BANNED');
      expect((await call('GET', '/v1/conversations', 'mallory')).body.code).toBe('USER_BANNED');
      await expect(WsClient.connect(base, tok.mallory)).rejects.toThrow();
      expect((await call('DELETE', '/v1/admin/users/mallory/ban', 'root')).status).toBe(204);
      expect((await call('POST', `/v1/conversations/${c.body.id}/messages`, 'mallory', { text: 'back' })).status).toBe(201);
    });

    it('every moderation action is one audit entry — actor, target, reason, request id; a repeated or refused one records nothing', async () => {
      const id = await room(); // the owner bans `banned` ('spam') and mutes `muted` for an hour
      const rid = (r: { headers: Record<string, unknown> }) => String(r.headers['x-request-id']);
      expect((await call('POST', `/v1/conversations/${id}/bans`, 'owner', { user: 'banned', reason: 'again' })).status).toBe(201); // the first ban stands
      expect((await call('POST', `/v1/conversations/${id}/bans`, 'member', { user: 'target' })).status).toBe(403);
      const unban = await call('DELETE', `/v1/conversations/${id}/bans/banned`, 'admin');
      const unmute = await call('DELETE', `/v1/conversations/${id}/mutes/muted`, 'owner');
      const slow = await call('PATCH', `/v1/conversations/${id}`, 'admin', { slow_mode_s: 5 });
      expect([unban.status, unmute.status, slow.status]).toEqual([204, 204, 200]);
      expect((await call('DELETE', `/v1/conversations/${id}/mutes/muted`, 'owner')).status).toBe(204); // nothing left to lift
      const mine = ['member.banned', 'member.unbanned', 'member.muted', 'member.unmuted', 'conversation.rules_changed'];
      const entries = ((await call('GET', `/v1/admin/audit?conversation_id=${id}&limit=100`, 'root')).body.entries as Record<string, unknown>[])
        .filter((e) => mine.includes(e.action as string)).reverse();
      expect(entries.map((e) => [e.action, e.actor, e.target_user, e.reason])).toEqual([
        ['member.banned', 'owner', 'banned', 'spam'],
        ['member.muted', 'owner', 'muted', null],
        ['member.unbanned', 'admin', 'banned', null],
        ['member.unmuted', 'owner', 'muted', null],
        ['conversation.rules_changed', 'admin', null, null],
      ]);
      expect(entries.slice(2).map((e) => e.request_id)).toEqual([rid(unban), rid(unmute), rid(slow)]);
      expect(entries[1].details).toMatchObject({ duration_s: 3600 });
      expect(entries[4].details).toEqual({ from: { kind: 'group', slow_mode_s: 0 }, to: { kind: 'group', slow_mode_s: 5 } });

      const ban = await call('POST', '/v1/admin/users/target2/ban', 'root', { reason: 'abuse' });
      const lift = await call('DELETE', '/v1/admin/users/target2/ban', 'root');
      expect((await call('DELETE', '/v1/admin/users/target2/ban', 'root')).status).toBe(204); // not banned: nothing recorded
      const app = ((await call('GET', '/v1/admin/audit?target_user=target2&limit=100', 'root')).body.entries as Record<string, unknown>[])
        .filter((e) => (e.action as string).startsWith('user.')).reverse();
      expect(app.map((e) => [e.action, e.actor, e.reason, e.request_id])).toEqual([['user.banned', 'root', 'abuse', rid(ban)], ['user.unbanned', 'root', null, rid(lift)]]);
    });

    it('a node that missed the account_banned frame: a frame on the socket is refused (USER_BANNED, 4403) and nothing stored; the ban sweep closes an idle socket', async () => {
      // a second node; the ban is written to the store directly, as if its frame never reached that node
      const { app: b } = await buildApp(s.deps, { gateway: { banSweepMs: 600_000 } });
      const { app: c2 } = await buildApp(s.deps, { gateway: { banSweepMs: 50 } });
      try {
        const urlOf = async (app: typeof b) => {
          await app.listen({ port: 0, host: '127.0.0.1' });
          return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
        };
        const [urlB, urlC] = [await urlOf(b), await urlOf(c2)];
        for (const u of ['mal2', 'mal3']) tok[u] = await s.token(u);
        const conv = (await call('POST', '/v1/conversations', 'owner', { members: ['mal2', 'mal3'] })).body.id as string;
        const m = (await call('POST', `/v1/conversations/${conv}/messages`, 'owner', { text: 'hello' })).body;
        const onB = await WsClient.connect(urlB, tok.mal2);
        const onC = await WsClient.connect(urlC, tok.mal3);
        for (const user of ['mal2', 'mal3']) await s.deps.moderation!.banUser({ user, by: 'root', reason: null, at: new Date().toISOString() });
        // B's cached answer lasts 2 s: once B refuses REST, its frames are refused too
        await eventually('node B sees the ban', async () => (await b.inject({ method: 'GET', url: '/v1/conversations', headers: { authorization: `Bearer ${tok.mal2}` } })).statusCode === 403);
        onB.send({ type: 'react', ref: 'r1', message_id: m.id, reaction: '👍' });
        expect(await onB.waitFor((f) => f.type === 'error' && f.ref === 'r1')).toMatchObject({ code: 'USER_BANNED' });
        expect((await onB.closed).code).toBe(4403);
        // C sweeps its sockets' users every 50 ms: closed without a frame
        expect((await onC.closed).code).toBe(4403);
        const changes = (await call('GET', `/v1/conversations/${conv}/changes?after=0&limit=100`, 'owner')).body.changes as { type: string }[];
        expect(changes.filter((x) => x.type === 'reaction')).toEqual([]);
      } finally {
        await b.close();
        await c2.close();
      }
    });
  });
}
