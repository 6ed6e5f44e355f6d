// Scenario "ingest": acked messages/s and ack latency over REST and WebSockets, beside a bare
// ioredis client calling the same ingest script (auto-pipelined) and redis-benchmark -P 32 of
// it, all in the same run; the same two baselines of the ingest before the change log give
// what the change log costs the message path ("change log cost"). Every acked seq is checked: per conversation exactly prev+1…prev+n
// (no gap, no duplicate), and the warm store ends with exactly the acked rows. Server CPU per
// acked message (issue #16 §1): Strata's node / Valkey / PostgreSQL from first send to persisted
// (lib/cpu-report.ts), and Valkey's for the bare-client baseline.
import type { Ctx, StackWorld } from '../lib/context.js';
import { runJob } from '../lib/proc.js';
import { Samples, Timeline, type Summary } from '../lib/stats.js';
import { fmt } from '../lib/report.js';
import { until } from '../lib/stack.js';
import { warmView } from '../lib/warm.js';
import type { IngestJob, IngestResult } from '../load/ingest-load.js';
import { SCRIPT_FILE, type LuaJob, type LuaResult, type LuaScript } from '../baselines/lua-ingest.js';
import { redisBenchmarkIngest } from '../baselines/redis-benchmark.js';
import { CpuMeter } from '../lib/cpu.js';
import { cpuRow, stackMeter } from '../lib/cpu-report.js';
import { servicePidsOf } from '../lib/server-pids.js';

export interface LoadOutcome {
  acked: number;
  errors: number;
  rate: number;
  lat: Summary;
  timeline: Timeline;
  seconds: number;
  startMs: number;
  endMs: number;
  /** [epoch ms, persisted rows] samples, when polled. */
  persistCurve: [number, number][];
  drainedMs: number;
  ok: boolean;
}

