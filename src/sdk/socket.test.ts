// Unit tests of the socket's ordering/retry logic against a scripted fake WebSocket, on vitest's
// fake clock: timers (the fake socket's open/close, backoff, ack retries) and Date move only when
// a test advances them, so "after the backoff" or "past ackTimeoutMs" is exact, not a sleep.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StrataRest } from './rest.js';
import { StrataSocket } from './socket.js';
import type { Change, Message } from './types.js';

class FakeWs {
  static last: FakeWs;
  readyState = 0;
  sent: any[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeWs.last = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
      this.push({ type: "ready" });
    }, 0);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000, reason = '') {
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }
  push(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

const conv = '0190a0b4-0000-7000-8000-00000000000c';
const msg = (seq: number): Message => ({
  id: `0190a0b4-0000-7000-8000-${String(seq).padStart(12, '0')}`, conversation_id: conv, seq, version: seq, sender: 'bob', text: `m${seq}`,
  reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: null, created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
});

/** connect(), with the fake socket's open and `ready` (a 0 ms timer) let through. */
async function connected(socket: StrataSocket): Promise<void> {
  const done = socket.connect();
  await vi.advanceTimersByTimeAsync(0);
  await done;
}

function make() {
  const rest = new StrataRest({ baseUrl: 'http://127.0.0.1:1', token: 'tok' });
  const socket = new StrataSocket({ rest, WebSocket: FakeWs as never, minBackoffMs: 1, maxBackoffMs: 5, ackTimeoutMs: 50 });
  const seen: number[] = [];
  socket.on('message', (m: Message) => seen.push(m.seq));
  return { socket, seen };
}

describe('StrataSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers each seq once and in order, resuming over a gap', async () => {
    const { socket, seen } = make();
    socket.track(conv, 0);
    await connected(socket);
    const ws = FakeWs.last;
    expect(ws.url).toContain('access_token=tok');
    expect(ws.sent[0]).toMatchObject({ type: 'resume', conversation_id: conv, after_seq: 0 });
    ws.push({ type: 'message', message: msg(1) });
    ws.push({ type: 'message', message: msg(1) });
    ws.push({ type: 'message', message: msg(3) }); // gap: 2 missing
    expect(seen).toEqual([1]);
    ws.push({ type: 'message', message: msg(2) });
    ws.push({ type: 'resumed', ref: ws.sent[0].ref, conversation_id: conv, last_seq: 3 });
    expect(seen).toEqual([1, 2, 3]);
    socket.close();
  });

  it('queues sends while offline and retries them with the same client_id after a reconnect', async () => {
    const { socket } = make();
    const acked = socket.send(conv, 'hello'); // not connected yet: queued
    await connected(socket);
    const first = FakeWs.last;
    const frame = first.sent.find((f) => f.type === 'send');
    expect(frame).toMatchObject({ text: 'hello', conversation_id: conv });
    first.close(1006, 'network'); // no ack: the connection drops
    await vi.advanceTimersByTimeAsync(50); // past the backoff (≤ 5 ms) and the new socket's open
    const second = FakeWs.last;
    expect(second).not.toBe(first);
    const again = second.sent.find((f) => f.type === 'send');
    expect(again.client_id).toBe(frame.client_id);
    second.push({ type: 'ack', ref: again.ref, message: { ...msg(1), client_id: frame.client_id } });
    expect((await acked).seq).toBe(1);
    socket.close();
  });

  it('a send frame carries thread_id, also_in_conversation, mentions, metadata and attachments when given, and only then', async () => {
    const { socket } = make();
    await connected(socket);
    const root = msg(1).id;
    const upload = '0190a4c2-0000-7000-8000-000000000001';
    const unacked = [
      socket.send(conv, 'in thread @bob', { thread_id: root, also_in_conversation: true, mentions: ['bob'], metadata: { k: 1 }, attachments: [upload] }),
      socket.send(conv, 'plain', { mentions: [], attachments: [] }),
    ];
    for (const p of unacked) p.catch(() => {}); // rejected by close(): never acked here
    const [reply, plain] = FakeWs.last.sent.filter((f) => f.type === 'send');
    expect(reply).toMatchObject({ text: 'in thread @bob', conversation_id: conv, thread_id: root, also_in_conversation: true, mentions: ['bob'], metadata: { k: 1 }, attachments: [upload] });
    expect(Object.keys(plain).sort()).toEqual(['client_id', 'conversation_id', 'ref', 'text', 'type']);
    socket.close();
  });

  it('stops reconnecting on a terminal close code', async () => {
    const { socket } = make();
    const states: string[] = [];
    socket.on('state', (s: string) => states.push(s));
    await connected(socket);
    const only = FakeWs.last;
    only.close(4401, 'bad token');
    await vi.advanceTimersByTimeAsync(30); // past any backoff (≤ 5 ms): a reconnect would have happened
    expect(socket.state).toBe('closed');
    expect(FakeWs.last).toBe(only);
    expect(states).toContain('closed');
  });

  it('an app-wide ban (4403) is terminal: no reconnect, queued sends rejected, the code in `disconnect`', async () => {
    const { socket } = make();
    const closes: { code: number }[] = [];
    socket.on('disconnect', (d) => closes.push(d));
    await connected(socket);
    const only = FakeWs.last;
    const unacked = socket.send(conv, 'too late');
    const refused = expect(unacked).rejects.toThrow(/4403/);
    only.close(4403, 'banned');
    await vi.advanceTimersByTimeAsync(10_000); // past every backoff (≤ 5 ms here): a reconnect would have happened
    await refused;
    expect(socket.state).toBe('closed');
    expect(FakeWs.last).toBe(only);
    expect(closes).toEqual([{ code: 4403, reason: 'banned' }]);
    await expect(socket.send(conv, 'after')).rejects.toThrow(/closed/);
  });

  it('SLOW_MODE: the send is retried once retry_after has passed, not before; MUTED rejects with muted_until', async () => {
    const { socket } = make(); // ackTimeoutMs 50, a retry tick every 250 ms
    await connected(socket);
    const ws = FakeWs.last;
    const slow = socket.send(conv, 'wait for it');
    const muted = socket.send(conv, 'hush');
    const [a, b] = ws.sent.filter((f) => f.type === 'send');
    ws.push({ type: 'error', ref: a.ref, code: 'SLOW_MODE', detail: 'slow mode', retryable: true, retry_after: 2 });
    ws.push({ type: 'error', ref: b.ref, code: 'MUTED', detail: 'muted', retryable: false, muted_until: '2030-01-01T00:00:00.000Z' });
    await expect(muted).rejects.toMatchObject({ code: 'MUTED', extra: { muted_until: '2030-01-01T00:00:00.000Z' } });
    const writes = () => ws.sent.filter((f) => f.type === 'send' && f.client_id === a.client_id).length;
    await vi.advanceTimersByTimeAsync(1_900);
    expect(writes()).toBe(1); // still waiting out the slow mode
    await vi.advanceTimersByTimeAsync(400); // past 2 s and the next retry tick
    expect(writes()).toBe(2);
    ws.push({ type: 'ack', ref: a.ref, message: msg(1) });
    expect((await slow).seq).toBe(1);
    socket.close();
  });

  it('fails over to the next endpoint after a drop and keeps the position', async () => {
    const rest = new StrataRest({ baseUrl: 'http://a:1', token: 'tok' });
    const socket = new StrataSocket({ rest, endpoints: ['http://a:1', 'http://b:2'], WebSocket: FakeWs as never, minBackoffMs: 1, maxBackoffMs: 5 });
    socket.track(conv, 7);
    await connected(socket);
    expect(FakeWs.last.url).toMatch(/^ws:\/\/a:1\/v1\/ws/);
    FakeWs.last.close(1006, 'node died');
    await vi.advanceTimersByTimeAsync(40); // past the backoff (≤ 5 ms) and the new socket's open
    expect(FakeWs.last.url).toMatch(/^ws:\/\/b:2\/v1\/ws/);
    expect(FakeWs.last.sent[0]).toMatchObject({ type: 'resume', conversation_id: conv, after_seq: 7 });
    socket.close();
  });

  it('keeps a send pending on a retryable error and rejects it on a final one', async () => {
    const { socket } = make();
    await connected(socket);
    const ws = FakeWs.last;
    const limited = socket.send(conv, 'later');
    const refused = socket.send(conv, 'never');
    const [a, b] = ws.sent.filter((f) => f.type === 'send');
    ws.push({ type: 'error', ref: a.ref, code: 'RATE_LIMITED', detail: 'slow down' });
    ws.push({ type: 'error', ref: b.ref, code: 'CONVERSATION_NOT_FOUND', detail: 'no' });
    await expect(refused).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    await vi.advanceTimersByTimeAsync(300); // past ackTimeoutMs and a retry tick (every 250 ms): written again, same client_id
    const retries = ws.sent.filter((f) => f.type === 'send' && f.client_id === a.client_id);
    expect(retries.length).toBeGreaterThan(1);
    ws.push({ type: 'ack', ref: a.ref, message: msg(1) });
    expect((await limited).seq).toBe(1);
    socket.close();
  });
});

