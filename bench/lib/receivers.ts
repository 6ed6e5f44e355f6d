// Starts fan-out receiver processes (load/fanout-clients.ts) and collects their results.
import type { ChildProcess } from 'node:child_process';
import { forkTs, nextMessage } from './proc.js';
import type { ReceiverJob, ReceiverResult, ReceiverStatus } from '../load/fanout-clients.js';

export interface Receivers {
  /** Starts counting; resolves with the merged result when all are done (or timed out). */
  collect(): Promise<ReceiverResult>;
  close(): Promise<void>;
  /** Sockets that connected, and (with tolerateConnectErrors) those that did not and why. */
  connected: number;
  failed: number;
  errors: string[];
  /** PIDs of the receiver processes. */
  pids: number[];
  /** Sockets open right now (and, Strata, those that got their ready frame), over all receivers. */
  status(): Promise<ReceiverStatus>;
}

export interface ReceiverOptions {
  /** Called with each receiver process once it is up, before it gets its job (e.g. to raise its fd limit). */
  onStart?: (child: ChildProcess, sockets: number) => void | Promise<void>;
  /** How long a receiver may take to connect its sockets; default 120 s. */
  connectTimeoutMs?: number;
}

export async function startReceivers(base: Omit<ReceiverJob, 'sockets'>, sockets: ReceiverJob['sockets'], procs: number, opts: ReceiverOptions = {}): Promise<Receivers> {
  const children: ChildProcess[] = [];
  const per = Math.ceil(sockets.length / procs);
  let connected = 0;
  let failed = 0;
  const errors: string[] = [];
  await Promise.all(Array.from({ length: procs }, async (_, i) => {
    const child = forkTs('load/fanout-clients.ts');
    children.push(child);
    await nextMessage(child, 30_000, (m) => m?.ready);
    const mine = sockets.slice(i * per, (i + 1) * per);
    await opts.onStart?.(child, mine.length);
    child.send({ job: { ...base, sockets: mine } });
    const m = await nextMessage<{ connected: number; failed?: number; errors?: string[] }>(child, opts.connectTimeoutMs ?? 120_000, (x) => x?.connected !== undefined);
    connected += m.connected;
    failed += m.failed ?? 0;
    for (const e of m.errors ?? []) errors.push(`receiver ${child.pid}: ${e}`);
  }));
  return {
    connected, failed, errors,
    pids: children.map((c) => c.pid!),
    async status() {
      const ss = await Promise.all(children.map((c) => {
        const p = nextMessage<{ status: ReceiverStatus }>(c, 30_000, (m) => m && 'status' in m);
        c.send({ status: true });
        return p.then((m) => m.status);
      }));
      return { open: ss.reduce((n, s) => n + s.open, 0), ready: ss.reduce((n, s) => n + s.ready, 0) };
    },
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