/** Drives ingest from `procs` load processes and verifies what was acked. */
export async function driveIngest(ctx: Ctx, sw: StackWorld, o: {
  scenario: string; transport: 'rest' | 'ws'; procs: number; concurrency: number; durationMs: number; maxMessages?: number; poll?: boolean; convs?: StackWorld['world']['convs']; roundRobin?: boolean; perWorker?: number; ratePerS?: number; stamp?: boolean;
}): Promise<LoadOutcome> {
  const convs = o.convs ?? sw.world.convs;
  const convIds = convs.map((c) => c.id);
  const warm = await warmView(sw.stack);
  const curve: [number, number][] = [];
  let polling = !!o.poll;
  const poller = (async () => {
    while (polling) {
      curve.push([Date.now(), await warm.persisted(convIds)]);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const tag = `${o.scenario}-${o.transport}-${Date.now().toString(36)}`;
  const results = await Promise.all(Array.from({ length: o.procs }, (_, i) => runJob<IngestJob, IngestResult>('load/ingest-load.ts', {
    transport: o.transport, url: sw.stack.url, wsUrl: sw.stack.wsUrl, convs, tokens: sw.world.tokens,
    concurrency: Math.ceil(o.concurrency / o.procs), durationMs: o.durationMs, maxMessages: o.maxMessages ? Math.ceil(o.maxMessages / o.procs) : 0,
    seed: ctx.seed * 1000 + i, tag: `${tag}-${i}`, workerOffset: i * Math.ceil(o.concurrency / o.procs), roundRobin: o.roundRobin, perWorker: o.perWorker, ratePerS: o.ratePerS ? o.ratePerS / o.procs : 0, stamp: o.stamp,
  }, o.durationMs + 120_000)));

  const lat = new Samples(1 << 16);
  const timeline = new Timeline(50);
  const seqs = new Map<string, number[]>();
  let acked = 0;
  let errors = 0;
  const samples: string[] = [];
  for (const r of results) {
    acked += r.acked;
    errors += r.errors;
    samples.push(...r.errorSamples);
    lat.addAll(r.latencyMs);
    timeline.merge(r.timeline);
    for (const [c, s] of Object.entries(r.seqs)) seqs.set(c, [...(seqs.get(c) ?? []), ...s]);
  }
  const startMs = Math.min(...results.map((r) => r.startMs));
  const endMs = Math.max(...results.map((r) => r.endMs));
  const seconds = (endMs - startMs) / 1000;

  let badConvs = 0;
  let detail = '';
  for (const [c, s] of seqs) {
    s.sort((a, b) => a - b);
    const prev = sw.lastSeq.get(c) ?? 0;
    const good = s.every((v, i) => v === prev + 1 + i);
    if (!good) {
      badConvs++;
      if (!detail) detail = `conversation ${c}: after ${prev} acked ${s.slice(0, 8).join(',')}…`;
    }
    sw.lastSeq.set(c, prev + s.length);
  }
  ctx.res.check(o.scenario, `${sw.label} ${o.transport}: acked seqs gap-free, no duplicates`, badConvs === 0,
    badConvs === 0 ? `${acked} acks in ${seqs.size} conversations` : `${badConvs} conversations wrong; ${detail}`);
  ctx.res.check(o.scenario, `${sw.label} ${o.transport}: every send answered with an ack`, errors === 0,
    errors === 0 ? `${acked} sends, 0 errors` : `${errors} errors, e.g. ${samples.slice(0, 3).join(' | ')}`);

  // Persisted == acked: wait for the workers to catch up (they keep polling through the drain).
  const expected = convIds.reduce((n, c) => n + (sw.lastSeq.get(c) ?? 0), 0);
  polling = true;
  const drained = await until(async () => (await warm.persisted(convIds)) >= expected, 120_000, 50);
  const drainedMs = Date.now() - endMs;
  polling = false;
  await poller;
  if (o.poll) curve.push([Date.now(), await warm.persisted(convIds)]);
  const exact = await warm.exact(convIds);
  await warm.close();
  const ok = drained && exact.rows === expected && exact.distinct === expected && exact.gappy === 0;
  ctx.res.check(o.scenario, `${sw.label} ${o.transport}: persisted rows == acked`, ok,
    `${exact.rows} rows (${exact.distinct} distinct, ${exact.gappy} conversations with gaps) for ${expected} acked in total${drained ? '' : '; NOT drained within 120 s'}`);
  return { acked, errors, rate: acked / seconds, lat: lat.summary(), timeline, seconds, startMs, endMs, persistCurve: curve, drainedMs, ok };
}

/**
 * The bare-client and redis-benchmark baselines, once per run: ingest-10.lua (the ceiling the
 * ingest figures are compared with), the ingest before the change log (bench-only copy,
 * ingest-before-change-log.lua) with the same load shape on the same redis-server, phases
 * alternating, for what the change log costs the message path, and change-8.lua (edits and
 * reactions) with the same shape.
 */
export async function ingestBaselines(ctx: Ctx): Promise<{ bare: number; bareLat: Summary; rb: number }> {
  if (ctx.shared.bareIngest) return { bare: ctx.shared.bareIngest, bareLat: JSON.parse(String(ctx.shared.bareLatJson)), rb: ctx.shared.rbIngest };
  // ABBA ABBA after a warm-up of each: on a shared machine, drift (other work starting or
  // stopping) hits both scripts.
  const phaseMs = ctx.q(2_500, 750);
  const valkeyMeter = new CpuMeter({ valkey: [(await servicePidsOf(ctx)).valkey] }).start();
  const lua = await runJob<LuaJob, LuaResult>('baselines/lua-ingest.ts', {
    redisUrl: ctx.redisUrl, prefix: `bench-lua-${process.pid}`, convs: 100, partitions: 16, concurrency: 128,
    durationMs: phaseMs, warmupMs: ctx.q(1_000, 500), phases: ['ingest', 'before', 'before', 'ingest', 'ingest', 'before', 'before', 'ingest', 'change', 'change'], seed: ctx.seed,
  }, 180_000);
  valkeyMeter.stop();
  const of = (script: LuaScript) => {
    const ps = lua.phases.filter((p) => p.script === script);
    const acked = ps.reduce((a, p) => a + p.acked, 0);
    const lat = new Samples(1 << 16);
    for (const p of ps) lat.addAll(p.latencyMs);
    const each = ps.map((p) => fmt(p.acked / p.seconds)).join(' · ');
    const valkeyUs = ps.reduce((n, p) => n + valkeyMeter.between(p.startMs, p.endMs).valkey, 0);
    return { rate: acked / ps.reduce((a, p) => a + p.seconds, 0), acked, errors: ps.reduce((a, p) => a + p.errors, 0), lat: lat.summary(), each, valkeyUs };
  };
  const now = of('ingest');
  const before = of('before');
  const change = of('change');
  for (const [script, r] of [['ingest', now], ['before', before], ['change', change]] as const) {
    if (r.errors) ctx.res.check('ingest', `bare client: every ${SCRIPT_FILE[script]} call ${script === 'change' ? 'answered "changed"' : 'created a message'}`, false, `${r.errors} of ${r.errors + r.acked} calls did not`);
  }
  const bareLat = now.lat;
  const rb = await redisBenchmarkIngest(ctx.redisUrl, `bench-rb-${process.pid}`, ctx.q(300_000, 60_000), 'ingest');
  const rbBefore = await redisBenchmarkIngest(ctx.redisUrl, `bench-rb-${process.pid}`, ctx.q(300_000, 60_000), 'before');
  ctx.shared.bareIngest = now.rate;
  ctx.shared.bareIngestCpuUs = now.valkeyUs / now.acked;
  ctx.shared.bareChange = change.rate;
  ctx.shared.bareLatJson = JSON.stringify(bareLat);
  ctx.shared.rbIngest = rb.rps;
  const shape = `auto-pipelining, 128 in flight, 100 conversations; ${((4 * phaseMs) / 1000).toFixed(0)} s in 4 phases alternating with the other script`;
  ctx.res.add({ scenario: 'ingest', subject: 'baseline bare ioredis → ingest-10.lua', metric: 'calls/s', value: now.rate, unit: '/s', note: shape });
  ctx.res.add({ scenario: 'ingest', subject: 'baseline bare ioredis → ingest-10.lua', metric: 'server CPU-µs per acked msg', value: now.valkeyUs / now.acked, unit: 'µs', note: 'valkey only (the client is not a server); over the ingest phases' });
  ctx.res.add({ scenario: 'ingest', subject: 'baseline bare ioredis → ingest-10.lua', metric: 'p99 latency', value: bareLat.p99, unit: 'ms', note: `p50 ${bareLat.p50.toFixed(2)} ms` });
  ctx.res.latency.push({ scenario: 'ingest', subject: 'bare ioredis script call', p50: bareLat.p50, p99: bareLat.p99, p999: bareLat.p999 });
  ctx.res.add({ scenario: 'ingest', subject: 'baseline redis-benchmark -P 32', metric: 'calls/s', value: rb.rps, unit: '/s', note: rb.command });
  // What the change log costs the message path: the same load through the ingest before it.
  ctx.res.add({ scenario: 'change log cost', subject: 'bare ioredis → ingest-before-change-log.lua', metric: 'acked msgs/s', value: before.rate, unit: '/s', note: shape });
  ctx.res.add({ scenario: 'change log cost', subject: 'bare ioredis → ingest-10.lua', metric: 'acked msgs/s vs before', value: now.rate, unit: '/s', baseline: { subject: 'ingest-before-change-log.lua', value: before.rate }, note: `per phase /s: ingest-10 ${now.each}; before ${before.each}` });
  ctx.res.add({ scenario: 'change log cost', subject: 'bare ioredis → ingest-before-change-log.lua', metric: 'p99 latency', value: before.lat.p99, unit: 'ms', note: `p50 ${before.lat.p50.toFixed(2)} ms` });
  ctx.res.add({ scenario: 'change log cost', subject: 'bare ioredis → ingest-10.lua', metric: 'p99 latency vs before', value: bareLat.p99, unit: 'ms', baseline: { subject: 'ingest-before-change-log.lua p99', value: before.lat.p99 }, note: `p50 ${bareLat.p50.toFixed(2)} ms` });
  ctx.res.add({ scenario: 'change log cost', subject: 'redis-benchmark -P 32 → ingest-before-change-log.lua', metric: 'acked msgs/s', value: rbBefore.rps, unit: '/s', note: rbBefore.command });
  ctx.res.add({ scenario: 'change log cost', subject: 'redis-benchmark -P 32 → ingest-10.lua', metric: 'acked msgs/s vs before', value: rb.rps, unit: '/s', baseline: { subject: 'ingest-before-change-log.lua', value: rbBefore.rps } });
  ctx.res.latency.push({ scenario: 'change log cost', subject: 'bare ioredis ingest before change log', p50: before.lat.p50, p99: before.lat.p99, p999: before.lat.p999 });
  ctx.res.add({ scenario: 'changes', subject: 'baseline bare ioredis → change-8.lua', metric: 'edits+reactions/s', value: change.rate, unit: '/s', baseline: { subject: 'bare ioredis → ingest-10.lua msgs', value: now.rate }, note: `half edits of ring messages, half reactions; ${shape.split(';')[0]}; ${((2 * phaseMs) / 1000).toFixed(1)} s` });
  return { bare: now.rate, bareLat, rb: rb.rps };
}

export async function ingestScenario(ctx: Ctx, sw: StackWorld, transport: 'rest' | 'ws', o: { poll?: boolean } = {}): Promise<LoadOutcome> {
  const base = sw.stack.kind === 'valkey-pg' ? await ingestBaselines(ctx) : undefined;
  const meter = await stackMeter(ctx, sw);
  const out = await driveIngest(ctx, sw, {
    // WS: 256 sockets (the bare-client baseline runs 128 calls in flight per process); a socket's
    // sends are sequential, so in-flight work comes from many sockets, as from many devices.
    // REST: 64 keep-alive connections (more only queues: p99 grows, throughput does not).
    scenario: 'ingest', transport, procs: 2, concurrency: transport === 'ws' ? 256 : 64, durationMs: ctx.q(15_000, 4_000), poll: o.poll,
  });
  meter.stop();
  const subject = `strata ${sw.label} ${transport.toUpperCase()}`;
  // The sends, then the drain until persisted == acked: the persist work of these messages.
  cpuRow(ctx, {
    scenario: 'ingest', subject, unit: 'acked msg', cpu: meter.between(out.startMs, out.endMs + out.drainedMs), units: out.acked, window: `first send → persisted (${out.seconds.toFixed(1)} s + ${(out.drainedMs / 1000).toFixed(1)} s drain)`,
    ...(base ? { baseline: { subject: 'bare ioredis (valkey)', value: ctx.shared.bareIngestCpuUs } } : {}),
  });
  const goal = transport === 'ws' && base ? { goal: '>= 0.50', met: out.rate / base.bare >= 0.5 } : {};
  ctx.res.add({ scenario: 'ingest', subject, metric: 'acked msgs/s', value: out.rate, unit: '/s', ...(base ? { baseline: { subject: 'bare ioredis', value: base.bare } } : {}), ...goal });
  if (base) ctx.res.add({ scenario: 'ingest', subject, metric: 'acked msgs/s vs redis-benchmark', value: out.rate, unit: '/s', baseline: { subject: 'redis-benchmark -P 32', value: base.rb } });
  ctx.res.add({ scenario: 'ingest', subject, metric: 'p50 ack latency', value: out.lat.p50, unit: 'ms' });
  ctx.res.add({ scenario: 'ingest', subject, metric: 'p99 ack latency', value: out.lat.p99, unit: 'ms', ...(base ? { baseline: { subject: 'bare ioredis p99', value: base.bareLat.p99 } } : {}) });
  ctx.res.latency.push({ scenario: 'ingest', subject: `${sw.label} ${transport} ack`, p50: out.lat.p50, p99: out.lat.p99, p999: out.lat.p999 });
  if (transport === 'ws' && sw.stack.kind === 'valkey-pg') ctx.shared.maxWsIngest = out.rate;
  if (transport === 'rest' && sw.stack.kind === 'valkey-pg') ctx.shared.restIngest = out.rate;
  return out;
}
