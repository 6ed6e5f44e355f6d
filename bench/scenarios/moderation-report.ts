// The figures and checks of scenario "moderation" (moderation.ts): per arm, beside the plain arm
// of the same run (ratios), and what the load saw (every send acked, seqs gap-free).
import os from 'node:os';
import type { Ctx } from '../lib/context.js';
import { fmt } from '../lib/report.js';
import { Samples, type Summary } from '../lib/stats.js';
import { SENDER_GAP_MS, type ModBlock, type ModRun } from './moderation.js';

function merged(arrays: Float64Array[]): Summary {
  const s = new Samples(1 << 12);
  for (const a of arrays) s.addAll(a);
  return s.summary();
}

export function report(ctx: Ctx, runs: ModRun[], label: string): void {
  interface Figures { rate: number; each: string; lat: Summary; cpu: number; acked: number }
  const figures = new Map<string, Figures>();
  const sum = (bs: ModBlock[], f: (b: ModBlock) => number) => bs.reduce((n, b) => n + f(b), 0);
  for (const r of runs) {
    const max = r.blocks.filter((b) => b.kind === 'max');
    figures.set(r.arm.name, {
      rate: sum(max, (b) => b.acked) / sum(max, (b) => b.seconds),
      each: max.map((b) => fmt(b.acked / b.seconds)).join(' · '),
      lat: merged(max.flatMap((b) => b.lat)),
      cpu: sum(max, (b) => b.cpuSend) / sum(max, (b) => b.acked),
      acked: sum(r.blocks, (b) => b.acked),
    });
  }
  const plain = figures.get('plain')!;
  for (const r of runs) {
    const f = figures.get(r.arm.name)!;
    const s = `strata ${label} REST, ${r.arm.label}`;
    const vs = (suffix: string, v: number) => (r.arm.name === 'plain' ? {} : { baseline: { subject: `no rule${suffix}`, value: v } });
    const max = r.blocks.filter((b) => b.kind === 'max');
    const note = `64 connections, closed loop, senders ≥ ${SENDER_GAP_MS} ms apart; per block ${f.each}; ${max.length} blocks of ${max[0].seconds.toFixed(1)} s after a warm-up, ABBA with the other arms`;
    ctx.res.add({ scenario: 'moderation', subject: s, metric: 'acked msgs/s', value: f.rate, unit: '/s', ...vs('', plain.rate), note });
    ctx.res.add({ scenario: 'moderation', subject: s, metric: 'p50 send latency', value: f.lat.p50, unit: 'ms', ...vs(' p50', plain.lat.p50) });
    ctx.res.add({ scenario: 'moderation', subject: s, metric: 'p99 send latency', value: f.lat.p99, unit: 'ms', ...vs(' p99', plain.lat.p99) });
    ctx.res.add({ scenario: 'moderation', subject: s, metric: 'server CPU µs per acked msg (sends)', value: f.cpu, unit: 'µs', ...vs('', plain.cpu), note: 'the Strata process only (not Valkey, PostgreSQL)' });
    ctx.res.latency.push({ scenario: 'moderation', subject: `${r.arm.name} send`, p50: f.lat.p50, p99: f.lat.p99, p999: f.lat.p999 });
  }
  const waits = runs.flatMap((r) => r.blocks.filter((b) => b.kind === 'max')).reduce((n, b) => n + b.gapWaits, 0);
  const redraws = runs.flatMap((r) => r.blocks.filter((b) => b.kind === 'max')).reduce((n, b) => n + b.gapRedraws, 0);
  ctx.res.add({ scenario: 'moderation', subject: 'the load', metric: 'sender redraws (user inside their gap) / 2 ms waits', value: redraws, unit: '', note: `${waits} waits; a wait would mean the gap rule, not the server, bounds the rate` });
  ctx.res.add({ scenario: 'moderation', subject: 'machine', metric: 'load average (1 min) at the end', value: os.loadavg()[0], unit: '', note: `${os.cpus().length} cores; other jobs share them` });
  for (const r of runs) {
    const f = figures.get(r.arm.name)!;
    const errors = r.blocks.reduce((n, b) => n + b.errors, 0);
    ctx.res.check('moderation', `${r.arm.name}: acked seqs gap-free, no duplicates`, r.badSeqs.length === 0, r.badSeqs.length ? r.badSeqs.join('; ') : `${f.acked} acks`);
    ctx.res.check('moderation', `${r.arm.name}: every send acked (nothing refused)`, errors === 0,
      errors ? `${errors} errors, e.g. ${r.blocks.flatMap((b) => b.errorSamples).slice(0, 3).join(' | ')}` : `${f.acked} sends, 0 errors`);
    ctx.res.check('moderation', `${r.arm.name}: the rule in place at the end`, true, `${r.verified}; set up in ${r.setupS.toFixed(1)} s`);
  }
}
