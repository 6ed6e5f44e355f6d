// Scenario "peers" (issue #16 §1–2): what one message costs, beside peers doing the same job.
// Three servers on the same sockets, driven by the same load code (load/relay-senders.ts: 2
// sender processes; lib/receivers.ts: 2 receiver processes):
//   strata    the run's Valkey + PostgreSQL stack, WS gateway (auth, membership, seq, dedup, persist)
//   socketio  Socket.IO 4 + @socket.io/redis-adapter on the same Valkey (baselines/relay-peers.ts)
//   ws        a bare `ws` relay, corked per tick (the same file)
// Two shapes: 100 rooms × 10 member sockets with 4 sender sockets per room (window 1), and one
// room of 1,000 member sockets with 8 senders (window 4) — every sender keeps at most `window`
// messages between its send and its own copy coming back through the room (steady, bounded).
// The large room also runs on two nodes, half the member sockets and half the senders on each
// (Strata and Socket.IO; peers-two-nodes.ts says how). Rounds run the subjects in order
// (strata, socketio, ws; the large room: strata, strata 2 nodes, socketio, socketio 2 nodes, ws)
// then reversed, so drift of the shared machine hits all of them. Server CPU (user + system,
// /proc) per process tree is sampled by the harness (lib/cpu.ts CpuMeter) over first send → last
// delivery (Strata: → persisted == acked as well): node(s) (two nodes: both PIDs), Valkey,
// PostgreSQL (postmaster and backends). A subject's total counts its own processes only: Strata
// all three, Socket.IO its node(s) and Valkey, bare ws its node.
// Checks: every send acked, every member socket got every message (Strata: exactly once), Strata's
// acked seqs gap-free per conversation and persisted == acked. Goals (issue #16 §3) never fail.
import type { Ctx, StackWorld } from '../lib/context.js';
import { CpuMeter, type CpuSplit } from '../lib/cpu.js';
import { fmt } from '../lib/report.js';
import { runJob } from '../lib/proc.js';
import { servicePidsOf } from '../lib/server-pids.js';
import { createWorld, until, type World } from '../lib/stack.js';
import { Samples } from '../lib/stats.js';
import { warmView } from '../lib/warm.js';
import type { RelaySendJob, RelaySendResult } from '../load/relay-senders.js';
import type { PeerMode } from '../baselines/relay-peers.js';
import { receiversOn, type Server, startPeer, startSecond, type TwoNodeSubj } from './peers-two-nodes.js';

type Kind = 'strata' | PeerMode;
/** A subject: a server kind on one node, or (…2) on two nodes with half the sockets on each. */
type Subj = Kind | TwoNodeSubj;
const KIND: Record<Subj, Kind> = { strata: 'strata', socketio: 'socketio', ws: 'ws', strata2: 'strata', socketio2: 'socketio' };
const ONE: Record<TwoNodeSubj, Kind> = { strata2: 'strata', socketio2: 'socketio' };
const twoNodes = (s: Subj): s is TwoNodeSubj => s in ONE;
const LABEL: Record<Subj, string> = {
  strata: 'strata valkey-pg WS', socketio: 'Socket.IO 4 + Redis adapter', ws: 'bare ws corked relay',
  strata2: 'strata valkey-pg WS, 2 nodes', socketio2: 'Socket.IO 4 + Redis adapter, 2 nodes',
};
/** The same-run peer each Strata subject is compared with. */
const PEER: Partial<Record<Subj, Subj>> = { strata: 'socketio', strata2: 'socketio2' };
/** Which CPU groups are the subject's own processes. */
const OWN: Record<Kind, string[]> = { strata: ['node', 'valkey', 'pg'], socketio: ['node', 'valkey'], ws: ['node'] };

interface Shape {
  key: 'rooms' | 'room1k';
  label: string;
  rooms: number;
  members: number;
  sendersPerRoom: number;
  perSender: number;
  window: number;
  /** In run order (odd rounds reversed). */
  subjects: Subj[];
}

interface Tally {
  msgs: number;
  deliveries: number;
  seconds: number;
  cpu: CpuSplit;
  lat: Samples;
}

interface Target {
  /** One URL per node: member sockets and sender processes are split evenly over them, in order. */
  urls: string[];
  world?: World;
  /** Strata: highest acked seq per conversation so far. */
  lastSeq?: Map<string, number>;
}

