// Starts fan-out receiver processes (load/fanout-clients.ts) and collects their results.
import type { ChildProcess } from 'node:child_process';
import { forkTs, nextMessage } from './proc.js';
import type { ReceiverJob, ReceiverResult } from '../load/fanout-clients.js';

export interface Receivers {
  /** Starts counting; resolves with the merged result when all are done (or timed out). */
  collect(): Promise<ReceiverResult>;
  close(): Promise<void>;
}

export async function startReceivers(base: Omit<ReceiverJob, 'sockets'>, sockets: ReceiverJob['sockets'], procs: number): Promise<Receivers> {
  const children: ChildProcess[] = [];
  const per = Math.ceil(sockets.length / procs);
  await Promise.all(Array.from({ length: procs }, async (_, i) => {
    const child = forkTs('load/fanout-clients.ts');
    children.push(child);
    await nextMessage(child, 30_000, (m) => m?.ready);
    child.send({ job: { ...base, sockets: sockets.slice(i * per, (i + 1) * per) } });
    await nextMessage(child, 120_000, (m) => m?.connected !== undefined);
  }));
  return {
    async collect() {
      const rs = await Promise.all(children.map((c) => {
        const p = nextMessage<{ result: ReceiverResult }>(c, base.timeoutMs + 30_000, (m) => 'result' in m);
        c.send({ collect: true });
        return p.then((m) => m.result);
      }));
      const lat = rs.map((r) => r.latencyMs);
      const all = new Float64Array(lat.reduce((n, a) => n + a.length, 0));
      let o = 0;
      for (const a of lat) all.set(a, (o += a.length) - a.length);
      return {
        received: rs.reduce((n, r) => n + r.received, 0), expected: rs.reduce((n, r) => n + r.expected, 0), short: rs.reduce((n, r) => n + r.short, 0),
        firstMs: Math.min(...rs.filter((r) => r.received).map((r) => r.firstMs)), lastMs: Math.max(...rs.map((r) => r.lastMs)),
        latencyMs: all, duplicates: rs.reduce((n, r) => n + r.duplicates, 0),
      };
    },
    async close() {
      await Promise.all(children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.send({ exit: true });
        const t = setTimeout(() => c.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }));
    },
  };
}
