// One client socket: an outbound queue written once per event-loop tick, corked, so N frames
// cost one syscall (the 5× of notes/libraries.md), and a bound on what may wait for a slow
// reader: bytes written on earlier ticks and still unread (ws.bufferedAmount) over
// maxBufferBytes close the socket with SLOW_CONSUMER (4001) and drop what was queued; one
// tick's queue is capped at 4 × maxBufferBytes — memory per socket stays bounded.
// Frames arrive as Buffers already serialized by the hub (once per node, not per socket).
import type { WebSocket } from 'ws';
import { CloseCode } from './close-codes.js';

/** One flush per tick for every socket that has something queued. */
export class FlushScheduler {
  private dirty = new Set<Conn>();
  private scheduled = false;

  mark(conn: Conn) {
    this.dirty.add(conn);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const conns = [...this.dirty];
      this.dirty.clear();
      for (const c of conns) c.flush();
    });
  }
}

let nextId = 1;

/**
 * Malformed frames (not JSON, unknown type, failing the schema) a socket may send within
 * BAD_FRAME_WINDOW_MS; each is answered with its error frame, the next one closes the socket with
 * 4429 (terminal: a client that keeps doing this is broken and must not reconnect in a loop).
 * Errors of valid frames (rate limited, not a member…) do not count.
 */
export const BAD_FRAME_LIMIT = 100;
export const BAD_FRAME_WINDOW_MS = 10_000;

/** A socket's queue of one tick may hold this many times the buffer bound before it is cut off. */
const QUEUE_LIMIT_FACTOR = 4;

export interface Held {
  seq?: number;
  cursor?: number;
  buf: Buffer;
}

export class Conn {
  readonly id = nextId++;
  /** Conversations this socket receives. */
  readonly conversations = new Set<string>();
  /** Live frames held while a conversation is resumed on this socket: a message frame with its seq and cursor, another change with its cursor, anything else with neither. */
  readonly holds = new Map<string, Held[]>();
  lastHeard = Date.now();
  closed = false;
  private badFrames = { count: 0, since: 0 };
  /** The token's expiry (ms since epoch): the heartbeat closes the socket then (4004). */
  expiresAt: number | undefined;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  /**
   * Where a finished resume left the conversation on this socket (its last replayed cursor, or
   * seq for the older form): a live frame at or below it that arrives after the replay is one the
   * replay already sent — the hot tier publishes a change in the same script that writes it to
   * the ring, but the subscriber connection may hand it to this process after the replay's read
   * of the ring. Dropped; the first later frame ends the check (channel order is cursor order).
   */
  private resumedTo = new Map<string, { cursor?: number; seq?: number }>();
  /** Conversations with a send of this socket awaiting its ack, and the live frames held for it. */
  private acking = new Map<string, { sends: number; held: Buffer[] }>();

  constructor(
    readonly ws: WebSocket,
    readonly user: string,
    private scheduler: FlushScheduler,
    private maxBufferBytes: number,
    private onClose: (conn: Conn, code: number) => void,
  ) {}

  send(frame: string | Buffer): void {
    if (this.closed) return;
    const buf = typeof frame === 'string' ? Buffer.from(frame) : frame;
    this.queue.push(buf);
    this.queuedBytes += buf.length;
    // Slow = what was written on EARLIER ticks is still unread (bufferedAmount). What this tick
    // queued says nothing about the reader: a burst (a resume, a busy room) is fine for a fast
    // one. The queue still has a hard bound, so memory per socket stays bounded either way.
    if (this.ws.bufferedAmount > this.maxBufferBytes || this.queuedBytes > QUEUE_LIMIT_FACTOR * this.maxBufferBytes) {
      return this.close(CloseCode.SLOW_CONSUMER, 'slow consumer');
    }
    this.scheduler.mark(this);
  }

