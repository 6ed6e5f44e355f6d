// The figures and checks of scenario "integrations" (integrations.ts): per arm, beside the
// plain arm of the same run, and the correctness of what each far end saw.
import os from 'node:os';
import type { Ctx } from '../lib/context.js';
import { fmt } from '../lib/report.js';
import { Samples, type Summary } from '../lib/stats.js';
import type { ArmRun, Block } from './integrations.js';

function merged(arrays: Float64Array[] | number[][]): Summary {
  const s = new Samples(1 << 12);
  for (const a of arrays) s.addAll(a);
  return s.summary();
}

export function report(ctx: Ctx, runs: ArmRun[], label: string, rate: number, pushDelayMs: number): void {
  interface Figures { rate: number; each: string; lat: Summary; cpuSend: number; cpuAll: number; pacedLat: Summary; pacedCpu: number; delivery: Summary; deliveryMax: Summary; acked: number }
  const figures = new Map<string, Figures>();
  for (const r of runs) {
    const max = r.blocks.filter((b) => b.kind === 'max');
    const paced = r.blocks.filter((b) => b.kind === 'paced');
    const sum = (bs: Block[], f: (b: Block) => number) => bs.reduce((n, b) => n + f(b), 0);
    figures.set(r.arm.name, {
      rate: sum(max, (b) => b.acked) / sum(max, (b) => b.seconds),
      each: max.map((b) => fmt(b.acked / b.seconds)).join(' · '),
      lat: merged(max.flatMap((b) => b.lat)),
      cpuSend: sum(max, (b) => b.cpuSend) / sum(max, (b) => b.acked),
      cpuAll: sum(max, (b) => b.cpuSend + b.cpuDrain) / sum(max, (b) => b.acked),
      pacedLat: merged(paced.flatMap((b) => b.lat)),
      pacedCpu: sum(paced, (b) => b.cpuSend + b.cpuDrain) / sum(paced, (b) => b.acked),
      delivery: merged(paced.map((b) => b.delivery)),
      deliveryMax: merged(max.map((b) => b.delivery)),
      acked: sum(r.blocks, (b) => b.acked),
    });
  }
  const plain = figures.get('plain')!;
  const subject = (r: ArmRun) => `strata ${label} REST, ${r.arm.label}`;
  const vs = (r: ArmRun, s: string, v: number) => (r.arm.name === 'plain' ? {} : { baseline: { subject: `no integration${s}`, value: v } });
  const blocks = (r: ArmRun) => {
    const max = r.blocks.filter((b) => b.kind === 'max');
    return `${max.length} blocks of ${max[0].seconds.toFixed(1)} s after a warm-up, alternating ABBA with the other arms`;
  };
  for (const r of runs) {
    const f = figures.get(r.arm.name)!;
    const s = subject(r);
    ctx.res.add({ scenario: 'integrations', subject: s, metric: 'acked msgs/s', value: f.rate, unit: '/s', ...vs(r, '', plain.rate), note: `64 connections, closed loop; per block ${f.each}; ${blocks(r)}` });
    ctx.res.add({ scenario: 'integrations', subject: s, metric: 'p50 send latency', value: f.lat.p50, unit: 'ms', ...vs(r, ' p50', plain.lat.p50) });
    ctx.res.add({ scenario: 'integrations', subject: s, metric: 'p99 send latency', value: f.lat.p99, unit: 'ms', ...vs(r, ' p99', plain.lat.p99) });
    ctx.res.add({ scenario: 'integrations', subject: s, metric: 'server CPU µs per acked msg (sends)', value: f.cpuSend, unit: 'µs', ...vs(r, '', plain.cpuSend) });
    ctx.res.add({ scenario: 'integrations', subject: s, metric: 'server CPU µs per acked msg (sends + drain)', value: f.cpuAll, unit: 'µs', ...vs(r, '', plain.cpuAll), note: 'the Strata process only (not Valkey, PostgreSQL, the far ends)' });
    ctx.res.add({ scenario: 'integrations', subject: s, metric: `p50 / p99 send latency at ${rate}/s`, value: f.pacedLat.p99, unit: 'ms', ...vs(r, ` p99 at ${rate}/s`, plain.pacedLat.p99), note: `p50 ${f.pacedLat.p50.toFixed(2)} ms; CPU ${fmt(f.pacedCpu)} µs per msg (plain ${fmt(plain.pacedCpu)})` });
    ctx.res.latency.push({ scenario: 'integrations', subject: `${r.arm.name} send`, p50: f.lat.p50, p99: f.lat.p99, p999: f.lat.p999 });
    if (r.arm.name === 'webhook') {
      ctx.res.add({ scenario: 'integrations', subject: s, metric: `webhook delivery p50 at ${rate}/s`, value: f.delivery.p50, unit: 'ms', note: 'arrival at the receiver − the send\'s ack' });
      ctx.res.add({ scenario: 'integrations', subject: s, metric: `webhook delivery p99 at ${rate}/s`, value: f.delivery.p99, unit: 'ms', note: `n=${f.delivery.n}` });
      ctx.res.add({ scenario: 'integrations', subject: s, metric: 'webhook delivery p50 / p99, closed loop', value: f.deliveryMax.p99, unit: 'ms', note: `p50 ${fmt(f.deliveryMax.p50)} ms (a backlog: delivery is slower than max ingest)` });
      ctx.res.latency.push({ scenario: 'integrations', subject: `webhook ack→receiver at ${rate}/s`, p50: f.delivery.p50, p99: f.delivery.p99, p999: f.delivery.p999 });
    }
    if (r.arm.name === 'push') {
      const d = pushDelayMs;
      ctx.res.add({ scenario: 'integrations', subject: s, metric: `push delivery p50 at ${rate}/s`, value: f.delivery.p50, unit: 'ms', note: `push service got and decrypted it − the send's ack, per message and subscription; beyond PUSH_DELAY_MS ${d}: ${fmt(f.delivery.p50 - d)} ms` });
      ctx.res.add({ scenario: 'integrations', subject: s, metric: `push delivery p99 at ${rate}/s`, value: f.delivery.p99, unit: 'ms', note: `beyond PUSH_DELAY_MS: ${fmt(f.delivery.p99 - d)} ms; n=${f.delivery.n}` });
      ctx.res.add({ scenario: 'integrations', subject: s, metric: 'push delivery p50 / p99, closed loop', value: f.deliveryMax.p99, unit: 'ms', note: `p50 ${fmt(f.deliveryMax.p50)} ms (a backlog: 9 pushes per message); n=${f.deliveryMax.n}` });
      ctx.res.latency.push({ scenario: 'integrations', subject: `push ack→push service at ${rate}/s`, p50: f.delivery.p50, p99: f.delivery.p99, p999: f.delivery.p999 });
      const drain = r.blocks.filter((b) => b.kind === 'max').map((b) => (b.drainMs / 1000).toFixed(1));
      ctx.res.add({ scenario: 'integrations', subject: s, metric: 'drain after a closed-loop block', value: Math.max(...drain.map(Number)), unit: 's', note: `per block ${drain.join(' · ')} s (until every push arrived)` });
    }
  }
  ctx.res.add({ scenario: 'integrations', subject: 'machine', metric: 'load average (1 min) at the end', value: os.loadavg()[0], unit: '', note: `${os.cpus().length} cores; other jobs share them` });
  // correctness
  for (const r of runs) {
    const f = figures.get(r.arm.name)!;
    const errors = r.blocks.reduce((n, b) => n + b.errors, 0);
    ctx.res.check('integrations', `${r.arm.name}: acked seqs gap-free, no duplicates`, r.badSeqs.length === 0, r.badSeqs.length ? r.badSeqs.join('; ') : `${f.acked} acks`);
    ctx.res.check('integrations', `${r.arm.name}: every send answered with an ack`, errors === 0,
      errors ? `${errors} errors, e.g. ${r.blocks.flatMap((b) => b.errorSamples).slice(0, 3).join(' | ')}` : `${f.acked} sends, 0 errors`);
    if (r.arm.name === 'hook') {
      const distinct = new Set(r.hookIds).size;
      ctx.res.check('integrations', 'hook: asked once about every send of its arm, nothing else', r.hookIds.length === f.acked && distinct === f.acked,
        `${r.hookIds.length} hook requests (${distinct} client_ids) for ${f.acked} acked sends`);
    }
    if (r.arm.name === 'webhook') {
      const lost = [...r.pending.values()].reduce((n, m) => n + m.size, 0);
      const arrived = [...r.seenAt.values()].reduce((n, s) => n + s.size, 0);
      ctx.res.check('integrations', 'webhook: every acked message arrived at the receiver (0 lost), nothing else', lost === 0 && arrived === f.acked,
        `${arrived} messages arrived for ${f.acked} acked, ${lost} lost, ${r.duplicates} arrived twice (at least once allows it)`);
    }
    if (r.arm.name === 'push') {
      const p = r.push;
      const lost = p.outstanding();
      ctx.res.check('integrations', 'push: every acked message at every member\'s subscription but the sender\'s (0 lost)', lost === 0 && p.unknown === 0,
        `${p.arrived} pushes for ${f.acked} acked messages owing ${p.owedTotal}; ${lost} lost, ${p.duplicates} twice (at least once allows it), ${p.unknown} of no acked message${p.samples.length ? `; ${p.samples.join(' | ')}` : ''}`);
      ctx.res.check('integrations', 'push: every push passed the VAPID check and decrypted with its subscription\'s keys', p.rejected === 0,
        `${p.rejected} refused${p.rejected ? `: ${p.samples.join(' | ')}` : ` of ${p.arrived}`}`);
      ctx.res.check('integrations', 'push: nothing pushed to the sender, payload sender = who sent it', p.toSender === 0 && p.wrongSender === 0,
        `${p.toSender} to the sender, ${p.wrongSender} with another sender`);
    }
  }
}