async function runOnce(ctx: Ctx, subj: Subj, shape: Shape, t: Target, groups: Record<string, number[]>, sw: StackWorld, tally: Tally, round: number): Promise<void> {
  const kind = KIND[subj];
  const convs = t.world ? t.world.convs : Array.from({ length: shape.rooms }, (_, i) => ({ id: `room-${i}`, members: [] as string[] }));
  const receivers = convs.flatMap((c) => Array.from({ length: shape.members }, (_, k) => (kind === 'strata' ? { token: t.world!.tokens[c.members[k]] } : { room: c.id })));
  const senders = convs.flatMap((c) => Array.from({ length: shape.sendersPerRoom }, (_, j) => ({ conv: c.id, token: t.world ? t.world.tokens[c.members[(j * 7) % c.members.length]] : undefined })));
  const expect = shape.sendersPerRoom * shape.perSender;
  const rx = await receiversOn(kind, t.urls, receivers, expect);
  const meter = new CpuMeter(groups).start();
  try {
    const collected = rx.collect();
    collected.catch(() => undefined); // a failed send job is the error to report; the receivers' is awaited below
    const half = Math.ceil(senders.length / 2);
    const tag = `p${shape.key}${subj}${round}x${Date.now().toString(36)}`;
    const results = await Promise.all([0, 1].map((p) => runJob<RelaySendJob, RelaySendResult>('load/relay-senders.ts', {
      kind, url: t.urls[p % t.urls.length], senders: senders.slice(p * half, (p + 1) * half), perSender: shape.perSender, window: shape.window, seed: ctx.seed * 100 + round * 10 + p, tag: `${tag}${p}`,
    }, 240_000)));
    const r = await collected;
    const startMs = Math.min(...results.map((x) => x.startMs));
    let endMs = r.lastMs;
    const acked = results.reduce((n, x) => n + x.acked, 0);
    const errors = results.reduce((n, x) => n + x.errors, 0);
    const name = `${LABEL[subj]}, ${shape.label}`;
    ctx.res.check('peers', `${name}: every send acked`, errors === 0 && acked === senders.length * shape.perSender,
      `${acked}/${senders.length * shape.perSender} acked, ${errors} errors${errors ? `, e.g. ${results.flatMap((x) => x.errorSamples).slice(0, 2).join(' | ')}` : ''}`);
    ctx.res.check('peers', `${name}: every member socket got every message${kind === 'strata' ? ' once' : ''}`, r.received === r.expected && r.short === 0 && r.duplicates === 0,
      `${r.received}/${r.expected} deliveries; ${r.short} sockets short; ${r.duplicates} duplicates`);
    if (kind === 'strata') {
      let bad = 0;
      const seqs = new Map<string, number[]>();
      for (const x of results) for (const [c, s] of Object.entries(x.seqs)) seqs.set(c, [...(seqs.get(c) ?? []), ...s]);
      for (const [c, s] of seqs) {
        s.sort((a, b) => a - b);
        const prev = t.lastSeq!.get(c) ?? 0;
        if (!s.every((v, i) => v === prev + 1 + i)) bad++;
        t.lastSeq!.set(c, prev + s.length);
      }
      ctx.res.check('peers', `${name}: acked seqs gap-free, no duplicates`, bad === 0, `${bad} of ${seqs.size} conversations wrong`);
      const warm = await warmView(sw.stack);
      const ids = convs.map((c) => c.id);
      const expected = ids.reduce((n, c) => n + (t.lastSeq!.get(c) ?? 0), 0);
      const drained = await until(async () => (await warm.persisted(ids)) >= expected, 120_000, 20);
      endMs = Math.max(endMs, Date.now());
      const exact = await warm.exact(ids);
      await warm.close();
      ctx.res.check('peers', `${name}: persisted rows == acked`, drained && exact.rows === expected && exact.distinct === expected && exact.gappy === 0,
        `${exact.rows} rows (${exact.distinct} distinct, ${exact.gappy} gappy) for ${expected} acked`);
    }
    meter.stop();
    const cpu = meter.between(startMs, endMs);
    for (const g of Object.keys(groups)) tally.cpu[g] = (tally.cpu[g] ?? 0) + cpu[g];
    tally.msgs += acked;
    tally.deliveries += r.received;
    tally.seconds += (r.lastMs - startMs) / 1000;
    for (const x of results) tally.lat.addAll(x.latencyMs);
  } finally {
    meter.stop();
    await rx.close();
  }
}

