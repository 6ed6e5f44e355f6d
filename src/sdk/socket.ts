// Real-time half of the SDK. Guarantees to the application:
// - per conversation, `message` events arrive exactly once and in seq order: duplicates are
//   dropped, a gap triggers a resume (or REST paging when the gap is too large);
// - after a reconnect (backoff with jitter), every tracked conversation resumes from its last
//   seen seq, on whichever node the socket lands;
// - sends queue while offline and are retried with the same client_id until acked, so a send
//   retried across a reconnect is stored once.
// One file on purpose (~330 lines): connection state, the ordering buffer and the pending sends
// change together on every open/close/frame, and splitting them would spread one state machine.
import type { Message, SocketEvents, SocketState } from './types.js';
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
  /** Out-of-order live frames waiting for the gap before them to fill. */
  buffer: Map<number, Message>;
  resuming: boolean;
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
  private resumeRefs = new Map<string, string>();
  private attempt = 0;
  private onReady: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setInterval> | undefined;
  private endpoint = 0;
  private refused = false;

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

  /** Remember a conversation's position: after a reconnect it resumes from here. */
  track(conversationId: string, lastSeq = 0) {
    const t = this.tracks.get(conversationId);
    if (!t) this.tracks.set(conversationId, { lastSeq, buffer: new Map(), resuming: false });
    else if (lastSeq > t.lastSeq) t.lastSeq = lastSeq;
  }

  lastSeq(conversationId: string): number {
    return this.tracks.get(conversationId)?.lastSeq ?? 0;
  }

  /** The node the socket is (or will next be) connected to. */
  get endpointUrl(): string {
    const list = this.opts.endpoints?.length ? this.opts.endpoints : [this.opts.rest.baseUrl];
    return list[this.endpoint % list.length].replace(/\/$/, '');
  }

  async connect(): Promise<void> {
    if (this.state === 'open' || this.state === 'connecting' || this.ws) return;
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
        for (const [conv, t] of this.tracks) this.resume(conv, t);
        for (const p of this.pending.values()) this.write(p.frame, p);
        resolve();
      };
      ws.onopen = () => {
        this.attempt = 0;
        this.onReady = ready;
        fallback = setTimeout(ready, 5000); // a server that never says `ready`: go on regardless
      };
      ws.onmessage = (ev) => this.onFrame(String(ev.data));
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

  close() {
    this.setState('closed');
    clearTimeout(this.timer);
    clearInterval(this.ackTimer);
    this.ackTimer = undefined;
    this.ws?.close(1000, 'bye');
    this.ws = undefined;
    for (const p of this.pending.values()) p.reject(new Error('socket closed by the application'));
    this.pending.clear();
  }

  /** Sends a message; resolves with the stored message once acked (queued while offline). */
  send(conversationId: string, text: string, opts: { reply_to?: string; client_id?: string } = {}): Promise<Message> {
    const ref = newId();
    const frame = { type: 'send', ref, conversation_id: conversationId, text, client_id: opts.client_id ?? newId(), ...(opts.reply_to ? { reply_to: opts.reply_to } : {}) };
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
    const ref = newId();
    t.resuming = true;
    this.resumeRefs.set(ref, conversationId);
    this.write({ type: 'resume', ref, conversation_id: conversationId, after_seq: t.lastSeq });
  }

  private onFrame(raw: string) {
    let f: any;
    try {
      f = JSON.parse(raw);
    } catch {
      return; // the server only sends JSON; ignore anything else
    }
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
        this.deliver(f.message);
        return;
      }
      case 'message':
        this.deliver(f.message);
        return;
      case 'resumed': {
        const conv = this.resumeRefs.get(f.ref) ?? f.conversation_id;
        this.resumeRefs.delete(f.ref);
        const t = this.tracks.get(conv);
        if (t) {
          t.resuming = false;
          if (t.buffer.size) this.resume(conv, t);
        }
        this.emit('resumed', { conversation_id: conv, last_seq: f.last_seq });
        return;
      }
      case 'error': {
        const p = f.ref ? this.pending.get(f.ref) : undefined;
        if (p && (RETRYABLE.has(f.code) || f.retryable)) p.sentAt = Date.now(); // retried after ackTimeoutMs, same client_id
        else if (p) {
          this.pending.delete(f.ref);
          p.reject(Object.assign(new Error(`${f.code}: ${f.detail}`), { code: f.code }));
        }
        const conv = f.ref ? this.resumeRefs.get(f.ref) : undefined;
        if (conv) {
          this.resumeRefs.delete(f.ref);
          this.catchUpByRest(conv).catch(() => {
            // REST unreachable too: the next reconnect resumes from the last delivered seq
            this.drop();
          });
        }
        this.emit('error', f);
        return;
      }
      default:
        this.emit(f.type, f);
    }
  }

  /** Too much missed for a resume: page through REST, then resume the live tail. */
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

  private deliver(m: Message) {
    let t = this.tracks.get(m.conversation_id);
    if (!t) {
      // first sight of a conversation: start from here
      t = { lastSeq: m.seq - 1, buffer: new Map(), resuming: false };
      this.tracks.set(m.conversation_id, t);
    }
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
