// Baseline fan-out servers (a child process each): the same job as Strata's fan-out — one
// pre-serialized frame to every socket of a room, rooms of 10 — with nothing else on the path.
//   ws-plain   bare `ws`, one send per socket per frame
//   ws-corked  bare `ws`, each socket's frames of a tick (10 per room) written between cork()/uncork()
//   socketio   Socket.IO 4 rooms, io.to(room).emit
// Protocol (IPC): → {ready}; ← {start: {mode}} → {listening: port}; ← {broadcast: {frames, rooms}}
// → {sent: {startMs, endMs}}; ← {exit}. Frames go out in ticks of one frame per room, paced by
// the sockets' buffered bytes so memory stays bounded.
// Optional {start: {mode, heartbeatMs}} (bare ws modes): the heartbeat Strata's gateway runs — a
// ping to every open socket every heartbeatMs, and a socket silent (no pong, no frame) for
// 4 × heartbeatMs closed — so an idle server's CPU is compared like for like (connections).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Server as IoServer } from 'socket.io';

type Mode = 'ws-plain' | 'ws-corked' | 'socketio';
const FRAME = JSON.stringify({ type: 'message', message: { id: '0190a5b4-7c1e-7000-8000-000000000001', conversation_id: '0190a5b4-7c1e-7000-8000-0000000000aa', seq: 1, sender: 'u00001', text: 'lunch at noon?', reply_to: null, client_id: null, created_at: '2025-01-01T00:00:00.000Z', edited_at: null, deleted_at: null } });

let mode: Mode;
const rooms = new Map<string, WebSocket[]>();
let io: IoServer | undefined;
const server = http.createServer();

const PER_TICK = 10;
const sock = (ws: WebSocket) => (ws as unknown as { _socket: import('node:net').Socket })._socket;
const tick = () => new Promise((r) => setImmediate(r));

async function broadcast(frames: number, roomCount: number) {
  const startMs = Date.now();
  const names = [...Array(roomCount).keys()].map(String);
  for (let sent = 0; sent < frames;) {
    // One tick carries up to PER_TICK frames per room (the frames of a busy tick).
    const n = Math.min(roomCount * PER_TICK, frames - sent);
    if (mode === 'socketio') {
      for (let i = 0; i < n; i++) io!.to(names[i % roomCount]).emit('m', FRAME);
    } else {
      const corked = mode === 'ws-corked';
      if (corked) for (const list of rooms.values()) for (const ws of list) sock(ws).cork();
      for (let i = 0; i < n; i++) for (const ws of rooms.get(names[i % roomCount]) ?? []) ws.send(FRAME);
      if (corked) for (const list of rooms.values()) for (const ws of list) sock(ws).uncork();
    }
    sent += n;
    // Pace by what the kernel has not taken yet (bounded memory), then yield to the loop.
    await tick();
    for (let spins = 0; spins < 1000 && buffered() > 8 * 1024 * 1024; spins++) await new Promise((r) => setTimeout(r, 1));
  }
  return { startMs, endMs: Date.now() };
}

function buffered(): number {
  if (mode === 'socketio') return 0;
  let b = 0;
  for (const list of rooms.values()) for (const ws of list) b += ws.bufferedAmount;
  return b;
}

function startHeartbeat(wss: WebSocketServer, everyMs: number) {
  const heard = new WeakMap<WebSocket, number>();
  wss.on('connection', (ws) => {
    heard.set(ws, Date.now());
    const hear = () => heard.set(ws, Date.now());
    ws.on('pong', hear);
    ws.on('message', hear);
  });
  setInterval(() => {
    const now = Date.now();
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (now - (heard.get(ws) ?? now) > 4 * everyMs) ws.close(4002, 'idle timeout');
      else ws.ping();
    }
  }, everyMs).unref();
}

process.on('message', async (m: any) => {
  if (m?.exit) process.exit(0);
  if (m?.start) {
    mode = m.start.mode;
    if (mode === 'socketio') {
      io = new IoServer(server, { transports: ['websocket'], perMessageDeflate: false });
      io.on('connection', (s) => void s.join(String(s.handshake.query.room)));
    } else {
      const wss = new WebSocketServer({ server, perMessageDeflate: false });
      wss.on('connection', (ws, req) => {
        const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room') ?? '0';
        const list = rooms.get(room) ?? [];
        list.push(ws);
        rooms.set(room, list);
      });
      if (m.start.heartbeatMs > 0) startHeartbeat(wss, m.start.heartbeatMs);
    }
    server.listen(0, '127.0.0.1', () => process.send!({ listening: (server.address() as AddressInfo).port }));
  }
  if (m?.broadcast) process.send!({ sent: await broadcast(m.broadcast.frames, m.broadcast.rooms) });
});
process.send!({ ready: true });
