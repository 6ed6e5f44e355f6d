// Fan-out receivers (a child process): opens sockets (bare ws, Socket.IO or Strata's gateway),
// reports {connected}, then counts frames until every socket got `expect` of them or the
// deadline passes, and reports per-run totals and the receive window. For Strata it also reads
// the send time embedded in each message text ("t=<epoch ms float>") for send→deliver latency.
// Idle-socket runs (connections scenario): a socket may name its loopback source address
// (localAddress, to spread many sockets over 127.0.0.x: one source address has ~28k ephemeral
// ports per destination); with tolerateConnectErrors a failed connect is counted, not fatal
// ({connected, failed, errors}); {status} answers how many sockets are open (and, for Strata,
// got their {"type":"ready"} frame) right now.
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import { Samples } from '../lib/stats.js';

export interface ReceiverJob {
  kind: 'ws' | 'socketio' | 'strata';
  url: string;
  /** per socket: a room (baselines) or a token (Strata) */
  sockets: { room?: string; token?: string; localAddress?: string }[];
  expect: number;
  timeoutMs: number;
  /** Count failed connects (reported with `connected`) instead of failing the job; default false. */
  tolerateConnectErrors?: boolean;
}

/** Answer to {status}: sockets open now, and (Strata) those that got their ready frame. */
export interface ReceiverStatus {
  open: number;
  ready: number;
}

export interface ReceiverResult {
  received: number;
  expected: number;
  short: number;
  firstMs: number;
  lastMs: number;
  latencyMs: Float64Array;
  duplicates: number;
}

let job: ReceiverJob;
const counts: number[] = [];
const seen: Map<string, number>[] = [];
let received = 0;
let firstMs = 0;
let lastMs = 0;
let duplicates = 0;
const lat = new Samples(1 << 16);
let done: (() => void) | undefined;
const isOpen: (() => boolean)[] = [];
const gotReady: boolean[] = [];
let readyCount = 0;

function onFrame(i: number, data: string) {
  if (job.kind === 'strata') {
    if (!gotReady[i] && data.startsWith('{"type":"ready"')) {
      gotReady[i] = true;
      readyCount++;
    }
    if (!data.startsWith('{"type":"message"')) return;
    // Strata: count each (conversation, seq) once per socket; a second copy is a duplicate.
    const seqAt = data.indexOf('"seq":') + 6;
    const seq = data.slice(seqAt, data.indexOf(',', seqAt));
    const m = seen[i];
    if (m.has(seq)) duplicates++;
    m.set(seq, 1);
    const t = /t=([\d.]+)/.exec(data);
    if (t) lat.add(performance.timeOrigin + performance.now() - Number(t[1]));
  }
  const now = Date.now();
  if (received === 0) firstMs = now;
  lastMs = now;
  received++;
  counts[i]++;
  if (received >= job.expect * job.sockets.length) done?.();
}

async function connect(i: number): Promise<void> {
  const s = job.sockets[i];
  counts[i] = 0;
  seen[i] = new Map();
  if (job.kind === 'socketio') {
    const sock: Socket = ioClient(job.url, { transports: ['websocket'], query: { room: s.room }, reconnection: false, forceNew: true, ...(s.localAddress ? { localAddress: s.localAddress } : {}) });
    isOpen[i] = () => sock.connected;
    sock.on('m', (f: string) => onFrame(i, f));
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('connect_error', reject);
    });
    return;
  }
  const url = job.kind === 'ws' ? `${job.url}?room=${s.room}` : job.url;
  const ws = new WebSocket(url, {
    perMessageDeflate: false, headers: s.token ? { authorization: `Bearer ${s.token}` } : {},
    ...(s.localAddress ? { localAddress: s.localAddress } : {}), ...(job.tolerateConnectErrors ? { handshakeTimeout: 60_000 } : {}),
  });
  isOpen[i] = () => ws.readyState === WebSocket.OPEN;
  // an error after the open (a reset) closes the socket, which {status} counts, instead of ending the process
  if (job.tolerateConnectErrors) ws.on('error', () => undefined);
  ws.on('message', (d) => onFrame(i, d.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

process.on('message', async (m: any) => {
  if (m?.exit) process.exit(0);
  if (m?.job) {
    job = m.job;
    if (job.tolerateConnectErrors) {
      // Every socket is tried; the failures are counted and their 3 commonest reasons reported.
      let failed = 0;
      const errors = new Map<string, number>();
      for (let i = 0; i < job.sockets.length; i += 100) {
        const rs = await Promise.allSettled(job.sockets.slice(i, i + 100).map((_, k) => connect(i + k)));
        for (const r of rs) {
          if (r.status === 'fulfilled') continue;
          failed++;
          const why = (r.reason as Error)?.message ?? String(r.reason);
          errors.set(why, (errors.get(why) ?? 0) + 1);
        }
      }
      const top = [...errors].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([why, n]) => `${n}× ${why}`);
      process.send!({ connected: job.sockets.length - failed, failed, errors: top });
    } else {
      try {
        for (let i = 0; i < job.sockets.length; i += 100) await Promise.all(job.sockets.slice(i, i + 100).map((_, k) => connect(i + k)));
        process.send!({ connected: job.sockets.length });
      } catch (e) {
        process.send!({ error: `connect: ${(e as Error).message}` });
      }
    }
  }
  if (m?.status) {
    const status: ReceiverStatus = { open: isOpen.reduce((n, f) => n + (f?.() ? 1 : 0), 0), ready: readyCount };
    process.send!({ status });
  }
  if (m?.collect) {
    await new Promise<void>((resolve) => {
      done = resolve;
      if (received >= job.expect * job.sockets.length) resolve();
      setTimeout(resolve, job.timeoutMs);
    });
    const short = counts.filter((c) => c < job.expect).length;
    const result: ReceiverResult = { received, expected: job.expect * job.sockets.length, short, firstMs, lastMs, latencyMs: lat.toArray(), duplicates };
    process.send!({ result });
  }
});
process.send!({ ready: true });
