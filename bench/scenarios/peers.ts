// Scenario "peers" (issue #16 §1–2): what one message costs, beside peers doing the same job.
// Three servers on the same sockets, driven by the same load code (load/relay-senders.ts: 2
// sender processes; lib/receivers.ts: 2 receiver processes):
//   strata    the run's Valkey + PostgreSQL stack, WS gateway (auth, membership, seq, dedup, persist)
//   socketio  Socket.IO 4 + @socket.io/redis-adapter on the same Valkey (baselines/relay-peers.ts)
//   ws        a bare `ws` relay, corked per tick (the same file)
// Two shapes: 100 rooms × 10 member sockets with 4 sender sockets per room (window 1), and one
// room of 1,000 member sockets with 8 senders (window 4) — every sender keeps at most `window`
// messages between its send and its own copy coming back through the room (steady, bounded).
// Rounds run strata, socketio, ws then ws, socketio, strata, so drift of the shared machine hits
// all three. Server CPU (user + system, /proc) per process tree is sampled by the harness
// (lib/cpu.ts CpuMeter) over first send → last delivery (Strata: → persisted == acked as well):
// node(s), Valkey, PostgreSQL (postmaster and backends). A subject's total counts its own
// processes only: Strata all three, Socket.IO its node and Valkey, bare ws its node.
// Checks: every send acked, every member socket got every message (Strata: exactly once), Strata's
// acked seqs gap-free per conversation and persisted == acked. Goals (issue #16 §3) never fail.
import type { Ctx, StackWorld } from '../lib/context.js';
import { CpuMeter, type CpuSplit } from '../lib/cpu.js';
import { fmt } from '../lib/report.js';
import { forkTs, nextMessage, runJob } from '../lib/proc.js';
import { startReceivers } from '../lib/receivers.js';
import { servicePidsOf } from '../lib/server-pids.js';
import { createWorld, until, type World } from '../lib/stack.js';
import { Samples } from '../lib/stats.js';
import { warmView } from '../lib/warm.js';
import type { RelaySendJob, RelaySendResult } from '../load/relay-senders.js';
import type { PeerMode } from '../baselines/relay-peers.js';

type Kind = 'strata' | PeerMode;
const KINDS: Kind[] = ['strata', 'socketio', 'ws'];
const LABEL: Record<Kind, string> = { strata: 'strata valkey-pg WS', socketio: 'Socket.IO 4 + Redis adapter', ws: 'bare ws corked relay' };
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
}

interface Tally {
  msgs: number;
  deliveries: number;
  seconds: number;
  cpu: CpuSplit;
  lat: Samples;
}

interface Target {
  url: string;
  world?: World;
  /** Strata: highest acked seq per conversation so far. */
  lastSeq?: Map<string, number>;
}

