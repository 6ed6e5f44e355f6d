// The conversation change log and sync (docs/changes.md), run on the embedded defaults and on
// real Valkey + PostgreSQL: every change gets the next cursor; REST `changes`, WebSocket
// `resume {after_cursor}` and `GET /v1/sync` return the same bytes whichever tier (change ring,
// SQL) answers; replaying the changes onto an empty state gives exactly a fresh full load;
// a cursor or token older than the server keeps is RELOAD_REQUIRED, never a partial answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type StackOptions, type TestStack } from '../helpers/app.js';
import { eventually } from '../helpers/eventually.js';
import { WsClient, type Frame } from '../helpers/ws-client.js';

type Change = Record<string, any> & { type: string; cursor: number };

/** A client's view of a conversation, built from changes only. */
interface View {
  title: string | null;
  members: Map<string, string>;
  messages: Map<string, Record<string, unknown>>;
  reactions: Set<string>;
}

function replay(view: View, changes: Change[]): View {
  for (const c of changes) {
    switch (c.type) {
      case 'message': case 'edit': case 'delete': view.messages.set(c.message.id, c.message); break;
      case 'reaction': {
        const key = `${c.message_id} ${c.user} ${c.reaction}`;
        if (c.removed) view.reactions.delete(key);
        else view.reactions.add(key);
        break;
      }
      case 'member': if (c.change === 'removed') view.members.delete(c.user); else view.members.set(c.user, c.role); break;
      case 'conversation': view.title = c.title; break;
      default: throw new Error(`unknown change ${c.type}`);
    }
  }
  return view;
}

