// Socket lifecycle on this node. accept(): the socket is registered under its user, subscribed
// to the user topic, then to every conversation of the user, and told `{type:"ready"}`; frames
// it sends meanwhile are already served. Inbound frames of one socket are handled one at a time
// (in order: two sends from one device keep their order); a socket with too many frames in
// flight stops being read until it catches up. Heartbeat: a ws ping every heartbeatMs, and a
// socket from which nothing (frame or pong) was heard for idleTimeoutMs is closed with 4002.
// close(): every socket gets 1001 (reconnect elsewhere), presence is withdrawn. Ban sweep: every
// banSweepMs the users with sockets here are checked against the app-wide bans (one call), and
// the sockets of a banned one are closed with 4403 — whether or not the account_banned frame
// reached this node.
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { CloseCode } from './close-codes.js';
import { Conn, FlushScheduler } from './connection.js';
import type { FrameRouter } from './frames.js';
import type { Hub } from './hub.js';

/** Presence of this node's users (presence/tracker.ts): first socket in, last socket out, heartbeat. */
export interface PresenceHooks {
  online(user: string, conversations: Iterable<string>): Promise<void>;
  offline(user: string, conversations: Iterable<string>): Promise<void>;
  heartbeat(users: string[]): Promise<void>;
}

export interface SessionOptions {
  maxBufferBytes: number;
  idleTimeoutMs: number;
  presenceTtlMs: number;
  /** How often the users with sockets here are checked against the app-wide bans. */
  banSweepMs: number;
}

const MAX_IN_FLIGHT = 256;

export class Sessions {
  private conns = new Set<Conn>();
  private scheduler = new FlushScheduler();
  private inFlight = new WeakMap<Conn, { n: number; chain: Promise<void> }>();
  private timers: ReturnType<typeof setInterval>[] = [];
  closes: Record<number, number> = {};

  constructor(
    private hub: Hub,
    private router: FrameRouter,
    private tracker: PresenceHooks,
    private conversationsOf: (user: string) => Promise<string[]>,
    private o: SessionOptions,
    private log: FastifyBaseLogger,
    /** Of these users, those banned from the whole server (moderation/app-bans.ts). */
    private bannedAmong?: (users: string[]) => Promise<string[]>,
  ) {
    const beat = Math.max(50, Math.min(15_000, Math.floor(o.idleTimeoutMs / 3)));
    this.timers.push(setInterval(() => this.heartbeat(), beat));
    this.timers.push(setInterval(() => {
      this.tracker.heartbeat(this.hub.localUsers()).catch((err) => this.log.warn({ err }, 'presence heartbeat failed'));
    }, Math.max(100, Math.floor(o.presenceTtlMs / 3))));
    if (bannedAmong) this.timers.push(setInterval(() => void this.sweepBans(), o.banSweepMs));
    for (const t of this.timers) t.unref();
  }

  get size(): number {
    return this.conns.size;
  }

  accept(ws: WebSocket, user: string, expiresAt?: number): void {
    const conn = new Conn(ws, user, this.scheduler, this.o.maxBufferBytes, (_c, code) => {
      this.closes[code] = (this.closes[code] ?? 0) + 1;
    });
    conn.expiresAt = expiresAt;
    this.conns.add(conn);
    const state = { n: 0, chain: Promise.resolve() };
    this.inFlight.set(conn, state);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      conn.lastHeard = Date.now();
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (++state.n > MAX_IN_FLIGHT) ws.pause();
      state.chain = state.chain.then(() => this.router.dispatch(conn, buf, (f) => conn.send(f))).finally(() => {
        if (--state.n < MAX_IN_FLIGHT / 4 && ws.isPaused) ws.resume();
      });
    });
    ws.on('pong', () => (conn.lastHeard = Date.now()));
    ws.on('error', (err) => this.log.debug({ err, user }, 'socket error'));
    ws.on('close', () => void this.drop(conn));
    void this.setup(conn);
  }

  private async setup(conn: Conn): Promise<void> {
    try {
      const first = this.hub.connsOf(conn.user).size === 0;
      // user topic first: a membership change during the listing below is not missed
      await this.hub.addConn(conn);
      const conversations = await this.conversationsOf(conn.user);
      if (conn.closed) return;
      await Promise.all(conversations.map((c) => this.hub.join(conn, c)));
      conn.send(JSON.stringify({ type: 'ready', user: conn.user, conversations: conversations.length }));
      if (first) await this.tracker.online(conn.user, conversations);
    } catch (err) {
      this.log.warn({ err, user: conn.user }, 'socket setup failed');
      conn.close(CloseCode.UNAVAILABLE, 'unavailable, retry');
    }
  }

  private drop(conn: Conn): Promise<void> {
    if (!this.conns.delete(conn)) return Promise.resolve();
    conn.closed = true;
    const conversations = [...conn.conversations];
    if (!this.hub.removeConn(conn)) return Promise.resolve();
    return this.tracker.offline(conn.user, conversations).catch((err) => this.log.warn({ err }, 'presence offline failed'));
  }

  private async sweepBans(): Promise<void> {
    const users = this.hub.localUsers();
    if (!users.length || !this.bannedAmong) return;
    try {
      const banned = new Set(await this.bannedAmong(users));
      if (!banned.size) return;
      for (const conn of this.conns) if (banned.has(conn.user)) conn.close(CloseCode.USER_BANNED, 'banned');
    } catch (err) {
      this.log.warn({ err }, 'ban sweep failed; the next one runs in banSweepMs');
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const conn of this.conns) {
      if (now - conn.lastHeard > this.o.idleTimeoutMs) conn.close(CloseCode.IDLE_TIMEOUT, 'idle timeout');
      else if (conn.expiresAt !== undefined && now >= conn.expiresAt) conn.close(CloseCode.TOKEN_EXPIRED, 'token expired');
      else if (!conn.closed) conn.ws.ping();
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    const drops = [...this.conns].map((conn) => {
      conn.close(CloseCode.GOING_AWAY, 'server shutting down');
      return this.drop(conn);
    });
    await Promise.all(drops);
  }
}
