// Latency baselines: a bare `ws` echo server (its own process) and, in a client process, the
// echo round trip of 10 sockets at a paced rate, plus one Valkey round trip (ioredis PING) at
// the same pace — the floor under Strata's send→deliver (socket in, one script call, socket out).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Redis } from 'ioredis';
import { isMain, serveJob } from '../lib/proc.js';
import { Samples } from '../lib/stats.js';

export interface EchoJob {
  redisUrl: string;
  ratePerS: number;
  durationMs: number;
}

export interface EchoResult {
  echoMs: Float64Array;
  valkeyMs: Float64Array;
}

async function run(job: EchoJob): Promise<EchoResult> {
  // The echo server runs in a grandchild process so client and server never share a loop.
  const { fork } = await import('node:child_process');
  const server = fork(new URL(import.meta.url).pathname, ['--echo-server'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => server.once('message', (m: any) => r(m.port)));
  const echo = new Samples();
  const valkey = new Samples();
  const redis = new Redis(job.redisUrl, { enableAutoPipelining: true });
  try {
    const socks = await Promise.all(Array.from({ length: 10 }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    })));
    const pending = new Map<string, number>();
    for (const ws of socks) ws.on('message', (d) => {
      const k = d.toString();
      const t = pending.get(k);
      if (t !== undefined) echo.add(performance.now() - t);
      pending.delete(k);
    });
    const interval = 1000 / job.ratePerS;
    const end = performance.now() + job.durationMs;
    let next = performance.now();
    for (let i = 0; performance.now() < end; i++) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next += interval;
      const key = `{"type":"ping","ref":"${i}","pad":"${'x'.repeat(150)}"}`;
      pending.set(key, performance.now());
      socks[i % socks.length].send(key);
      if (i % 10 === 0) {
        const s = performance.now();
        void redis.ping().then(() => valkey.add(performance.now() - s));
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const ws of socks) ws.close();
  } finally {
    redis.disconnect();
    server.kill('SIGKILL');
  }
  return { echoMs: echo.toArray(), valkeyMs: valkey.toArray() };
}

if (process.argv.includes('--echo-server')) {
  const srv = http.createServer();
  const wss = new WebSocketServer({ server: srv, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  srv.listen(0, '127.0.0.1', () => process.send!({ port: (srv.address() as AddressInfo).port }));
} else if (isMain(import.meta.url)) serveJob(run);
