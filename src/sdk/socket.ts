// Real-time half of the SDK. Guarantees to the application:
// - per conversation positioned by cursor (track(id, lastSeq, cursor), reset(), or first seen
//   live), every change (docs/changes.md: message, edit, delete, reaction, member,
//   conversation, pin) is emitted once and in cursor order: duplicates are dropped, a cursor gap
//   triggers a resume by cursor, RESUME_TOO_FAR pages GET …/changes then resumes, and
//   RELOAD_REQUIRED emits `reload` (the app loads that conversation again, then reset());
// - a conversation positioned by seq only (track(id, lastSeq)) keeps the older contract:
//   `message` events once and in seq order, a gap or a reconnect resumes by seq;
// - after a reconnect (backoff with jitter, or at once after online()), every tracked
//   conversation resumes from its position, on whichever node the socket lands;
// - sends queue while offline and are retried with the same client_id until acked, so a send
//   retried across a reconnect is stored once.
// One file on purpose: connection state, the ordering buffers and the pending sends change
// together on every open/close/frame, and splitting them would spread one state machine.
import type { Change, Message, SendOptions, SocketEvents, SocketState } from './types.js';
import type { StrataRest } from './rest.js';

export type { SocketEvents, SocketState } from './types.js';
type Listener = (payload: any) => void;

/** Error codes after which an unacked send is retried (same client_id) instead of rejected. */
const RETRYABLE = new Set(['RATE_LIMITED', 'BACKPRESSURE', 'UNAVAILABLE', 'INTERNAL']);