async function runOnce(ctx: Ctx, kind: Kind, shape: Shape, t: Target, groups: Record<string, number[]>, sw: StackWorld, tally: Tally, round: number): Promise<void> {
  const convs = t.world ? t.world.convs : Array.from({ length: shape.rooms }, (_, i) => ({ id: `room-${i}`, members: [] as string[] }));
  const receivers = convs.flatMap((c) => Array.from({ length: shape.members }, (_, k) => (kind === 'strata' ? { token: t.world!.tokens[c.members[k]] } : { room: c.id })));
  const senders = convs.flatMap((c) => Array.from({ length: shape.sendersPerRoom }, (_, j) => ({ conv: c.id, token: t.world ? t.world.tokens[c.members[(j * 7) % c.members.length]] : undefined })));
  const expect = shape.sendersPerRoom * shape.perSender;
  const rx = await startReceivers({ kind, url: t.url, expect, timeoutMs: 180_000 }, receivers, 2);
  const meter = new CpuMeter(groups).start();
  try {
    const collected = rx.collect();
    collected.catch(() => undefined); // a failed send job is the error to report; the receivers' is awaited below
    const half = Math.ceil(senders.length / 2);
    const tag = `p${shape.key}${kind}${round}x${Date.now().toString(36)}`;
    const results = await Promise.all([0, 1].map((p) => runJob<RelaySendJob, RelaySendResult>('load/relay-senders.ts', {
      kind, url: t.url, senders: senders.slice(p * half, (p + 1) * half), perSender: shape.perSender, window: shape.window, seed: ctx.seed * 100 + round * 10 + p, tag: `${tag}${p}`,
    }, 240_000)));
    const r = await collected;
    const startMs = Math.min(...results.map((x) => x.startMs));
    let endMs = r.lastMs;
    const acked = results.reduce((n, x) => n + x.acked, 0);
    const errors = results.reduce((n, x) => n + x.errors, 0);
    const name = `${LABEL[kind]}, ${shape.label}`;
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
    { key: 'rooms', label: '100 rooms × 10', rooms: 100, members: 10, sendersPerRoom: 4, perSender: ctx.q(60, 10), window: 1 },
    { key: 'room1k', label: '1 room × 1,000', rooms: 1, members: 1000, sendersPerRoom: 8, perSender: ctx.q(125, 15), window: 4 },
  ];
  const worlds: Record<Shape['key'], World> = {
    rooms: await createWorld(sw.stack, { users: 1000, convs: 100, size: 10, seed: ctx.seed, tag: 'peers10' }),
    room1k: await createWorld(sw.stack, { users: 1000, convs: 1, size: 1000, seed: ctx.seed, tag: 'peers1k' }),
  };
  const peers: Partial<Record<PeerMode, { url: string; pid: number; stop(): Promise<void> }>> = {};
  try {
    for (const mode of ['socketio', 'ws'] as const) {
      const child = forkTs('baselines/relay-peers.ts');
      const exited = new Promise((r) => child.once('exit', r));
      await nextMessage(child, 30_000, (m) => m?.ready);
      child.send({ start: { mode, redisUrl: ctx.redisUrl } });
      const { listening } = await nextMessage<{ listening: number }>(child, 30_000, (m) => m?.listening);
      peers[mode] = {
        url: mode === 'socketio' ? `http://127.0.0.1:${listening}` : `ws://127.0.0.1:${listening}/`, pid: child.pid!,
        async stop() {
          child.send({ exit: true });
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    const tallies = new Map<string, Tally>();
    const lastSeq = new Map<string, number>();
    const rounds = ctx.q(2, 1);
    for (const shape of shapes) {
      for (let round = 0; round < rounds; round++) {
        for (const kind of round % 2 === 0 ? KINDS : [...KINDS].reverse()) {
          const key = `${shape.key}/${kind}`;
          const tally = tallies.get(key) ?? { msgs: 0, deliveries: 0, seconds: 0, cpu: {}, lat: new Samples(1 << 14) };
          tallies.set(key, tally);
          const server = kind === 'strata' ? sw.stack.pid : peers[kind]!.pid;
          const target: Target = kind === 'strata' ? { url: sw.stack.wsUrl, world: worlds[shape.key], lastSeq } : { url: peers[kind]!.url };
          await runOnce(ctx, kind, shape, target, { node: [server], valkey: [pids.valkey], pg: [pids.postmaster] }, sw, tally, round);
        }
      }
    }
    report(ctx, shapes, tallies, rounds);
  } finally {
    for (const p of Object.values(peers)) await p.stop();
  }
}

function report(ctx: Ctx, shapes: Shape[], tallies: Map<string, Tally>, rounds: number): void {
  const own = (kind: Kind, t: Tally) => OWN[kind].reduce((n, g) => n + t.cpu[g], 0);
  const split = (kind: Kind, t: Tally, per: number) => OWN[kind].map((g) => `${g} ${fmt(t.cpu[g] / per)}`).join(' / ')
    + (kind === 'strata' ? '' : `; not its own, so not counted: ${Object.keys(t.cpu).filter((g) => !OWN[kind].includes(g)).map((g) => `${g} ${fmt(t.cpu[g] / per)}`).join(' / ')}`);
  const fig: Record<string, { perMsg: number; perDelivery: number; deliveriesPerS: number }> = {};
  for (const shape of shapes) {
    for (const kind of KINDS) {
      const t = tallies.get(`${shape.key}/${kind}`)!;
      const cpu = own(kind, t);
      const lat = t.lat.summary();
      const f = { perMsg: cpu / t.msgs, perDelivery: cpu / t.deliveries, deliveriesPerS: t.deliveries / t.seconds };
      fig[`${shape.key}/${kind}`] = f;
      const scenario = `peers ${shape.label}`;
      const subject = LABEL[kind];
      const note = `${rounds} round(s); ${t.msgs} msgs, ${t.deliveries} deliveries in ${t.seconds.toFixed(1)} s`;
      const sio = () => tallies.get(`${shape.key}/socketio`)!;
      const sioF = (m: 'perMsg' | 'perDelivery' | 'deliveriesPerS') => {
        const s = sio();
        const c = own('socketio', s);
        return m === 'perMsg' ? c / s.msgs : m === 'perDelivery' ? c / s.deliveries : s.deliveries / s.seconds;
      };
      const withSio = (m: 'perMsg' | 'perDelivery' | 'deliveriesPerS') => (kind === 'strata' ? { baseline: { subject: LABEL.socketio, value: sioF(m) } } : {});
      ctx.res.add({ scenario, subject, metric: 'server CPU-µs per acked msg', value: f.perMsg, unit: 'µs', ...withSio('perMsg'), note: split(kind, t, t.msgs) });
      ctx.res.add({ scenario, subject, metric: 'server CPU-µs per delivery', value: f.perDelivery, unit: 'µs', ...withSio('perDelivery'), note: split(kind, t, t.deliveries) });
      ctx.res.add({ scenario, subject, metric: 'deliveries/s', value: f.deliveriesPerS, unit: '/s', ...withSio('deliveriesPerS'), note });
      ctx.res.add({ scenario, subject, metric: 'acked msgs/s', value: t.msgs / t.seconds, unit: '/s' });
      ctx.res.add({ scenario, subject, metric: 'p99 ack latency', value: lat.p99, unit: 'ms', note: `p50 ${lat.p50.toFixed(2)} ms` });
      ctx.res.latency.push({ scenario: `peers ${shape.key}`, subject: `${kind} ack`, p50: lat.p50, p99: lat.p99, p999: lat.p999 });
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
