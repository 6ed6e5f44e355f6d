// Scenario "latency": send→deliver p50/p99/p999 at half the measured max WS ingest rate (the
// sender stamps its clock in the text; receivers are other members' sockets in other
// processes), beside a bare `ws` echo round trip p99 plus one Valkey round trip p99 measured
// at the same pace in the same run. Goal: p99 ≤ 3 × (echo p99 + Valkey RTT p99).
import type { Ctx, StackWorld } from '../lib/context.js';
import { gatewayAvailable } from '../lib/gateway.js';
import { runJob } from '../lib/proc.js';
import { startReceivers } from '../lib/receivers.js';
import { summarize } from '../lib/stats.js';
import type { EchoJob, EchoResult } from '../baselines/echo.js';
import { driveIngest } from './ingest.js';

export async function latencyScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const max = ctx.shared.maxWsIngest as number | undefined;
  const rate = Math.max(50, Math.round((max ?? 2000) / 2));
  const durationMs = ctx.q(15_000, 4_000);
  const e = await runJob<EchoJob, EchoResult>('baselines/echo.ts', { redisUrl: ctx.redisUrl, ratePerS: rate, durationMs }, durationMs + 60_000);
  const echo = summarize(e.echoMs);
  const rtt = summarize(e.valkeyMs);
  const floor = echo.p99 + rtt.p99;
  ctx.res.add({ scenario: 'latency', subject: 'baseline bare ws echo', metric: 'p99 round trip', value: echo.p99, unit: 'ms', note: `p50 ${echo.p50.toFixed(3)} ms at ${rate}/s` });
  ctx.res.add({ scenario: 'latency', subject: 'baseline Valkey PING', metric: 'p99 round trip', value: rtt.p99, unit: 'ms', note: `p50 ${rtt.p50.toFixed(3)} ms` });
  ctx.res.latency.push({ scenario: 'latency', subject: 'bare ws echo', p50: echo.p50, p99: echo.p99, p999: echo.p999 });
  ctx.res.latency.push({ scenario: 'latency', subject: 'Valkey PING', p50: rtt.p50, p99: rtt.p99, p999: rtt.p999 });
  const missing = await gatewayAvailable(sw.stack, sw.world.users[0].token);
  if (missing) {
    ctx.res.skipped.push({ scenario: 'latency', reason: `strata ${sw.label}: ${missing}` });
    return;
  }
  if (!max) ctx.res.skipped.push({ scenario: 'latency', reason: 'no max WS ingest measured in this run: paced at 1,000/s instead of half of it' });
  // Receivers: one other member of each conversation (not the sender's socket).
  const sockets = sw.world.convs.map((c) => ({ token: sw.world.tokens[c.members[c.members.length - 1]] }));
  const rx = await startReceivers({ kind: 'strata', url: sw.stack.wsUrl, expect: Number.MAX_SAFE_INTEGER, timeoutMs: durationMs + 3000 }, sockets, 1);
  try {
    const collected = rx.collect();
    const load = await driveIngest(ctx, sw, { scenario: 'latency', transport: 'ws', procs: 1, concurrency: sw.world.convs.length, durationMs, ratePerS: rate, stamp: true });
    const r = await collected;
    const s = summarize(r.latencyMs);
    ctx.res.check('latency', `strata ${sw.label}: one watcher per conversation got every acked message`, r.received === load.acked && r.duplicates === 0,
      `${r.received} deliveries for ${load.acked} acked; ${r.duplicates} duplicates`);
    const subject = `strata ${sw.label} send→deliver at ${Math.round(load.rate)}/s`;
    ctx.res.add({ scenario: 'latency', subject, metric: 'p50', value: s.p50, unit: 'ms' });
    ctx.res.add({ scenario: 'latency', subject, metric: 'p99', value: s.p99, unit: 'ms', baseline: { subject: 'echo p99 + Valkey RTT p99', value: floor }, goal: '<= 3.0', met: s.p99 / floor <= 3 });
    ctx.res.add({ scenario: 'latency', subject, metric: 'p999', value: s.p999, unit: 'ms' });
    ctx.res.latency.push({ scenario: 'latency', subject: `${sw.label} send→deliver`, p50: s.p50, p99: s.p99, p999: s.p999 });
  } finally {
    await rx.close();
  }
}
