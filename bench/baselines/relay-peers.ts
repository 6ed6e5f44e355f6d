// Peer servers for the message path (issue #16 §2), a child process each: the same job as
// Strata's WS send → ack → fan-out, with nothing else on the path (no auth, membership, rate
// limit, dedup or persistence). A socket joins the room named in its URL (?room=…); a client's
// `send` {ref, conversation_id, text, client_id} is acked ({seq}) and a message object shaped
// like Strata's (id, conversation_id, seq, sender, text, client_id, created_at, …) goes to every
// socket of the room, the sender's included — serialized once per message, as Strata does.
//   socketio  Socket.IO 4 + @socket.io/redis-adapter (Pub/Sub) on the run's Valkey: `send` event
//             with an ack callback, io.to(room).emit('m', message). The Pub/Sub adapter, not the
//             Redis Streams one, because it is what most Node chat backends run (and what the
//             issue's hand measurement used); it PUBLISHes every room emit to Valkey, so a second
//             node on the same adapter key delivers it to its sockets (the two-node runs of
//             scenarios/peers-two-nodes.ts start a second process with the first one's key).
//             The Streams adapter would add an XADD per emit (closer to Strata's log) and
//             connection-state recovery; it is not measured here.
//   ws        bare `ws` relay, corked: one JSON.parse and one JSON.stringify per message, each
//             socket's frames of a tick (ack and broadcasts) written between cork()/uncork() —
//             the corked broadcast of broadcast-server.ts with a receive path in front of it.
// Protocol (IPC): → {ready}; ← {start: {mode, redisUrl, key?}} → {listening: port}; ← {exit}.
// `key`: the Redis adapter's channel prefix (socketio), shared by the nodes of one deployment;
// default bench-peer-<pid>, a deployment of its own.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Server as IoServer } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';

export type PeerMode = 'socketio' | 'ws';

interface SendFrame {
  type?: string;
  ref: string;
  conversation_id: string;
  text: string;
  client_id: string;
}

const seqs = new Map<string, number>();
let nextId = 0;

function message(f: SendFrame, sender: string) {
  const seq = (seqs.get(f.conversation_id) ?? 0) + 1;
  seqs.set(f.conversation_id, seq);
  const id = `0190a5b4-7c1e-7000-8000-${(++nextId).toString(16).padStart(12, '0')}`;
  return {
    seq, message: {
      id, conversation_id: f.conversation_id, seq, version: 1, sender, text: f.text, reply_to: null, thread_id: null, mentions: [], metadata: null,
      attachments: [], client_id: f.client_id, created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
    },
  };
}

const server = http.createServer();
const roomOf = (url: string | undefined) => new URL(url ?? '/', 'http://x').searchParams.get('room') ?? '0';

async function startSocketIo(redisUrl: string, key = `bench-peer-${process.pid}`) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const io = new IoServer(server, { transports: ['websocket'], perMessageDeflate: false, adapter: createAdapter(pub, sub, { key }) });
  io.on('connection', (s) => {
    const room = String(s.handshake.query.room ?? '0');
    void s.join(room);
    s.on('send', (f: SendFrame, ack: (r: { seq: number }) => void) => {
      const m = message(f, s.id);
      io.to(String(f.conversation_id)).emit('m', { type: 'message', message: m.message });
      ack({ seq: m.seq });
    });
  });
}

function startWs() {
  const rooms = new Map<string, WebSocket[]>();
  const queued = new Map<WebSocket, string[]>();
  let scheduled = false;
  const sock = (ws: WebSocket) => (ws as unknown as { _socket: import('node:net').Socket })._socket;
  const flush = () => {
    scheduled = false;
    for (const [ws, frames] of queued) {
      const s = sock(ws);
      s.cork();
      for (const f of frames) ws.send(f);
      s.uncork();
    }
    queued.clear();
  };
  const enqueue = (ws: WebSocket, frame: string) => {
    const q = queued.get(ws);
    if (q) q.push(frame);
    else queued.set(ws, [frame]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  let conn = 0;
  wss.on('connection', (ws, req) => {
    const room = roomOf(req.url);
    const me = `c${++conn}`;
    const list = rooms.get(room) ?? [];
    list.push(ws);
    rooms.set(room, list);
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as SendFrame;
      const m = message(f, me);
      const frame = JSON.stringify({ type: 'message', message: m.message });
      enqueue(ws, JSON.stringify({ type: 'ack', ref: f.ref, message: { seq: m.seq } }));
      for (const peer of rooms.get(f.conversation_id) ?? []) enqueue(peer, frame);
    });
  });
}

process.on('message', async (m: any) => {
  if (m?.exit) process.exit(0);
  if (m?.start) {
    if (m.start.mode === 'socketio') await startSocketIo(m.start.redisUrl, m.start.key);
    else startWs();
    server.listen(0, '127.0.0.1', () => process.send!({ listening: (server.address() as AddressInfo).port }));
  }
});
// the harness gone (crashed or killed): do not outlive it
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