export async function peersScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const pids = await servicePidsOf(ctx);
  const shapes: Shape[] = [
    { key: 'rooms', label: '100 rooms × 10', rooms: 100, members: 10, sendersPerRoom: 4, perSender: ctx.q(60, 10), window: 1, subjects: ['strata', 'socketio', 'ws'] },
    {
      key: 'room1k', label: '1 room × 1,000', rooms: 1, members: 1000, sendersPerRoom: 8, perSender: ctx.q(125, 15), window: 4,
      subjects: ['strata', 'strata2', 'socketio', 'socketio2', 'ws'],
    },
  ];
  const worlds: Record<Shape['key'], World> = {
    rooms: await createWorld(sw.stack, { users: 1000, convs: 100, size: 10, seed: ctx.seed, tag: 'peers10' }),
    room1k: await createWorld(sw.stack, { users: 1000, convs: 1, size: 1000, seed: ctx.seed, tag: 'peers1k' }),
  };
  // One Socket.IO deployment: the one-node server, joined by a second node (same adapter key) for the two-node runs.
  const sioKey = `bench-peer-${process.pid}`;
  const peers: Partial<Record<PeerMode, Server>> = {};
  const strata: Server = { url: sw.stack.wsUrl, pid: sw.stack.pid, stop: async () => undefined };
  try {
    for (const mode of ['socketio', 'ws'] as const) peers[mode] = await startPeer(mode, ctx.redisUrl, mode === 'socketio' ? sioKey : undefined);
    const tallies = new Map<string, Tally>();
    const lastSeq = new Map<string, number>();
    const rounds = ctx.q(2, 1);
    for (const shape of shapes) {
      for (let round = 0; round < rounds; round++) {
        for (const subj of round % 2 === 0 ? shape.subjects : [...shape.subjects].reverse()) {
          const key = `${shape.key}/${subj}`;
          const tally = tallies.get(key) ?? { msgs: 0, deliveries: 0, seconds: 0, cpu: {}, lat: new Samples(1 << 14) };
          tallies.set(key, tally);
          const kind = KIND[subj];
          const first = kind === 'strata' ? strata : peers[kind]!;
          const second = twoNodes(subj) ? await startSecond(ctx, sw, subj, sioKey) : undefined;
          try {
            const nodes = second ? [first, second] : [first];
            const target: Target = { urls: nodes.map((n) => n.url), ...(kind === 'strata' ? { world: worlds[shape.key], lastSeq } : {}) };
            // two nodes: `node` is both; `node 1` / `node 2` (each alone) only split it in the note
            const each: Record<string, number[]> = second ? { 'node 1': [first.pid], 'node 2': [second.pid] } : {};
            await runOnce(ctx, subj, shape, target, { node: nodes.map((n) => n.pid), valkey: [pids.valkey], pg: [pids.postmaster], ...each }, sw, tally, round);
          } finally {
            await second?.stop();
          }
        }
      }
    }
    report(ctx, shapes, tallies, rounds);
  } finally {
    for (const p of Object.values(peers)) await p.stop();
  }
}

