// Runs one baseline fan-out: a broadcast server (baselines/broadcast-server.ts) in one process,
// 1,000 receiving sockets in rooms of 10 in two others; `frames` frames round-robin over the
// rooms. Delivered/s = deliveries ÷ (last delivery − first send); the server's CPU (/proc) over
// the same window.
import { CpuMeter } from '../lib/cpu.js';
import { forkTs, nextMessage } from '../lib/proc.js';
import { startReceivers } from '../lib/receivers.js';

export type BaselineMode = 'ws-plain' | 'ws-corked' | 'socketio';

export async function runBroadcastBaseline(mode: BaselineMode, o: { sockets: number; roomSize: number; frames: number }): Promise<{ rate: number; delivered: number; expected: number; seconds: number; cpuUs: number }> {
  const server = forkTs('baselines/broadcast-server.ts');
  const exited = new Promise((r) => server.once('exit', r));
  try {
    await nextMessage(server, 30_000, (m) => m?.ready);
    server.send({ start: { mode } });
    const { listening } = await nextMessage<{ listening: number }>(server, 30_000, (m) => m?.listening);
    const rooms = o.sockets / o.roomSize;
    const sockets = Array.from({ length: o.sockets }, (_, i) => ({ room: String(Math.floor(i / o.roomSize)) }));
    const url = mode === 'socketio' ? `http://127.0.0.1:${listening}` : `ws://127.0.0.1:${listening}/`;
    const rx = await startReceivers({ kind: mode === 'socketio' ? 'socketio' : 'ws', url, expect: o.frames / rooms, timeoutMs: 60_000 }, sockets, 2);
    const meter = new CpuMeter({ server: [server.pid!] }).start();
    try {
      const collected = rx.collect();
      server.send({ broadcast: { frames: o.frames, rooms } });
      const { sent } = await nextMessage<{ sent: { startMs: number; endMs: number } }>(server, 120_000, (m) => m?.sent);
      const r = await collected;
      meter.stop();
      const seconds = (r.lastMs - sent.startMs) / 1000;
      return { rate: r.received / seconds, delivered: r.received, expected: r.expected, seconds, cpuUs: meter.between(sent.startMs, r.lastMs).server };
    } finally {
      meter.stop();
      await rx.close();
    }
  } finally {
    server.send({ exit: true });
    const t = setTimeout(() => server.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}
