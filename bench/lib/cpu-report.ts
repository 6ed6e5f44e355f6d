// Server CPU per unit of work for the scenarios (issue #16 §1): a CpuMeter over a stack's
// server processes — its Strata node, and on the Valkey + PostgreSQL stack the run's Valkey and
// PostgreSQL (postmaster and backends) — and the row that prints it beside the rates.
import type { Ctx, StackWorld } from './context.js';
import { CpuMeter, type CpuSplit } from './cpu.js';
import { fmt, type Row } from './report.js';
import { servicePidsOf } from './server-pids.js';

/** Starts sampling the stack's server processes (call stop() after the window). */
export async function stackMeter(ctx: Ctx, sw: StackWorld): Promise<CpuMeter> {
  if (sw.stack.kind !== 'valkey-pg') return new CpuMeter({ node: [sw.stack.pid] }).start();
  const p = await servicePidsOf(ctx);
  return new CpuMeter({ node: [sw.stack.pid], valkey: [p.valkey], pg: [p.postmaster] }).start();
}

/** "node 478 / valkey 49 / pg 303" per unit. */
export function splitNote(cpu: CpuSplit, units: number): string {
  return Object.entries(cpu).filter(([g]) => g !== 'total').map(([g, v]) => `${g} ${fmt(v / units)}`).join(' / ');
}

/** A row "server CPU-µs per <unit>": the total of every group, the split in the note. */
export function cpuRow(ctx: Ctx, o: { scenario: string; subject: string; unit: string; cpu: CpuSplit; units: number; window: string; baseline?: Row['baseline'] }): void {
  ctx.res.add({
    scenario: o.scenario, subject: o.subject, metric: `server CPU-µs per ${o.unit}`, value: o.cpu.total / o.units, unit: 'µs',
    ...(o.baseline ? { baseline: o.baseline } : {}), note: `${splitNote(o.cpu, o.units)}; ${o.window}`,
  });
}
