// Unit tests of the socket's ordering/retry logic against a scripted fake WebSocket, on vitest's
// fake clock: timers (the fake socket's open/close, backoff, ack retries) and Date move only when
// a test advances them, so "after the backoff" or "past ackTimeoutMs" is exact, not a sleep.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StrataRest } from './rest.js';
import { StrataSocket } from './socket.js';
import type { Message } from './types.js';

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
  id: `0190a0b4-0000-7000-8000-${String(seq).padStart(12, '0')}`, conversation_id: conv, seq, sender: 'bob', text: `m${seq}`,
  reply_to: null, client_id: null, created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
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