  /** A live message: held while the conversation is being resumed on this socket, or while a
   * send of this socket to it awaits its ack (the protocol: a sender sees the ack of its send
   * before that message's live frame). */
  deliverMessage(conversationId: string, seq: number, cursor: number, buf: Buffer): void {
    if (this.replayed(conversationId, cursor, seq)) return;
    const held = this.holds.get(conversationId);
    if (held) {
      held.push({ seq, cursor, buf });
      if (held.length > 10_000) this.close(CloseCode.SLOW_CONSUMER, 'slow consumer');
      return;
    }
    const waiting = this.acking.get(conversationId);
    if (waiting) {
      waiting.held.push(buf);
      if (waiting.held.length > 10_000) this.close(CloseCode.SLOW_CONSUMER, 'slow consumer');
      return;
    }
    this.send(buf);
  }

  /** A live frame of the conversation other than a message: held, like messages, while the conversation is resumed. */
  deliverOther(conversationId: string, cursor: number | undefined, buf: Buffer): void {
    if (cursor !== undefined && this.replayed(conversationId, cursor, undefined)) return;
    const held = this.holds.get(conversationId);
    if (held) {
      held.push({ cursor, buf });
      if (held.length > 10_000) this.close(CloseCode.SLOW_CONSUMER, 'slow consumer');
      return;
    }
    // behind a message frame held for its ack: a change never overtakes an earlier one
    const waiting = this.acking.get(conversationId);
    if (waiting?.held.length) {
      waiting.held.push(buf);
      if (waiting.held.length > 10_000) this.close(CloseCode.SLOW_CONSUMER, 'slow consumer');
      return;
    }
    this.send(buf);
  }

  /** A resume of the conversation ended having sent everything up to this cursor (or seq, the older form). */
  resumed(conversationId: string, to: { cursor: number } | { seq: number }): void {
    this.resumedTo.set(conversationId, to);
  }

  /** Forgets the conversation's resume position (the socket left it). */
  forget(conversationId: string): void {
    this.resumedTo.delete(conversationId);
    this.holds.delete(conversationId);
  }

  /** True for a live frame the last resume already replayed (see resumedTo). */
  private replayed(conversationId: string, cursor: number, seq: number | undefined): boolean {
    const to = this.resumedTo.get(conversationId);
    if (!to) return false;
    if (to.cursor !== undefined) {
      if (cursor <= to.cursor) return true;
    } else if (to.seq !== undefined && seq !== undefined) {
      if (seq <= to.seq) return true;
    } else return false;
    this.resumedTo.delete(conversationId);
    return false;
  }

  /** Counts a malformed frame in the current window (frames.ts BAD_FRAME_WINDOW_MS); returns the count. */
  countBadFrame(now: number): number {
    if (now - this.badFrames.since > BAD_FRAME_WINDOW_MS) this.badFrames = { count: 0, since: now };
    return ++this.badFrames.count;
  }

  /**
   * A send of this socket to the conversation is in flight: its live frames wait until the
   * returned release() runs, which the send handler calls right after queuing the ack (or the
   * error). The held frames then follow the ack in arrival order.
   */
  holdUntilAcked(conversationId: string): () => void {
    let w = this.acking.get(conversationId);
    if (!w) this.acking.set(conversationId, (w = { sends: 0, held: [] }));
    w.sends++;
    const entry = w;
    return () => {
      if (--entry.sends > 0) return;
      if (this.acking.get(conversationId) === entry) this.acking.delete(conversationId);
      for (const buf of entry.held) this.send(buf);
    };
  }

  flush(): void {
    if (this.closed || this.queue.length === 0) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    for (const buf of this.queue) this.ws.send(buf, { binary: false });
    socket?.uncork();
    this.queue = [];
    this.queuedBytes = 0;
    // what the kernel did not take now is judged on the next send (a fast reader drains it first)
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.holds.clear();
    this.resumedTo.clear();
    this.acking.clear();
    // The close frame queues behind what the kernel and `ws` already hold; ws destroys the
    // socket if the client never completes the close handshake (its 30 s close timeout).
    this.ws.close(code, reason);
    this.onClose(this, code);
  }
}