interface WsLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: { message?: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
type WsCtor = new (url: string) => WsLike;

export interface SocketOptions {
  rest: StrataRest;
  /** Base URLs of API nodes to (re)connect to, tried in turn after each failure (client-side
   *  failover when there is no load balancer); default: the REST base URL. */
  endpoints?: string[];
  /** WebSocket implementation; defaults to the global one, else the `ws` package. */
  WebSocket?: WsCtor;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Re-send an unacked `send` after this long (same client_id). */
  ackTimeoutMs?: number;
}

interface PendingSend {
  ref: string;
  frame: Record<string, unknown>;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
  sentAt: number;
}

interface Track {
  lastSeq: number;
  /** The last change applied; undefined: positioned by seq only, or waiting for reset() after
   *  RELOAD_REQUIRED (`reloading`). */
  cursor: number | undefined;
  reloading: boolean;
  /** By seq: out-of-order live messages waiting for the gap before them to fill. */
  buffer: Map<number, Message>;
  /** By cursor: changes waiting for the gap before them (`acked`: made from a send's ack, whose
   *  live frame will come in order anyway, so it triggers no resume). */
  held: Map<number, { change: Change; acked: boolean }>;
  resuming: boolean;
}

const newTrack = (lastSeq: number, cursor: number | undefined): Track =>
  ({ lastSeq, cursor, reloading: false, buffer: new Map(), held: new Map(), resuming: false });

/** The fields of an error frame; the others (`muted_until`…) go to the rejected error's `extra`. */
const FRAME_FIELDS = new Set(['type', 'ref', 'code', 'detail', 'retryable']);

/** Codes after which a conversation is no longer ours: stop tracking it. */
const GONE = new Set(['CONVERSATION_NOT_FOUND', 'FORBIDDEN']);

function conversationOf(c: Change): string {
  return c.type === 'message' || c.type === 'edit' || c.type === 'delete' ? c.message.conversation_id : c.conversation_id;
}

/** Node 20 has no global WebSocket: the `ws` package (an optional peer dependency) stands in. */
async function importWs(): Promise<WsCtor> {
  try {
    return (await import('ws')).default as unknown as WsCtor;
  } catch {
    throw new Error('no global WebSocket in this runtime (Node 20): install the `ws` package (npm install ws), or pass the `WebSocket` option');
  }
}

let counter = 0;
const newId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${(counter++).toString(36)}`;

export class StrataSocket {
  state: SocketState = 'idle';
  private ws: WsLike | undefined;
  private listeners = new Map<string, Set<Listener>>();
  private pending = new Map<string, PendingSend>();
  private tracks = new Map<string, Track>();
  /** Resumes in flight: their conversation, and the position (track) each was sent for. */
  private resumeRefs = new Map<string, { conv: string; track: Track }>();
  private attempt = 0;
  private onReady: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setInterval> | undefined;
  private endpoint = 0;
  private refused = false;
  private suspended = false;

  constructor(private opts: SocketOptions) {}

  /** Subscribes to a typed event; returns the unsubscribe function. */
  on<K extends keyof SocketEvents>(event: K, fn: (payload: SocketEvents[K]) => void): () => void;
  on(event: string, fn: Listener): () => void;
  on(event: string, fn: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  private emit(event: string, payload: unknown) {
    for (const fn of this.listeners.get(event) ?? []) fn(payload);
  }

  private setState(s: SocketState) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  /** Remember a conversation's position: after a reconnect it resumes from here. With
   *  `cursor` (the change log's, e.g. from GET /v1/sync or GET …/changes), it resumes by cursor
   *  and replays every kind of change; without, by seq (messages only). A position already known
   *  by cursor is never moved by track() (that would skip changes not yet replayed): reset()
   *  moves it. A new conversation tracked by cursor while the socket is open resumes at once. */
  track(conversationId: string, lastSeq = 0, cursor?: number) {
    const t = this.tracks.get(conversationId);
    if (!t) {
      const n = newTrack(lastSeq, cursor);
      this.tracks.set(conversationId, n);
      if (cursor !== undefined && this.state === 'open') this.resume(conversationId, n);
    } else if (t.cursor === undefined && !t.reloading) {
      if (lastSeq > t.lastSeq) t.lastSeq = lastSeq;
      if (cursor !== undefined) t.cursor = cursor;
    }
  }

  /** Sets a conversation's position exactly (after reloading it, e.g. on `reload`): changes
   *  after `cursor` are replayed (a resume by cursor at once when open), nothing at or before. */
  reset(conversationId: string, cursor: number, lastSeq = 0) {
    const old = this.tracks.get(conversationId);
    const t = newTrack(lastSeq, cursor);
    if (old?.reloading) for (const [c, h] of old.held) if (c > cursor) t.held.set(c, h); // live while reloading
    this.tracks.set(conversationId, t);
    this.drain(t);
    if (this.state === 'open') this.resume(conversationId, t);
  }

  /** Stops tracking a conversation (left it, or closed its view for good). */
  untrack(conversationId: string) {
    this.tracks.delete(conversationId);
  }

  lastSeq(conversationId: string): number {
    return this.tracks.get(conversationId)?.lastSeq ?? 0;
  }

  /** Whether a conversation waits for the app to load it again and reset() it (after `reload`). */
  awaitingReload(conversationId: string): boolean {
    return this.tracks.get(conversationId)?.reloading ?? false;
  }

  /** The cursor of the last change emitted for a conversation (undefined: not positioned by cursor). */
  cursor(conversationId: string): number | undefined {
    return this.tracks.get(conversationId)?.cursor;
  }

  /** The node the socket is (or will next be) connected to. */
  get endpointUrl(): string {
    const list = this.opts.endpoints?.length ? this.opts.endpoints : [this.opts.rest.baseUrl];
    return list[this.endpoint % list.length].replace(/\/$/, '');
  }

  async connect(): Promise<void> {
    if (this.state === 'open' || this.state === 'connecting' || this.ws || this.suspended) return;
    clearTimeout(this.timer);
    this.setState(this.attempt ? 'reconnecting' : 'connecting');
    let Ctor: WsCtor;
    let url: string;
    try {
      Ctor = this.opts.WebSocket ?? (globalThis as { WebSocket?: WsCtor }).WebSocket ?? (await importWs());
      url = `${this.endpointUrl.replace(/^http/, 'ws')}/v1/ws?access_token=${encodeURIComponent(await this.opts.rest.token())}`;
    } catch (e) {
      if (!this.attempt) this.setState('idle'); // the first connect() failed before any socket: it may be called again
      throw e;
    }
    await new Promise<void>((resolve) => {
      const ws = new Ctor(url);
      this.ws = ws;
      // Live delivery starts once the server has subscribed the socket to the user's
      // conversations and says `ready`; resuming only then covers everything sent before.
      let fallback: ReturnType<typeof setTimeout> | undefined;
      const ready = () => {
        clearTimeout(fallback);
        if (this.ws !== ws || this.onReady !== ready) return;
        this.onReady = undefined;
        this.setState('open');
        this.resumeRefs.clear(); // answers to the last socket's resumes never come
        for (const t of this.tracks.values()) t.resuming = false;
        for (const [conv, t] of this.tracks) if (!t.reloading) this.resume(conv, t);
        for (const p of this.pending.values()) this.write(p.frame, p);
        resolve();
      };
      ws.onopen = () => {
        this.attempt = 0;
        this.onReady = ready;
        fallback = setTimeout(ready, 5000); // a server that never says `ready`: go on regardless
      };
      ws.onmessage = (ev) => {
        if (this.ws === ws) this.onFrame(String(ev.data)); // not a socket left behind by offline()
      };
      ws.onerror = (ev) => {
        // Node's `ws` names a refused upgrade ("Unexpected server response: 401"): a bad token
        // will not get better by retrying. Otherwise the close event schedules the reconnect.
        if (/server response: 40[13]\b/.test(ev?.message ?? '')) this.refused = true;
      };
      ws.onclose = (ev) => {
        clearTimeout(fallback);
        resolve();
        if (this.ws !== ws) return;
        this.ws = undefined;
        if (this.state === 'closed') return;
        this.emit('disconnect', { code: ev.code, reason: ev.reason });
        // 4400–4499: the server says do not reconnect (bad token, policy); see the gateway's close codes
        if ((ev.code >= 4400 && ev.code < 4500) || this.refused) {
          this.setState('closed');
          clearInterval(this.ackTimer);
          this.ackTimer = undefined;
          for (const p of this.pending.values()) p.reject(new Error(`socket closed: ${this.refused ? 'token refused' : `${ev.code} ${ev.reason}`}`));
          this.pending.clear();
          return;
        }
        this.endpoint++; // the next attempt tries the next node
        this.scheduleReconnect();
      };
    });
    this.ackTimer ??= setInterval(() => this.retryUnacked(), Math.max(250, (this.opts.ackTimeoutMs ?? 5000) / 2));
  }

  private scheduleReconnect() {
    if (this.suspended) return;
    this.setState('reconnecting');
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 10_000;
    const delay = Math.min(max, min * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect().catch(() => {
      this.ws = undefined;
      this.scheduleReconnect(); // the token function or the import failed: try again later
    }), delay);
  }

  /** Drops the connection as a network failure would (tests, app going to background). */
  drop() {
    const ws = this.ws as (WsLike & { terminate?: () => void }) | undefined;
    if (ws?.terminate) ws.terminate(); // Node `ws`: cut the TCP connection, no close handshake
    else ws?.close(4000, 'client drop');
  }

  /** The device went offline (the browser's `offline` event): the connection is dropped at once
   *  and no reconnect is tried until online(); sends keep queueing. */
  offline() {
    if (this.state === 'closed') return;
    this.suspended = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = undefined; // its close event, whenever it comes, is a stale socket's
    this.onReady = undefined;
    if (ws) {
      try {
        ws.close(4000, 'offline');
      } catch {
        // already closing
      }
      this.emit('disconnect', { code: 4000, reason: 'offline' });
    }
    this.setState('offline');
  }

  /** Back online (the browser's `online` event): reconnects now, then resumes every conversation. */
  online() {
    if (!this.suspended) return;
    this.suspended = false;
    if (this.state === 'closed') return;
    this.connect().catch(() => this.scheduleReconnect());
  }

  close() {
    this.suspended = false;
    this.setState('closed');
    clearTimeout(this.timer);
    clearInterval(this.ackTimer);
    this.ackTimer = undefined;
    this.ws?.close(1000, 'bye');
    this.ws = undefined;
    for (const p of this.pending.values()) p.reject(new Error('socket closed by the application'));
    this.pending.clear();
  }

  /** Sends a message; resolves with the stored message once acked (queued while offline). The
   *  options are those of the REST send: `thread_id` (+ `also_in_conversation`) replies in a
   *  thread, `mentions` names members. */
  send(conversationId: string, text: string, opts: SendOptions = {}): Promise<Message> {
    const ref = newId();
    const frame = {
      type: 'send', ref, conversation_id: conversationId, text, client_id: opts.client_id ?? newId(),
      ...(opts.reply_to ? { reply_to: opts.reply_to } : {}),
      ...(opts.thread_id ? { thread_id: opts.thread_id } : {}),
      ...(opts.also_in_conversation !== undefined ? { also_in_conversation: opts.also_in_conversation } : {}),
      ...(opts.mentions?.length ? { mentions: opts.mentions } : {}),
      ...(opts.metadata !== undefined ? { metadata: opts.metadata } : {}),
      ...(opts.attachments?.length ? { attachments: opts.attachments } : {}),
    };
    if (this.state === 'closed') return Promise.reject(new Error('socket closed: call connect() first'));
    return new Promise((resolve, reject) => {
      const p: PendingSend = { ref, frame, resolve, reject, sentAt: 0 };
      this.pending.set(ref, p);
      this.write(frame, p);
    });
  }

  read(conversationId: string, seq: number) {
    this.write({ type: 'read', conversation_id: conversationId, seq });
  }
  typing(conversationId: string) {
    this.write({ type: 'typing', conversation_id: conversationId });
  }
  react(messageId: string, reaction: string, remove = false) {
    this.write({ type: 'react', message_id: messageId, reaction, ...(remove ? { remove: true } : {}) });
  }

  private write(frame: Record<string, unknown>, p?: PendingSend) {
    if (!this.ws || this.ws.readyState !== 1) return; // queued: written on (re)connect
    if (p) p.sentAt = Date.now();
    this.ws.send(JSON.stringify(frame));
  }

  private retryUnacked() {
    const timeout = this.opts.ackTimeoutMs ?? 5000;
    for (const p of this.pending.values()) if (p.sentAt && Date.now() - p.sentAt > timeout) this.write(p.frame, p);
  }

  private resume(conversationId: string, t: Track) {
    if (t.reloading) return;
    const ref = newId();
    t.resuming = true;
    this.resumeRefs.set(ref, { conv: conversationId, track: t });
    const from = t.cursor === undefined ? { after_seq: t.lastSeq } : { after_cursor: t.cursor };
    this.write({ type: 'resume', ref, conversation_id: conversationId, ...from });
  }

  private onFrame(raw: string) {
    let f: any;
    try {
      f = JSON.parse(raw);
    } catch {
      return; // the server only sends JSON; ignore anything else
    }
    // every frame with a cursor but `resumed` is a change, of a type this SDK knows or a later one:
    // a change it does not know still takes its place in the order (the cursor has no gap)
    if (typeof f.cursor === 'number' && f.type !== 'resumed') return this.onChange(f as Change);
    switch (f.type) {
      case 'ready':
        this.onReady?.();
        this.emit('ready', f);
        return;
      case 'ack': {
        const p = this.pending.get(f.ref);
        if (!p) return;
        this.pending.delete(f.ref);
        p.resolve(f.message);
        this.deliverAcked(f.message);
        return;
      }
      case 'message': // a server without the change log: ordered by seq
        this.deliver(f.message);
        return;
      case 'resumed': {
        const conv = this.resumeRefs.get(f.ref)?.conv ?? f.conversation_id;
        this.resumeRefs.delete(f.ref);
        const t = this.tracks.get(conv);
        if (t) {
          t.resuming = false;
          if (t.cursor === undefined ? t.buffer.size > 0 : this.gapOpen(t)) this.resume(conv, t);
        }
        this.emit('resumed', { conversation_id: conv, ...(typeof f.cursor === 'number' ? { cursor: f.cursor } : {}), ...(typeof f.last_seq === 'number' ? { last_seq: f.last_seq } : {}) });
        return;
      }
      case 'error': {
        const p = f.ref ? this.pending.get(f.ref) : undefined;
        if (p && (RETRYABLE.has(f.code) || f.retryable)) {
          // retried with the same client_id after ackTimeoutMs, or once `retry_after` (SLOW_MODE) has passed
          p.sentAt = typeof f.retry_after === 'number' ? Date.now() + f.retry_after * 1000 - (this.opts.ackTimeoutMs ?? 5000) : Date.now();
        } else if (p) {
          this.pending.delete(f.ref);
          const extra = Object.fromEntries(Object.entries(f as Record<string, unknown>).filter(([k]) => !FRAME_FIELDS.has(k)));
          p.reject(Object.assign(new Error(`${f.code}: ${f.detail}`), { code: f.code, detail: f.detail, extra })); // extra: muted_until of MUTED…
        }
        const resume = f.ref ? this.resumeRefs.get(f.ref) : undefined;
        if (resume) {
          this.resumeRefs.delete(f.ref);
          this.onResumeError(resume.conv, resume.track, f.code);
        }
        this.emit('error', f);
        return;
      }
      default:
        this.emit(f.type, f);
    }
  }

  private onResumeError(conversationId: string, sentFor: Track, code: string) {
    const t = this.tracks.get(conversationId);
    if (!t) return;
    t.resuming = false;
    if (t !== sentFor) {
      // a resume from a position reset() has replaced since (e.g. RELOAD_REQUIRED for a cursor the
      // app has reloaded past): not this position's answer; resume this one (its own resume may
      // have been refused while that one ran)
      if (!t.reloading) this.resume(conversationId, t);
      return;
    }
    if (code === 'RELOAD_REQUIRED') return this.reload(conversationId, t, code);
    if (GONE.has(code)) return void this.tracks.delete(conversationId);
    // Another resume of it is still running on this socket (after a reset() or a REST catch-up):
    // that one replays from an older position, and its `resumed` checks for what is still missing.
    if (code === 'VALIDATION_FAILED') return;
    // RESUME_TOO_FAR (or any other refusal): page through REST, then resume the live tail
    const catchUp = t.cursor === undefined ? this.catchUpByRest(conversationId) : this.pageChanges(conversationId, t);
    catchUp.catch(() => {
      // REST unreachable too: the next reconnect resumes from the last position
      this.drop();
    });
  }

  /** The server no longer has what this conversation missed: the app must load it again. */
  private reload(conversationId: string, t: Track, code: string) {
    t.cursor = undefined;
    t.reloading = true;
    t.resuming = false;
    t.buffer.clear();
    t.held.clear();
    this.emit('reload', { conversation_id: conversationId, code });
  }

  /** A change frame (live, replayed by a resume, or paged from REST). */
  private onChange(c: Change, acked = false) {
    const conv = conversationOf(c);
    let t = this.tracks.get(conv);
    if (!t) {
      // first sight of a conversation: start from here
      t = newTrack(c.type === 'message' ? c.message.seq - 1 : 0, c.cursor - 1);
      this.tracks.set(conv, t);
    }
    if (t.reloading) {
      t.held.set(c.cursor, { change: c, acked }); // reset() keeps what comes after its cursor
      return;
    }
    if (t.cursor === undefined) return this.legacy(c); // positioned by seq only
    if (c.cursor <= t.cursor) return; // duplicate
    const held = t.held.get(c.cursor);
    if (!held || held.acked) t.held.set(c.cursor, { change: c, acked });
    this.drain(t);
    if (!t.resuming && this.gapOpen(t)) this.resume(conv, t);
  }

  /** Whether a change that did not come from an ack waits for a gap before it. */
  private gapOpen(t: Track): boolean {
    for (const h of t.held.values()) if (!h.acked) return true;
    return false;
  }

  private drain(t: Track) {
    for (let next = t.held.get(t.cursor! + 1); next && t.cursor !== undefined; next = t.held.get(t.cursor + 1)) {
      t.held.delete(next.change.cursor);
      t.cursor = next.change.cursor;
      this.apply(t, next.change);
    }
    if (t.cursor !== undefined) for (const c of t.held.keys()) if (c <= t.cursor) t.held.delete(c);
  }

  private apply(t: Track, c: Change) {
    this.emit('change', c);
    if (c.type === 'message') {
      if (c.message.seq <= t.lastSeq) return; // shown already (an older seq-only position)
      t.lastSeq = c.message.seq;
      this.emit('message', c.message);
      return;
    }
    this.emit(c.type, c);
  }

  /** A change for a conversation positioned by seq only: messages by seq, the rest as they come. */
  private legacy(c: Change) {
    if (c.type === 'message') this.deliver(c.message);
    else this.emit(c.type, c);
  }

  /** A send's ack: by cursor, the message takes its turn at `version` (its live frame, which comes
   *  after the ack, then is a duplicate); by seq, as before. */
  private deliverAcked(m: Message) {
    const t = this.tracks.get(m.conversation_id);
    if (t?.reloading) return;
    if (typeof m.version !== 'number' || (t && t.cursor === undefined)) return this.deliver(m);
    if (t && (m.version <= t.cursor! || m.edited_at !== null || m.deleted_at !== null)) return; // applied already, or its changes come live
    this.onChange({ type: 'message', cursor: m.version, message: m }, true);
  }

  /** Too much missed for a resume by cursor: page GET …/changes, then resume the live tail. */
  private async pageChanges(conversationId: string, t: Track) {
    t.resuming = true;
    try {
      for (;;) {
        const from = t.cursor;
        if (from === undefined || this.tracks.get(conversationId) !== t) return; // reset or reloading meanwhile
        const page = await this.opts.rest.changes(conversationId, from, 1000);
        for (const c of page.changes) this.onChange(c);
        if (!page.has_more || t.cursor === from) break;
      }
    } catch (e) {
      t.resuming = false;
      const code = (e as { code?: string }).code ?? '';
      if (code === 'RELOAD_REQUIRED') return this.reload(conversationId, t, code);
      if (GONE.has(code)) return void this.tracks.delete(conversationId);
      throw e;
    }
    t.resuming = false;
    if (this.tracks.get(conversationId) === t && !t.reloading) this.resume(conversationId, t);
  }

  /** By seq: too much missed for a resume, page through REST history, then resume the live tail. */
  private async catchUpByRest(conversationId: string) {
    const t = this.tracks.get(conversationId);
    if (!t) return;
    for (;;) {
      const page = await this.opts.rest.history(conversationId, { after: t.lastSeq, limit: 200 });
      for (const m of page.messages) this.deliver(m);
      if (!page.has_more) break;
    }
    this.resume(conversationId, t);
  }

  /** By seq: a message, in seq order, once. */
  private deliver(m: Message) {
    let t = this.tracks.get(m.conversation_id);
    if (!t) {
      // first sight of a conversation: start from here
      t = newTrack(m.seq - 1, undefined);
      this.tracks.set(m.conversation_id, t);
    }
    if (t.reloading) return;
    if (m.seq <= t.lastSeq) return; // duplicate
    if (m.seq > t.lastSeq + 1) {
      t.buffer.set(m.seq, m);
      if (!t.resuming) this.resume(m.conversation_id, t);
      return;
    }
    t.lastSeq = m.seq;
    this.emit('message', m);
    for (let next = t.buffer.get(t.lastSeq + 1); next; next = t.buffer.get(t.lastSeq + 1)) {
      t.buffer.delete(next.seq);
      t.lastSeq = next.seq;
      this.emit('message', next);
    }
    for (const seq of t.buffer.keys()) if (seq <= t.lastSeq) t.buffer.delete(seq);
  }
}
