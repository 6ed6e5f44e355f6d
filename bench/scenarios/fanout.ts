// Scenario "fan-out": delivered messages/s to 1,000 sockets in 100 conversations of 10, beside
// a bare `ws` server broadcasting a pre-serialized frame to the same shape of sockets, plain
// (one write per frame) and corked (a tick's frames per socket in one write), and Socket.IO 4
// rooms — all in the same run. Strata's messages enter over the WS gateway (one sender socket
// per conversation, the same number each); every receiver must get every message exactly once.
// Server CPU per delivery (issue #16 §1): each baseline's server process, and Strata's node /
// Valkey / PostgreSQL (lib/cpu-report.ts).
import type { Ctx, StackWorld } from '../lib/context.js';
import { gatewayAvailable } from '../lib/gateway.js';
import { startReceivers } from '../lib/receivers.js';
import { runBroadcastBaseline } from '../baselines/fanout-baselines.js';
import { driveIngest } from './ingest.js';
import { cpuRow, stackMeter } from '../lib/cpu-report.js';

export async function fanoutScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const frames = ctx.q(50_000, 10_000);
  const shape = { sockets: 1000, roomSize: 10, frames };
  const base: Record<string, number> = {};
  const baseCpu: Record<string, number> = {};
  for (const mode of ['ws-plain', 'ws-corked', 'socketio'] as const) {
    const r = await runBroadcastBaseline(mode, shape);
    ctx.res.check('fan-out', `baseline ${mode}: every frame delivered`, r.delivered === r.expected, `${r.delivered}/${r.expected}`);
    base[mode] = r.rate;
    baseCpu[mode] = r.cpuUs / r.delivered;
    ctx.res.add({ scenario: 'fan-out', subject: `baseline ${mode === 'socketio' ? 'Socket.IO 4 rooms' : `bare ws ${mode.slice(3)}`}`, metric: 'deliveries/s', value: r.rate, unit: '/s', note: `${r.delivered} deliveries in ${r.seconds.toFixed(2)} s` });
    ctx.res.add({ scenario: 'fan-out', subject: `baseline ${mode === 'socketio' ? 'Socket.IO 4 rooms' : `bare ws ${mode.slice(3)}`}`, metric: 'server CPU-µs per delivery', value: baseCpu[mode], unit: 'µs', note: 'its server process; first send → last delivery' });
  }
  ctx.shared.corkedFanout = base['ws-corked'];
  const token = sw.world.users[0].token;
  const missing = await gatewayAvailable(sw.stack, token);
  if (missing) {
    ctx.res.skipped.push({ scenario: 'fan-out', reason: `strata ${sw.label}: ${missing}` });
    return;
  }
  const perConv = Math.round(ctx.q(300, 60) / 4) * 4;
  const sockets = sw.world.convs.flatMap((c) => c.members.map((m) => ({ token: sw.world.tokens[m] })));
  const rx = await startReceivers({ kind: 'strata', url: sw.stack.wsUrl, expect: perConv, timeoutMs: 120_000 }, sockets, 2);
  const meter = await stackMeter(ctx, sw);
  try {
    const collected = rx.collect();
    // Four sender sockets per conversation (each a member's extra device): one socket's sends
    // are sequential by design (a device's order), so one sender per conversation would cap
    // the fan-out at the ingest of 100 sequential senders rather than measure delivery.
    const sendersPerConv = 4;
    const load = await driveIngest(ctx, sw, { scenario: 'fan-out', transport: 'ws', procs: 2, concurrency: sw.world.convs.length * sendersPerConv, durationMs: 120_000, perWorker: perConv / sendersPerConv });
    const r = await collected;
    meter.stop();
    const seconds = (r.lastMs - load.startMs) / 1000;
    const rate = r.received / seconds;
    ctx.res.check('fan-out', `strata ${sw.label}: every member socket got every acked message once`,
      r.received === load.acked * 10 && r.short === 0 && r.duplicates === 0,
      `${r.received} deliveries for ${load.acked} acked × 10 members; ${r.short} sockets short; ${r.duplicates} duplicates`);
    const subject = `strata ${sw.label} WS gateway`;
    ctx.res.add({ scenario: 'fan-out', subject, metric: 'deliveries/s', value: rate, unit: '/s', baseline: { subject: 'bare ws corked', value: base['ws-corked'] }, goal: '>= 0.50', met: rate / base['ws-corked'] >= 0.5 });
    ctx.res.add({ scenario: 'fan-out', subject, metric: 'deliveries/s vs plain', value: rate, unit: '/s', baseline: { subject: 'bare ws plain', value: base['ws-plain'] } });
    ctx.res.add({ scenario: 'fan-out', subject, metric: 'deliveries/s vs Socket.IO', value: rate, unit: '/s', baseline: { subject: 'Socket.IO rooms', value: base.socketio } });
    ctx.res.add({ scenario: 'fan-out', subject, metric: 'ingest while fanning out', value: load.rate, unit: 'msg/s' });
    // first send → the later of last delivery and persisted == acked (driveIngest waits for it)
    const cpu = meter.between(load.startMs, Math.max(r.lastMs, load.endMs + load.drainedMs));
    const window = 'first send → last delivery / persisted';
    cpuRow(ctx, { scenario: 'fan-out', subject, unit: 'delivery', cpu, units: r.received, window, baseline: { subject: 'bare ws corked', value: baseCpu['ws-corked'] } });
    cpuRow(ctx, { scenario: 'fan-out', subject, unit: 'acked msg', cpu, units: load.acked, window });
  } finally {
    meter.stop();
    await rx.close();
  }
}
