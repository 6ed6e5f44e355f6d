// The two-node part of scenario "peers" (issue #16 §2: large-room fan-out on one node and on
// two): the server processes of a subject and how member sockets are split over its nodes.
// A two-node run puts half the member sockets (one receiver process) and half the senders (one
// sender process) on each node:
//   strata2    the run's Strata node plus a second `strata start` of the same deployment
//              (lib/stack.ts startSecondNode: the same Valkey, PostgreSQL, key prefix and
//              secret; its own port and data dir; workers on, as any node), so the nodes share
//              the conversation, its seqs, the persist log and the fan-out topics.
//   socketio2  the one-node Socket.IO server plus a second socketio process on the same Valkey
//              and adapter key: every room emit is PUBLISHed and the other node delivers it.
// The second node is started for each two-node run and stopped (by its PID) after it, so the
// one-node runs see one node only: an idle second Strata node would take its share of the
// persist log (consumer group), its CPU not counted. The cost of that: the second node starts
// cold (not JIT-warm) in every two-node run, where the first has run the earlier scenarios. It
// gets the harness's environment, not its --profile flags (a scenario does not see them).
// The bare ws relay has no two-node run: it has no cross-node path at all. The Socket.IO peer
// counts seqs per process, so on two nodes a room's seqs are two sequences (not checked; Strata's
// one sequence is): a Socket.IO deployment wanting Strata's ordering would pay for a shared
// counter (an INCR per message) that this peer does not.
import type { Ctx, StackWorld } from '../lib/context.js';
import { forkTs, nextMessage } from '../lib/proc.js';
import { startReceivers } from '../lib/receivers.js';
import { startSecondNode } from '../lib/stack.js';
import type { PeerMode } from '../baselines/relay-peers.js';
import type { ReceiverJob, ReceiverResult } from '../load/fanout-clients.js';

export type TwoNodeSubj = 'strata2' | 'socketio2';

/** A server process of a subject: where its sockets connect, and its PID (CPU group `node`). */
export interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** A peer server process (baselines/relay-peers.ts); `key`: its Socket.IO adapter's, shared by the nodes of one deployment. */
export async function startPeer(mode: PeerMode, redisUrl: string, key?: string): Promise<Server> {
  const child = forkTs('baselines/relay-peers.ts');
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.send({ exit: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await nextMessage(child, 30_000, (m) => m?.ready);
    child.send({ start: { mode, redisUrl, key } });
    const { listening } = await nextMessage<{ listening: number }>(child, 30_000, (m) => m?.listening);
    return { url: mode === 'socketio' ? `http://127.0.0.1:${listening}` : `ws://127.0.0.1:${listening}/`, pid: child.pid!, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The second node of a two-node run; `sioKey`: the adapter key of the one-node Socket.IO server. */
export async function startSecond(ctx: Ctx, sw: StackWorld, subj: TwoNodeSubj, sioKey: string): Promise<Server> {
  if (subj === 'socketio2') return startPeer('socketio', ctx.redisUrl, sioKey);
  const node = await startSecondNode(sw.stack);
  return { url: node.wsUrl, pid: node.pid, stop: () => node.stop() };
}

export interface Rx {
  collect(): Promise<ReceiverResult>;
  close(): Promise<void>;
}

/** Receiver processes: 2 on one node; on two nodes 1 per node, each with its half of the sockets. */
export async function receiversOn(kind: ReceiverJob['kind'], urls: string[], sockets: ReceiverJob['sockets'], expect: number): Promise<Rx> {
  const base = { kind, expect, timeoutMs: 180_000 };
  if (urls.length === 1) return startReceivers({ ...base, url: urls[0] }, sockets, 2);
  const per = Math.ceil(sockets.length / urls.length);
  const started = await Promise.allSettled(urls.map((url, i) => startReceivers({ ...base, url }, sockets.slice(i * per, (i + 1) * per), 1)));
  const parts = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const close = async () => void (await Promise.all(parts.map((p) => p.close())));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }
  return {
    close,
    async collect() {
      const rs = await Promise.all(parts.map((p) => p.collect()));
      const all = new Float64Array(rs.reduce((n, r) => n + r.latencyMs.length, 0));
      let o = 0;
      for (const r of rs) {
        all.set(r.latencyMs, o);
        o += r.latencyMs.length;
      }
      const sum = (k: 'received' | 'expected' | 'short' | 'duplicates') => rs.reduce((n, r) => n + r[k], 0);
      return {
        received: sum('received'), expected: sum('expected'), short: sum('short'), duplicates: sum('duplicates'), latencyMs: all,
        firstMs: Math.min(...rs.filter((r) => r.received).map((r) => r.firstMs)), lastMs: Math.max(...rs.map((r) => r.lastMs)),
      };
    },
  };
}