function report(ctx: Ctx, shapes: Shape[], tallies: Map<string, Tally>, rounds: number): void {
  const own = (subj: Subj, t: Tally) => OWN[KIND[subj]].reduce((n, g) => n + t.cpu[g], 0);
  const split = (subj: Subj, t: Tally, per: number) => {
    const mine = OWN[KIND[subj]];
    const others = Object.keys(t.cpu).filter((g) => !mine.includes(g) && !g.startsWith('node '));
    const each = twoNodes(subj) ? ` (node 1 ${fmt(t.cpu['node 1'] / per)} + node 2 ${fmt(t.cpu['node 2'] / per)})` : '';
    return mine.map((g) => `${g} ${fmt(t.cpu[g] / per)}${g === 'node' ? each : ''}`).join(' / ')
      + (others.length ? `; not its own, so not counted: ${others.map((g) => `${g} ${fmt(t.cpu[g] / per)}`).join(' / ')}` : '');
  };
  type Fig = { perMsg: number; perDelivery: number; deliveriesPerS: number };
  const fig: Record<string, Fig> = {};
  for (const shape of shapes) {
    for (const subj of shape.subjects) {
      const t = tallies.get(`${shape.key}/${subj}`)!;
      const cpu = own(subj, t);
      fig[`${shape.key}/${subj}`] = { perMsg: cpu / t.msgs, perDelivery: cpu / t.deliveries, deliveriesPerS: t.deliveries / t.seconds };
    }
    for (const subj of shape.subjects) {
      const t = tallies.get(`${shape.key}/${subj}`)!;
      const f = fig[`${shape.key}/${subj}`];
      const lat = t.lat.summary();
      const scenario = `peers ${shape.label}`;
      const subject = LABEL[subj];
      const note = `${rounds} round(s); ${t.msgs} msgs, ${t.deliveries} deliveries in ${t.seconds.toFixed(1)} s${twoNodes(subj) ? '; half the member sockets and senders on each node' : ''}`;
      const peer = PEER[subj];
      const vs = (m: keyof Fig) => (peer ? { baseline: { subject: LABEL[peer], value: fig[`${shape.key}/${peer}`][m] } } : {});
      ctx.res.add({ scenario, subject, metric: 'server CPU-µs per acked msg', value: f.perMsg, unit: 'µs', ...vs('perMsg'), note: split(subj, t, t.msgs) });
      ctx.res.add({ scenario, subject, metric: 'server CPU-µs per delivery', value: f.perDelivery, unit: 'µs', ...vs('perDelivery'), note: split(subj, t, t.deliveries) });
      ctx.res.add({ scenario, subject, metric: 'deliveries/s', value: f.deliveriesPerS, unit: '/s', ...vs('deliveriesPerS'), note });
      ctx.res.add({ scenario, subject, metric: 'acked msgs/s', value: t.msgs / t.seconds, unit: '/s' });
      ctx.res.add({ scenario, subject, metric: 'p99 ack latency', value: lat.p99, unit: 'ms', note: `p50 ${lat.p50.toFixed(2)} ms` });
      if (twoNodes(subj)) {
        // the same server on one node, same run: what the second node and the cross-node hop cost
        const one = fig[`${shape.key}/${ONE[subj]}`];
        const base = (m: keyof Fig) => ({ baseline: { subject: `${LABEL[ONE[subj]]} (1 node)`, value: one[m] } });
        ctx.res.add({ scenario, subject, metric: 'server CPU-µs per delivery, vs 1 node', value: f.perDelivery, unit: 'µs', ...base('perDelivery') });
        ctx.res.add({ scenario, subject, metric: 'deliveries/s, vs 1 node', value: f.deliveriesPerS, unit: '/s', ...base('deliveriesPerS') });
      }
      ctx.res.latency.push({ scenario: `peers ${shape.key}`, subject: `${subj} ack`, p50: lat.p50, p99: lat.p99, p999: lat.p999 });
    }
  }
  // Issue #16 §3, the goals these figures cover: each a ratio from this run; never fails the run.
  const g = (scenario: string, metric: string, value: number, unit: string, base: string, bv: number, goal: string, met: boolean) =>
    ctx.res.add({ scenario: 'goals #16', subject: scenario, metric, value, unit, baseline: { subject: base, value: bv }, goal, met: Number.isFinite(value / bv) && met });
  const s = fig['rooms/strata'];
  const io = fig['rooms/socketio'];
  g('100 rooms × 10', 'server CPU-µs per acked WS msg (all server processes)', s.perMsg, 'µs', 'Socket.IO peer per relayed msg', io.perMsg, '<= 1.5', s.perMsg / io.perMsg <= 1.5);
  const L = fig['room1k/strata'];
  const lw = fig['room1k/ws'];
  const lio = fig['room1k/socketio'];
  g('1 room × 1,000', 'server CPU-µs per delivered frame', L.perDelivery, 'µs', 'bare ws corked', lw.perDelivery, '<= 1.5', L.perDelivery / lw.perDelivery <= 1.5);
  g('1 room × 1,000', 'deliveries/s', L.deliveriesPerS, '/s', 'bare ws corked', lw.deliveriesPerS, '>= 0.5', L.deliveriesPerS / lw.deliveriesPerS >= 0.5);
  g('1 room × 1,000', 'deliveries/s vs Socket.IO', L.deliveriesPerS, '/s', 'Socket.IO peer', lio.deliveriesPerS, '>= 2', L.deliveriesPerS / lio.deliveriesPerS >= 2);
}