// The change log (docs/changes.md): positions by cursor, every kind of change replayed.
const at = '2026-01-01T00:00:00.000Z';
const ch = {
  message: (cursor: number, seq: number): Change => ({ type: 'message', cursor, message: { ...msg(seq), version: cursor } }),
  edit: (cursor: number, seq: number, text: string): Change => ({ type: 'edit', cursor, message: { ...msg(seq), version: cursor, text, edited_at: at } }),
  delete: (cursor: number, seq: number): Change => ({ type: 'delete', cursor, message: { ...msg(seq), version: cursor, text: null, deleted_at: at } }),
  reaction: (cursor: number, seq: number, reaction: string, removed = false): Change =>
    ({ type: 'reaction', cursor, conversation_id: conv, message_id: msg(seq).id, user: 'carol', reaction, removed, at }),
  member: (cursor: number, user: string): Change => ({ type: 'member', cursor, conversation_id: conv, user, role: 'member', change: 'added', by: 'alice', at }),
  title: (cursor: number, title: string): Change => ({ type: 'conversation', cursor, conversation_id: conv, title, by: 'alice', at }),
  pin: (cursor: number, seq: number, pinned = true): Change => ({ type: 'pin', cursor, conversation_id: conv, message_id: msg(seq).id, seq, pinned, by: 'alice', at }),
};

