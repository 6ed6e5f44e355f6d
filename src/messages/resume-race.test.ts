// A live change can reach this process AFTER the resume that replays it: the hot tier writes the
// change to its ring and publishes it in one script, but the subscriber connection and the
// connection that reads the ring are two sockets, and under load the reply of the ring read can
// be handled first. The replay then sends the change, `resumed` goes out, the hold ends — and the
// late live frame would follow as a second copy (seen by drill 5 under load: duplicated=1).
// The socket drops live frames at or below where the resume left it, until a later one arrives.
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { ChangeLog } from '../changes/change-log.js';
import type { Deps } from '../deps.js';
import { Conn, FlushScheduler } from '../ws/connection.js';
import type { HistoryService } from './history.js';
import { resumeHandler } from './ws-handlers.js';

const conv = '0190a000-0000-7000-8000-000000000001';
const change = (cursor: number) => `{"type":"reaction","conversation_id":"${conv}","cursor":${cursor},"message_id":"m","user":"bob","reaction":"ok","removed":false}`;

function socket() {
  const sent: string[] = [];
  const ws = { send: (b: Buffer) => sent.push(b.toString()), close: () => undefined, bufferedAmount: 0 } as unknown as WebSocket;
  const conn = new Conn(ws, 'zed', new FlushScheduler(), 1 << 20, () => undefined);
  conn.conversations.add(conv);
  return { conn, sent };
}

async function resume(conn: Conn, upTo: number, liveDuringRead: number[] = []) {
  const changes = {
    async read(_c: string, after: number) {
      // frames published while the replay reads: held, and released without the replayed ones
      for (const x of liveDuringRead) conn.deliverOther(conv, x, Buffer.from(change(x)));
      const list = Array.from({ length: upTo - after }, (_, i) => change(after + 1 + i));
      return { changes: list, cursor: upTo, has_more: false };
    },
  } as unknown as ChangeLog;
  const h = resumeHandler({} as Pick<Deps, 'hot' | 'store'>, {} as HistoryService, changes, async () => undefined, 1000, () => undefined);
  await h.handle({ conversation_id: conv, after_cursor: 2 }, { conn, user: 'zed', ref: 'r', reply: (f) => conn.send(f) });
}

const cursors = (sent: string[]) => sent.map((s) => JSON.parse(s)).map((f) => (f.type === 'resumed' ? `resumed@${f.cursor}` : f.cursor));
const flushed = () => new Promise((r) => setImmediate(r));

describe('resume vs a late live frame', () => {
  it('a live change that arrives after the replay sent it is not sent again; the next one is', async () => {
    const { conn, sent } = socket();
    await resume(conn, 5, [4]);
    conn.deliverOther(conv, 5, Buffer.from(change(5))); // late: the replay had it
    conn.deliverOther(conv, 6, Buffer.from(change(6)));
    conn.deliverOther(conv, 7, Buffer.from(change(7)));
    await flushed();
    expect(cursors(sent)).toEqual([3, 4, 5, 'resumed@5', 6, 7]);
  });

  it('a change held during the replay goes out after `resumed`, and the live ones after it', async () => {
    const { conn, sent } = socket();
    await resume(conn, 5, [6]); // published after the ring read: held, released after `resumed`
    conn.deliverOther(conv, 7, Buffer.from(change(7)));
    await flushed();
    expect(cursors(sent)).toEqual([3, 4, 5, 'resumed@5', 6, 7]);
  });

  it('leaving the conversation forgets the position', async () => {
    const { conn, sent } = socket();
    await resume(conn, 5);
    conn.forget(conv);
    conn.deliverOther(conv, 5, Buffer.from(change(5)));
    await flushed();
    expect(cursors(sent)).toEqual([3, 4, 5, 'resumed@5', 5]);
  });
});