export function changeLogSuite(name: string, opts: StackOptions) {
  describe(`change log and sync on ${name}`, () => {
    let s: TestStack;
    let base: string;
    let alice: string, bob: string, carol: string;

    beforeAll(async () => {
      s = await makeStack({ ...opts, config: { changeRingLimit: 5, recentLimit: 5, ...opts.config } });
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      const a = s.app.server.address() as { port: number };
      base = `http://127.0.0.1:${a.port}`;
      [alice, bob, carol] = await Promise.all([s.token('alice'), s.token('bob'), s.token('carol')]);
    });
    afterAll(async () => s?.close());

    async function call(method: string, url: string, token: string, body?: unknown) {
      const r = await s.app.inject({
        method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.statusCode, body: r.body ? r.json() : undefined, raw: r.body };
    }

    /** Every change after `after`, paged through REST. */
    async function allChanges(conv: string, token: string, after = 0): Promise<{ raw: string[]; cursor: number }> {
      const raw: string[] = [];
      let cursor = after;
      for (;;) {
        const r = await call('GET', `/v1/conversations/${conv}/changes?after=${cursor}&limit=3`, token);
        expect(r.status, r.raw).toBe(200);
        // the change bytes as sent: split the array's members back out of the raw body
        const items = (r.body.changes as Change[]).map((c) => JSON.stringify(c));
        raw.push(...items);
        if (items.length) cursor = (r.body.changes as Change[]).at(-1)!.cursor;
        if (!r.body.has_more) return { raw, cursor: r.body.cursor };
      }
    }

    /** A conversation with every kind of change: messages, an edit, a delete, reactions, members, a role, a title. */
    async function busy(): Promise<string> {
      const conv = (await call('POST', '/v1/conversations', alice, { members: ['bob'], title: 'first', kind: 'group' })).body.id as string;
      const sent: string[] = [];
      for (let i = 1; i <= 4; i++) sent.push((await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: `m${i}` })).body.id);
      expect((await call('PATCH', `/v1/messages/${sent[0]}`, alice, { text: 'm1 edited' })).status).toBe(200);
      expect((await call('DELETE', `/v1/messages/${sent[1]}`, alice)).status).toBe(200);
      expect((await call('PUT', `/v1/messages/${sent[2]}/reactions/${encodeURIComponent('👍')}`, bob)).status).toBeLessThan(300);
      expect((await call('PUT', `/v1/messages/${sent[2]}/reactions/ok`, bob)).status).toBeLessThan(300);
      expect((await call('DELETE', `/v1/messages/${sent[2]}/reactions/ok`, bob)).status).toBeLessThan(300);
      expect((await call('POST', `/v1/conversations/${conv}/members`, alice, { user: 'carol' })).status).toBe(201);
      expect((await call('PATCH', `/v1/conversations/${conv}/members/bob`, alice, { role: 'admin' })).status).toBe(200);
      expect((await call('PATCH', `/v1/conversations/${conv}`, bob, { title: 'renamed' })).status).toBe(200);
      expect((await call('DELETE', `/v1/conversations/${conv}/members/carol`, bob)).status).toBe(204);
      return conv;
    }

    async function fullLoad(conv: string): Promise<View> {
      const c = (await call('GET', `/v1/conversations/${conv}`, alice)).body;
      const msgs = (await call('GET', `/v1/conversations/${conv}/messages?limit=200`, alice)).body.messages as Record<string, unknown>[];
      const reactions = new Set<string>();
      for (const m of msgs) {
        const r = await call('GET', `/v1/messages/${m.id}/reactions`, alice);
        for (const x of r.body.reactions as { user: string; reaction: string }[]) reactions.add(`${m.id} ${x.user} ${x.reaction}`);
      }
      return { title: c.title, members: new Map(c.members.map((m: { user: string; role: string }) => [m.user, m.role])), messages: new Map(msgs.map((m) => [m.id as string, m])), reactions };
    }

    it('every change gets the next cursor; the log replays to exactly a fresh full load', async () => {
      const conv = await busy();
      const { raw, cursor } = await allChanges(conv, alice);
      const changes = raw.map((r) => JSON.parse(r) as Change);
      expect(changes.map((c) => c.cursor)).toEqual(Array.from({ length: changes.length }, (_, i) => i + 1));
      expect(cursor).toBe(changes.length);
      expect(changes.map((c) => c.type)).toEqual(['message', 'message', 'message', 'message', 'edit', 'delete', 'reaction', 'reaction', 'reaction', 'member', 'member', 'conversation', 'member']);
      // each message carries the cursor of its latest change
      const start: View = { title: 'first', members: new Map([['alice', 'owner'], ['bob', 'member']]), messages: new Map(), reactions: new Set() };
      const view = replay(start, changes);
      const fresh = await fullLoad(conv);
      expect(view.title).toBe(fresh.title);
      expect([...view.members].sort()).toEqual([...fresh.members].sort());
      expect([...view.reactions].sort()).toEqual([...fresh.reactions].sort());
      expect([...view.messages.values()]).toEqual([...fresh.messages.values()]);
      expect([...fresh.messages.values()].map((m) => m.version)).toEqual([5, 6, 3, 4]);
    });

    it('the change ring, the warm store and a WebSocket resume answer with the same bytes', async () => {
      const conv = await busy();
      const total = 13;
      // the warm store has every change once the workers caught up
      await eventually('the warm store holds every change', async () => (await s.deps.store.listChanges(conv, 0, 100)).length === total);
      const warm = await s.deps.store.listChanges(conv, 0, 100);
      // the ring holds the last 5 (CHANGE_RING_LIMIT): the REST pages come from both tiers
      const ring = await s.deps.hot.readChanges(conv, total - 5, 5);
      expect(ring?.changes).toEqual(warm.slice(total - 5));
      expect(await s.deps.hot.readChanges(conv, 0, 100)).toBeNull();
      const rest = await allChanges(conv, alice);
      expect(rest.raw).toEqual(warm);
      const ws = await WsClient.connect(base, alice);
      try {
        ws.send({ type: 'resume', ref: 'r', conversation_id: conv, after_cursor: 2 });
        const resumed = await ws.waitFor((f) => f.type === 'resumed');
        expect(resumed).toEqual({ type: 'resumed', ref: 'r', conversation_id: conv, cursor: total });
        const replayed = ws.frames.slice(0, ws.frames.indexOf(resumed)).filter((f: Frame) => typeof f.cursor === 'number');
        expect(replayed.map((f) => JSON.stringify(f))).toEqual(warm.slice(2));
        // nothing missed: an empty replay that reports where the client already is
        ws.send({ type: 'resume', ref: 'r2', conversation_id: conv, after_cursor: total });
        expect(await ws.waitFor((f) => f.ref === 'r2')).toEqual({ type: 'resumed', ref: 'r2', conversation_id: conv, cursor: total });
        // a cursor the server never gave: RELOAD_REQUIRED, nothing replayed
        ws.send({ type: 'resume', ref: 'r3', conversation_id: conv, after_cursor: total + 10 });
        expect(await ws.waitFor((f) => f.ref === 'r3')).toMatchObject({ type: 'error', code: 'RELOAD_REQUIRED' });
        ws.send({ type: 'resume', ref: 'r4', conversation_id: conv, after_cursor: 1, after_seq: 1 });
        expect(await ws.waitFor((f) => f.ref === 'r4')).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
      } finally {
        ws.close();
      }
      // a non-member learns nothing
      expect((await call('GET', `/v1/conversations/${conv}/changes?after=0`, carol)).body.code).toBe('CONVERSATION_NOT_FOUND');
      for (const bad of ['-1', '1e3', 'x', '9007199254740992']) {
        expect((await call('GET', `/v1/conversations/${conv}/changes?after=${bad}`, alice)).status).toBe(400);
      }
    });

    it('live frames carry the cursor of each change, in order, to every member socket', async () => {
      const conv = (await call('POST', '/v1/conversations', alice, { members: ['bob'] })).body.id as string;
      const ws = await WsClient.connect(base, bob);
      try {
        const m = (await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'hi' })).body;
        await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'hi!' });
        await call('PUT', `/v1/messages/${m.id}/reactions/ok`, bob);
        await call('PATCH', `/v1/conversations/${conv}`, alice, { title: 'named' });
        await ws.until(() => ws.frames.some((f) => f.type === 'conversation'));
        const live = ws.frames.filter((f) => typeof f.cursor === 'number');
        expect(live.map((f) => [f.type, f.cursor])).toEqual([['message', 1], ['edit', 2], ['reaction', 3], ['conversation', 4]]);
        expect((await allChanges(conv, bob)).raw).toEqual(live.map((f) => JSON.stringify(f)));
      } finally {
        ws.close();
      }
    });

    it('sync: joined, then changed with the changes since the token, left, unread and watermarks; an unknown token is RELOAD_REQUIRED', async () => {
      const dave = await s.token('dave');
      const a = (await call('POST', '/v1/conversations', alice, { members: ['dave'], kind: 'group' })).body.id as string;
      const b = (await call('POST', '/v1/conversations', alice, { members: ['dave'], kind: 'group' })).body.id as string;
      const first = await call('GET', '/v1/sync', dave);
      expect(first.status).toBe(200);
      const mine = (r: typeof first, id: string) => r.body.conversations.find((c: { id: string }) => c.id === id);
      expect(mine(first, a)).toMatchObject({ status: 'joined', cursor: 0, changes: [], has_more: false, unread: 0 });
      const m = (await call('POST', `/v1/conversations/${a}/messages`, alice, { text: 'while away' })).body;
      await call('PATCH', `/v1/messages/${m.id}`, alice, { text: 'while away (edited)' });
      await call('DELETE', `/v1/conversations/${b}/members/dave`, alice);
      const c = (await call('POST', '/v1/conversations', alice, { members: ['dave'], kind: 'group' })).body.id as string;
      const second = await call('GET', `/v1/sync?since=${first.body.token}`, dave);
      expect(second.status).toBe(200);
      expect(mine(second, a)).toMatchObject({ status: 'changed', cursor: 2, unread: 1, last_seq: 1, read_seq: 0, has_more: false });
      expect(mine(second, a).changes.map((x: Change) => [x.type, x.cursor])).toEqual([['message', 1], ['edit', 2]]);
      expect(mine(second, a).changes.map((x: Change) => JSON.stringify(x))).toEqual((await allChanges(a, alice)).raw);
      expect(mine(second, c)).toMatchObject({ status: 'joined' });
      expect(mine(second, b)).toBeUndefined();
      expect(second.body.left).toEqual([b]);
      await call('POST', `/v1/conversations/${a}/read`, dave, { seq: 1 });
      await eventually('the read watermark is stored', async () => (await s.deps.receipts.watermarks(a)).some((w) => w.user === 'dave' && w.read === 1));
      const third = await call('GET', `/v1/sync?since=${second.body.token}`, dave);
      expect(mine(third, a)).toMatchObject({ status: 'unchanged', changes: [], unread: 0, read_seq: 1 });
      expect(mine(third, a).watermarks).toEqual(expect.arrayContaining([{ user: 'dave', delivered_seq: 1, read_seq: 1 }]));
      expect(third.body.left).toEqual([]);
      // an old token still answers the same (a retry of a sync whose answer was lost)
      expect(mine(await call('GET', `/v1/sync?since=${first.body.token}`, dave), a).status).toBe('changed');
      const gone = await call('GET', '/v1/sync?since=00000000-0000-4000-8000-000000000000', dave);
      expect(gone.status).toBe(410);
      expect(gone.body.code).toBe('RELOAD_REQUIRED');
      expect((await call('GET', `/v1/sync?since=${first.body.token}`, alice)).status).toBe(410); // another user's token
    });

    /** Puts a conversation's hot counters back (a lagging replica promoted): test-only reach into the adapter. */
    async function rewind(conv: string, seq: number, cursor: number) {
      const hot = s.deps.hot as unknown as { client?: { set(k: string, v: number): Promise<unknown> }; keys?: { seq(p: number, c: string): string; cursor(p: number, c: string): string }; convs?: Map<string, { seq: number; cursor?: number }> };
      if (hot.client && hot.keys) {
        const p = s.deps.log.partitionOf(conv);
        await hot.client.set(hot.keys.seq(p, conv), seq);
        await hot.client.set(hot.keys.cursor(p, conv), cursor);
      } else {
        const c = hot.convs!.get(conv)!;
        c.seq = seq;
        c.cursor = cursor;
      }
    }

    it('a hot tier that came back behind the warm store: the messages and changes it handed colliding positions are accepted again, none lost', async () => {
      const conv = (await call('POST', '/v1/conversations', alice, { members: ['bob'], kind: 'group' })).body.id as string;
      const first: string[] = [];
      for (let i = 1; i <= 3; i++) first.push((await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: `before ${i}` })).body.id);
      await eventually('3 messages stored', async () => (await s.deps.store.changeBounds([conv]))[0].last === 3);
      await rewind(conv, 1, 1); // the hot tier forgot seqs 2..3 and cursors 2..3
      const late = (await call('POST', `/v1/conversations/${conv}/messages`, bob, { text: 'after', client_id: 'late-1' })).body;
      expect(late).toMatchObject({ seq: 2, version: 2 }); // acked at a position the warm store holds
      const edit = (await call('PATCH', `/v1/messages/${first[0]}`, alice, { text: 'before 1 (edited)' })).body;
      expect(edit.version).toBeGreaterThanOrEqual(3); // 3 (a cursor the warm store holds) unless the repair of the late message came first
      // the persist worker finds both collisions and accepts them again past the warm store
      await eventually('the late message stored', async () => (await s.deps.store.getMessage(late.id)) !== null);
      const stored = await s.deps.store.getMessage(late.id);
      expect(stored).toMatchObject({ id: late.id, text: 'after', client_id: 'late-1', sender: 'bob' });
      expect(stored!.seq).toBeGreaterThan(3);
      await eventually('the edit stored', async () => (await s.deps.store.getMessage(first[0]))?.text === 'before 1 (edited)');
      const page = (await call('GET', `/v1/conversations/${conv}/messages?after=0&limit=10`, alice)).body.messages as { id: string; seq: number }[];
      expect(page.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(new Set(page.map((m) => m.id))).toEqual(new Set([...first, late.id]));
      const { raw } = await allChanges(conv, alice);
      const changes = raw.map((r) => JSON.parse(r) as Change);
      expect(changes.map((c) => c.cursor)).toEqual(changes.map((_, i) => i + 1)); // gap-free
      expect(changes.filter((c) => c.message?.id === late.id).at(-1)!.message.seq).toBe(stored!.seq);
      // later sends continue past everything stored
      const next = (await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: 'next' })).body;
      expect(next.seq).toBe(5);
    });

    it('a cursor older than the changes kept is RELOAD_REQUIRED (REST, WS and sync); a current one still reads', async () => {
      const conv = (await call('POST', '/v1/conversations', alice, { members: ['bob'] })).body.id as string;
      for (let i = 0; i < 8; i++) await call('POST', `/v1/conversations/${conv}/messages`, alice, { text: `p${i}` }); // 8 > CHANGE_RING_LIMIT
      const sync = await call('GET', '/v1/sync', bob);
      await eventually('the warm store holds every change', async () => (await s.deps.store.listChanges(conv, 0, 100)).length === 8);
      await s.deps.store.pruneChanges(new Date(Date.now() + 60_000).toISOString());
      const old = await call('GET', `/v1/conversations/${conv}/changes?after=1`, alice);
      expect(old.status).toBe(410);
      expect(old.body.code).toBe('RELOAD_REQUIRED');
      expect(old.body.detail).toMatch(/reload/);
      const ring = await call('GET', `/v1/conversations/${conv}/changes?after=4`, alice); // still in the change ring
      expect(ring.body.changes.map((c: Change) => c.cursor)).toEqual([5, 6, 7, 8]);
      expect((await call('GET', `/v1/conversations/${conv}/changes?after=8`, alice)).body).toEqual({ changes: [], cursor: 8, has_more: false });
      const ws = await WsClient.connect(base, alice);
      try {
        ws.send({ type: 'resume', ref: 'old', conversation_id: conv, after_cursor: 0 });
        expect(await ws.waitFor((f) => f.ref === 'old')).toMatchObject({ type: 'error', code: 'RELOAD_REQUIRED' });
      } finally {
        ws.close();
      }
      // bob's sync position for conv is 8 (taken after the sends): unchanged, not reload
      const again = await call('GET', `/v1/sync?since=${sync.body.token}`, bob);
      expect(again.body.conversations.find((c: { id: string }) => c.id === conv).status).toBe('unchanged');
    });
  });
}