/** A socket whose REST half answers from `routes` (path+query → JSON body, or a status). */
function makeWithRest(routes: (url: URL) => { status: number; body: unknown }) {
  const calls: string[] = [];
  const fetch = (async (input: string) => {
    const url = new URL(input);
    calls.push(`${url.pathname}${url.search}`);
    const { status, body } = routes(url);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  const rest = new StrataRest({ baseUrl: 'http://127.0.0.1:1', token: 'tok', fetch });
  const socket = new StrataSocket({ rest, WebSocket: FakeWs as never, minBackoffMs: 1, maxBackoffMs: 5, ackTimeoutMs: 50 });
  return { socket, calls, ...record(socket) };
}

/** Everything the socket emits about changes, in order. */
function record(socket: StrataSocket) {
  const log: string[] = [];
  const cursors: number[] = [];
  socket.on('change', (c) => cursors.push(c.cursor));
  socket.on('message', (m) => log.push(`message ${m.seq}`));
  socket.on('edit', (c) => log.push(`edit ${c.message.seq} ${c.message.text}`));
  socket.on('delete', (c) => log.push(`delete ${c.message.seq} ${c.message.text}`));
  socket.on('reaction', (c) => log.push(`reaction ${c.reaction} ${c.removed ? 'off' : 'on'}`));
  socket.on('member', (c) => log.push(`member ${c.user} ${c.change}`));
  socket.on('conversation', (c) => log.push(`title ${c.title}`));
  const reloads: string[] = [];
  socket.on('reload', (r) => reloads.push(`${r.conversation_id} ${r.code}`));
  return { log, cursors, reloads };
}

const resumes = (ws: FakeWs) => ws.sent.filter((f) => f.type === 'resume');

describe('StrataSocket by cursor', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resumes by cursor after a reconnect and replays every kind of change as typed events, once, in order', async () => {
    const { socket, log, cursors } = makeWithRest(() => ({ status: 500, body: {} }));
    socket.track(conv, 2, 5);
    await connected(socket);
    let ws = FakeWs.last;
    expect(resumes(ws)).toEqual([{ type: 'resume', ref: expect.any(String), conversation_id: conv, after_cursor: 5 }]);
    ws.push(ch.edit(6, 1, 'm1 edited'));
    ws.push(ch.delete(7, 2));
    ws.push(ch.reaction(8, 1, '👍'));
    ws.push(ch.member(9, 'carol'));
    ws.push(ch.title(10, 'lunch'));
    ws.push(ch.message(11, 3));
    ws.push({ type: 'resumed', ref: resumes(ws)[0].ref, conversation_id: conv, cursor: 11 });
    ws.push(ch.title(10, 'lunch')); // a duplicate: dropped
    expect(cursors).toEqual([6, 7, 8, 9, 10, 11]);
    expect(log).toEqual(['edit 1 m1 edited', 'delete 2 null', 'reaction 👍 on', 'member carol added', 'title lunch', 'message 3']);
    expect(socket.cursor(conv)).toBe(11);

    ws.close(1006, 'network');
    await vi.advanceTimersByTimeAsync(50); // past the backoff (≤ 5 ms) and the new socket's open
    expect(FakeWs.last).not.toBe(ws);
    ws = FakeWs.last;
    expect(resumes(ws)).toEqual([expect.objectContaining({ conversation_id: conv, after_cursor: 11 })]);
    expect(resumes(ws)[0]).not.toHaveProperty('after_seq');
    socket.close();
  });

  it('a live cursor gap resumes from the last change; what was held is released in order without duplicates', async () => {
    const { socket, log, cursors } = makeWithRest(() => ({ status: 500, body: {} }));
    socket.track(conv, 0, 0);
    await connected(socket);
    const ws = FakeWs.last;
    ws.push({ type: 'resumed', ref: resumes(ws)[0].ref, conversation_id: conv, cursor: 0 });
    ws.push(ch.message(1, 1));
    ws.push(ch.reaction(3, 1, '🎉')); // 2 missing
    expect(cursors).toEqual([1]);
    expect(resumes(ws).at(-1)).toMatchObject({ conversation_id: conv, after_cursor: 1 });
    ws.push(ch.reaction(4, 1, '🎉', true)); // still behind the gap: held, no second resume
    expect(resumes(ws)).toHaveLength(2);
    ws.push(ch.edit(2, 1, 'one'));
    ws.push(ch.reaction(3, 1, '🎉'));
    ws.push({ type: 'resumed', ref: resumes(ws)[1].ref, conversation_id: conv, cursor: 3 });
    expect(cursors).toEqual([1, 2, 3, 4]);
    expect(log).toEqual(['message 1', 'edit 1 one', 'reaction 🎉 on', 'reaction 🎉 off']);
    expect(resumes(ws)).toHaveLength(2);
    socket.close();
  });

  it('a pin change takes its turn in the cursor order like any other (no gap, no resume)', async () => {
    const { socket, log, cursors } = makeWithRest(() => ({ status: 500, body: {} }));
    const pins: string[] = [];
    socket.on('pin', (c) => pins.push(`${c.seq} ${c.pinned ? 'pinned' : 'unpinned'} by ${c.by}`));
    socket.track(conv, 0, 0);
    await connected(socket);
    const ws = FakeWs.last;
    ws.push({ type: 'resumed', ref: resumes(ws)[0].ref, conversation_id: conv, cursor: 0 });
    ws.push(ch.message(1, 1));
    ws.push({ type: 'pin', cursor: 2, conversation_id: conv, message_id: msg(1).id, seq: 1, pinned: true, by: 'alice', at });
    ws.push(ch.message(3, 2));
    expect(cursors).toEqual([1, 2, 3]);
    expect(log).toEqual(['message 1', 'message 2']);
    expect(pins).toEqual(['1 pinned by alice']);
    expect(resumes(ws)).toHaveLength(1);
    socket.close();
  });

  it('pins and unpins missed while away come back as pin events, once, in order: replayed by a resume and paged from REST', async () => {
    const { socket, cursors } = makeWithRest((url) => {
      if (url.searchParams.get('after') === '3') return { status: 200, body: { changes: [ch.pin(4, 1, false), ch.pin(5, 2)], cursor: 5, has_more: false } };
      return { status: 500, body: {} };
    });
    const pins: string[] = [];
    socket.on('pin', (c) => pins.push(`${c.cursor}: ${c.seq} ${c.pinned ? 'pinned' : 'unpinned'}`));
    socket.track(conv, 2, 1);
    await connected(socket);
    let ws = FakeWs.last;
    ws.push(ch.pin(2, 1));
    ws.push(ch.pin(3, 2, false));
    ws.push({ type: 'resumed', ref: resumes(ws)[0].ref, conversation_id: conv, cursor: 3 });
    ws.push(ch.pin(3, 2, false)); // a duplicate: dropped
    expect(pins).toEqual(['2: 1 pinned', '3: 2 unpinned']);

    ws.close(1006, 'network');
    await vi.advanceTimersByTimeAsync(50);
    ws = FakeWs.last;
    expect(resumes(ws)).toEqual([expect.objectContaining({ after_cursor: 3 })]);
    ws.push({ type: 'error', ref: resumes(ws)[0].ref, code: 'RESUME_TOO_FAR', detail: 'many' });
    await vi.waitFor(() => expect(resumes(ws)).toHaveLength(2));
    expect(pins).toEqual(['2: 1 pinned', '3: 2 unpinned', '4: 1 unpinned', '5: 2 pinned']);
    expect(cursors).toEqual([2, 3, 4, 5]);
    expect(resumes(ws)[1]).toMatchObject({ after_cursor: 5 });
    socket.close();
  });

  it('a change of a type this SDK does not know yet (a later server) keeps the order too, emitted under its type', async () => {
    const { socket, log, cursors } = makeWithRest(() => ({ status: 500, body: {} }));
    const later: unknown[] = [];
    socket.on('moderation', (c) => later.push(c.action));
    socket.track(conv, 0, 0);
    await connected(socket);
    const ws = FakeWs.last;
    ws.push({ type: 'resumed', ref: resumes(ws)[0].ref, conversation_id: conv, cursor: 0 });
    ws.push(ch.message(1, 1));
    ws.push({ type: 'moderation', cursor: 2, conversation_id: conv, action: 'mute' });
    ws.push(ch.message(3, 2));
    expect(cursors).toEqual([1, 2, 3]);
    expect(log).toEqual(['message 1', 'message 2']);
    expect(later).toEqual(['mute']);
    expect(resumes(ws)).toHaveLength(1);
    socket.close();
  });

  it('seen live first, an untracked conversation starts from that change', async () => {
    const { socket, cursors } = makeWithRest(() => ({ status: 500, body: {} }));
    await connected(socket);
    const ws = FakeWs.last;
    ws.push(ch.member(41, 'dave'));
    ws.push(ch.message(42, 9));
    expect(cursors).toEqual([41, 42]);
    expect(resumes(ws)).toEqual([]);
    expect(socket.lastSeq(conv)).toBe(9);
    socket.close();
  });

  it('an acked send takes its turn at its version: after the changes before it, once, with no resume', async () => {
    const { socket, log, cursors } = makeWithRest(() => ({ status: 500, body: {} }));
    socket.track(conv, 0, 0);
    await connected(socket);
    const ws = FakeWs.last;
    ws.push({ type: 'resumed', ref: resumes(ws)[0].ref, conversation_id: conv, cursor: 0 });
    const sent = socket.send(conv, 'mine');
    const frame = ws.sent.find((f) => f.type === 'send');
    const stored = { ...msg(2), text: 'mine', sender: 'alice', client_id: frame.client_id, version: 3 };
    ws.push({ type: 'ack', ref: frame.ref, message: stored });
    expect((await sent).seq).toBe(2);
    expect(log).toEqual([]); // cursors 1 and 2 come first
    ws.push(ch.message(1, 1));
    ws.push(ch.reaction(2, 1, '👍'));
    expect(log).toEqual(['message 1', 'reaction 👍 on', 'message 2']);
    ws.push({ type: 'message', cursor: 3, message: stored }); // its live frame, after the ack
    expect(cursors).toEqual([1, 2, 3]);
    expect(log).toHaveLength(3);
    expect(resumes(ws)).toHaveLength(1);
    socket.close();
  });

  it('RELOAD_REQUIRED emits reload; live changes wait for reset(), which resumes after the new cursor', async () => {
    const { socket, log, cursors, reloads } = makeWithRest(() => ({ status: 500, body: {} }));
    socket.track(conv, 5, 10);
    await connected(socket);
    const ws = FakeWs.last;
    ws.push({ type: 'error', ref: resumes(ws)[0].ref, code: 'RELOAD_REQUIRED', detail: 'cursor 10 is older than the server keeps' });
    expect(reloads).toEqual([`${conv} RELOAD_REQUIRED`]);
    expect(socket.cursor(conv)).toBeUndefined();
    expect(socket.awaitingReload(conv)).toBe(true);
    socket.track(conv, 30, 50); // only reset() ends a reload: the app must have loaded it again
    ws.push(ch.title(40, 'kept'));
    ws.push(ch.title(41, 'newer'));
    expect(cursors).toEqual([]); // nothing is applied to a conversation being reloaded
    socket.reset(conv, 40, 20); // the app loaded it again at cursor 40: 41, held meanwhile, applies
    expect(socket.awaitingReload(conv)).toBe(false);
    expect(cursors).toEqual([41]);
    expect(log).toEqual(['title newer']);
    expect(resumes(ws).at(-1)).toMatchObject({ conversation_id: conv, after_cursor: 41 });
    ws.push(ch.title(41, 'newer')); // a duplicate
    ws.push(ch.message(42, 21));
    expect(cursors).toEqual([41, 42]);
    expect(log).toEqual(['title newer', 'message 21']);
    socket.close();
  });

  it('RESUME_TOO_FAR pages GET …/changes, then resumes by cursor', async () => {
    const { socket, calls, cursors, log } = makeWithRest((url) => {
      const after = Number(url.searchParams.get('after'));
      if (after === 0) return { status: 200, body: { changes: [ch.message(1, 1), ch.edit(2, 1, 'x')], cursor: 3, has_more: true } };
      if (after === 2) return { status: 200, body: { changes: [ch.delete(3, 1)], cursor: 3, has_more: false } };
      return { status: 500, body: {} };
    });
    socket.track(conv, 0, 0);
    await connected(socket);
    const ws = FakeWs.last;
    ws.push({ type: 'error', ref: resumes(ws)[0].ref, code: 'RESUME_TOO_FAR', detail: '1,200 changes missing' });
    await vi.waitFor(() => expect(resumes(ws)).toHaveLength(2));
    expect(calls).toEqual([`/v1/conversations/${conv}/changes?after=0&limit=1000`, `/v1/conversations/${conv}/changes?after=2&limit=1000`]);
    expect(resumes(ws)[1]).toMatchObject({ conversation_id: conv, after_cursor: 3 });
    expect(cursors).toEqual([1, 2, 3]);
    expect(log).toEqual(['message 1', 'edit 1 x', 'delete 1 null']);
    socket.close();
  });

  it('RESUME_TOO_FAR whose REST paging answers 410 RELOAD_REQUIRED emits reload', async () => {
    const { socket, reloads } = makeWithRest(() => ({ status: 410, body: { type: 'about:blank', title: 'Gone', status: 410, code: 'RELOAD_REQUIRED', detail: 'too old' } }));
    socket.track(conv, 0, 3);
    await connected(socket);
    const ws = FakeWs.last;
    ws.push({ type: 'error', ref: resumes(ws)[0].ref, code: 'RESUME_TOO_FAR', detail: 'too many' });
    await vi.waitFor(() => expect(reloads).toEqual([`${conv} RELOAD_REQUIRED`]));
    expect(socket.state).toBe('open');
    socket.close();
  });

  it('offline() drops the socket and waits for online(), which reconnects at once and resumes by cursor', async () => {
    const { socket } = makeWithRest(() => ({ status: 500, body: {} }));
    const states: string[] = [];
    socket.on('state', (s) => states.push(s));
    socket.track(conv, 0, 7);
    await connected(socket);
    const first = FakeWs.last;
    socket.offline();
    expect(socket.state).toBe('offline');
    const queued = socket.send(conv, 'written once online');
    await vi.advanceTimersByTimeAsync(1000); // far past any backoff: no reconnect while offline
    expect(FakeWs.last).toBe(first);
    first.push(ch.title(8, 'from a socket left behind')); // a late frame of the dropped socket: ignored
    expect(socket.cursor(conv)).toBe(7);
    socket.online();
    await vi.advanceTimersByTimeAsync(0);
    const second = FakeWs.last;
    expect(second).not.toBe(first);
    expect(socket.state).toBe('open');
    expect(resumes(second)).toEqual([expect.objectContaining({ after_cursor: 7 })]);
    const send = second.sent.find((f) => f.type === 'send');
    expect(send).toMatchObject({ text: 'written once online' });
    second.push({ type: 'ack', ref: send.ref, message: { ...msg(1), version: 8 } });
    expect((await queued).seq).toBe(1);
    expect(states).toEqual(['connecting', 'open', 'offline', 'connecting', 'open']);
    socket.close();
  });

  it('a conversation tracked by seq only keeps resuming by seq', async () => {
    const { socket, log } = makeWithRest(() => ({ status: 500, body: {} }));
    socket.track(conv, 4);
    await connected(socket);
    const ws = FakeWs.last;
    expect(resumes(ws)[0]).toMatchObject({ after_seq: 4 });
    ws.push(ch.message(9, 5)); // a change frame: its message still ordered by seq
    ws.push(ch.edit(10, 5, 'e'));
    expect(log).toEqual(['message 5', 'edit 5 e']);
    expect(socket.cursor(conv)).toBeUndefined();
    socket.track(conv, 5, 10); // the app learnt its cursor: from now on by cursor
    ws.close(1006, 'network');
    await vi.advanceTimersByTimeAsync(50);
    expect(resumes(FakeWs.last)[0]).toMatchObject({ after_cursor: 10 });
    socket.close();
  });

  it('a resume refused because another of the same conversation still runs is left to that one', async () => {
    const { socket, calls, cursors, reloads } = makeWithRest(() => ({ status: 500, body: {} }));
    socket.track(conv, 0, 3);
    await connected(socket);
    const ws = FakeWs.last;
    socket.reset(conv, 5); // the app reloaded it meanwhile: a second resume, while the first runs
    const [running, second] = resumes(ws);
    expect(second).toMatchObject({ after_cursor: 5 });
    ws.push({ type: 'error', ref: second.ref, code: 'VALIDATION_FAILED', detail: 'a resume of this conversation is already running on this socket' });
    ws.push(ch.title(4, 'older')); // the running one replays from 3: at or before 5, dropped
    ws.push(ch.title(5, 'old'));
    ws.push(ch.title(6, 'new'));
    ws.push({ type: 'resumed', ref: running.ref, conversation_id: conv, cursor: 6 });
    expect(cursors).toEqual([6]);
    expect(calls).toEqual([]); // no REST catch-up
    expect(reloads).toEqual([]);
    expect(resumes(ws)).toHaveLength(2);
    socket.close();
  });

  it('RELOAD_REQUIRED for a position reset() has replaced meanwhile is not a reload: the new position resumes', async () => {
    const { socket, reloads, cursors } = makeWithRest(() => ({ status: 500, body: {} }));
    socket.track(conv, 0, 1);
    await connected(socket);
    const ws = FakeWs.last;
    socket.reset(conv, 4, 3); // the app reloaded it (its sync said `reload`) before the socket heard
    const [old, mine] = resumes(ws);
    ws.push({ type: 'error', ref: mine.ref, code: 'VALIDATION_FAILED', detail: 'a resume of this conversation is already running on this socket' });
    ws.push({ type: 'error', ref: old.ref, code: 'RELOAD_REQUIRED', detail: 'cursor 1 is older than the changes kept' });
    expect(reloads).toEqual([]);
    expect(socket.cursor(conv)).toBe(4);
    expect(resumes(ws).map((r) => r.after_cursor)).toEqual([1, 4, 4]);
    ws.push(ch.title(5, 'after the reload'));
    expect(cursors).toEqual([5]);
    socket.close();
  });
});
