// The node's routing table between fan-out topics and local sockets. The node subscribes to a
// conversation topic while at least one local socket receives that conversation, and to a user
// topic while that user has a socket here; the last one out unsubscribes. Each frame arriving
// from the fan-out is turned into a Buffer ONCE and queued on every local socket that wants it.
// Per conversation, frames are queued in the order the fan-out delivers them (seq order).
import type { Fanout, FrameListener, Topic } from '../hot-tier/fanout.js';
import { conversationTopic, userTopic } from '../hot-tier/fanout.js';
import type { Conn } from './connection.js';

interface Route {
  conns: Set<Conn>;
  listener: FrameListener;
  ready: Promise<void>;
}

export interface HubEvents {
  /** A message frame was queued to `users`' sockets (delivered watermarks). */
  delivered(conversationId: string, seq: number, users: Iterable<string>): void;
  /** A frame on a user topic (membership, receipt) for that user's sockets here. */
  userFrame(user: string, frame: string, conns: Set<Conn>): void;
}

export class Hub {
  private convs = new Map<string, Route>();
  private users = new Map<string, Route>();
  delivered = 0;

  constructor(private fanout: Fanout, private events: HubEvents) {}

  /** Local sockets of a user. */
  connsOf(user: string): Set<Conn> {
    return this.users.get(userTopic(user))?.conns ?? new Set();
  }

  get userCount(): number {
    return this.users.size;
  }

  localUsers(): string[] {
    return [...this.users.keys()].map((t) => t.slice(2));
  }

  /** Registers the socket under its user; resolves once the user topic is subscribed. */
  addConn(conn: Conn): Promise<void> {
    return this.attach(this.users, userTopic(conn.user), conn, (frame) => this.events.userFrame(conn.user, frame, this.connsOf(conn.user)));
  }

  /** The socket receives the conversation from the moment this resolves. */
  join(conn: Conn, conversationId: string): Promise<void> {
    conn.conversations.add(conversationId);
    return this.attach(this.convs, conversationTopic(conversationId), conn, (frame) => this.onConversationFrame(conversationId, frame));
  }

  leave(conn: Conn, conversationId: string): void {
    conn.conversations.delete(conversationId);
    conn.forget(conversationId);
    this.detach(this.convs, conversationTopic(conversationId), conn);
  }

  /** Forgets the socket; true when it was the user's last socket on this node. */
  removeConn(conn: Conn): boolean {
    for (const c of [...conn.conversations]) this.leave(conn, c);
    this.detach(this.users, userTopic(conn.user), conn);
    return !this.users.has(userTopic(conn.user));
  }

  private attach(map: Map<string, Route>, topic: Topic, conn: Conn, listener: FrameListener): Promise<void> {
    let route = map.get(topic);
    if (!route) {
      route = { conns: new Set(), listener, ready: Promise.resolve() };
      map.set(topic, route);
      const r = route;
      route.ready = this.fanout.subscribe(topic, listener).catch((e) => {
        if (map.get(topic) === r) map.delete(topic);
        throw e;
      });
    }
    route.conns.add(conn);
    return route.ready;
  }

  private detach(map: Map<string, Route>, topic: Topic, conn: Conn): void {
    const route = map.get(topic);
    if (!route || !route.conns.delete(conn) || route.conns.size > 0) return;
    map.delete(topic);
    // a failed unsubscribe leaves a listener whose frames find no route: harmless, just traffic
    route.ready.then(() => this.fanout.unsubscribe(topic, route.listener)).catch(() => undefined);
  }

  private onConversationFrame(conversationId: string, frame: string): void {
    const route = this.convs.get(conversationTopic(conversationId));
    if (!route || route.conns.size === 0) return;
    const buf = Buffer.from(frame);
    if (frame.startsWith('{"type":"message"')) {
      const seq = seqOfFrame(frame);
      const cursor = cursorOfFrame(frame) ?? 0;
      const users = new Set<string>();
      for (const conn of route.conns) {
        conn.deliverMessage(conversationId, seq, cursor, buf);
        users.add(conn.user);
      }
      this.delivered += route.conns.size;
      this.events.delivered(conversationId, seq, users);
      return;
    }
    // typing and presence go to the other members only
    const author = frame.startsWith('{"type":"typing"') || frame.startsWith('{"type":"presence"') ? authorOf(frame) : undefined;
    const cursor = cursorOfFrame(frame);
    for (const conn of route.conns) if (conn.user !== author) conn.deliverOther(conversationId, cursor, buf);
  }
}

/** The cursor of a change frame `{"type":"…","cursor":N,…}` without parsing; undefined for other frames. */
export function cursorOfFrame(frame: string): number | undefined {
  const q = frame.indexOf('"', 9); // the closing quote of the type's value
  if (!frame.startsWith(',"cursor":', q + 1)) return undefined;
  const at = q + 11;
  let end = at;
  while (end < frame.length && frame.charCodeAt(end) >= 48 && frame.charCodeAt(end) <= 57) end++;
  return end > at ? Number(frame.slice(at, end)) : undefined;
}

/** seq of `{"type":"message","message":{"id":…,"conversation_id":…,"seq":N,…}}` without parsing. */
export function seqOfFrame(frame: string): number {
  const at = frame.indexOf('"seq":') + 6;
  return Number.parseInt(frame.slice(at, frame.indexOf(',', at)), 10);
}

function authorOf(frame: string): string | undefined {
  try {
    return (JSON.parse(frame) as { user?: string }).user;
  } catch {
    return undefined; // not ours to judge: deliver it to everyone
  }
}
