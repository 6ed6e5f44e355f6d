// Scenario "archive": rows/s moved from the warm store (PostgreSQL) into Parquet by Strata's
// archiver (local directory; the S3 adapter is measured by bench/archive-bench.ts), beside
// DuckDB COPY TO PARQUET of the same rows in the same run. Checked: every row archived, its
// warm row deleted, and all of them read back from the archive, contiguous. CPU per row beside
// rows/s: the archiver's process (Parquet encoding, ZSTD, the SQL client) and PostgreSQL's (the
// reads and deletes it asks for), DuckDB's process over its COPY. Goal (#16 §3): rows/s ≥ 0.5
// × DuckDB's.
import type { Ctx, StackWorld } from '../lib/context.js';
import { runJob } from '../lib/proc.js';
import { fmt } from '../lib/report.js';
import { servicePidsOf } from '../lib/server-pids.js';
import type { ArchiveJob, ArchiveJobResult } from '../baselines/archive-job.js';

export async function archiveScenario(ctx: Ctx, _sw: StackWorld): Promise<void> {
  const rows = ctx.q(100_000, 10_000);
  const r = await runJob<ArchiveJob, ArchiveJobResult>('baselines/archive-job.ts', { pgUrl: ctx.pgUrl, rows, postmaster: (await servicePidsOf(ctx)).postmaster }, 600_000);
  ctx.res.check('archive', 'every row archived, deleted from the warm store, read back contiguous',
    r.archived === rows && r.deleted === rows && r.readBack === rows && r.readBackContiguous,
    `${r.archived} archived, ${r.deleted} deleted, ${r.readBack} read back${r.readBackContiguous ? '' : ' (NOT contiguous)'} of ${rows}`);
  ctx.res.add({ scenario: 'archive', subject: 'baseline DuckDB COPY TO PARQUET (zstd)', metric: 'rows/s', value: r.duckdbRate, unit: '/s', note: `${(r.duckdbBytes / rows).toFixed(1)} B/row` });
  const strata = `strata archiver PG → Parquet (${r.codec}), local dir`;
  const ratio = r.strataRate / r.duckdbRate;
  ctx.res.add({ scenario: 'archive', subject: strata, metric: 'rows/s', value: r.strataRate, unit: '/s', baseline: { subject: 'DuckDB COPY', value: r.duckdbRate }, goal: '>= 0.5', met: ratio >= 0.5, note: `${(r.strataBytes / rows).toFixed(1)} B/row` });
  ctx.res.add({ scenario: 'archive', subject: 'baseline DuckDB COPY TO PARQUET (zstd)', metric: 'CPU-µs per row', value: r.duckdbCpuUs / rows, unit: 'µs' });
  ctx.res.add({ scenario: 'archive', subject: strata, metric: 'CPU-µs per row (archiver + PostgreSQL)', value: (r.strataCpuUs + r.pgCpuUs) / rows, unit: 'µs', baseline: { subject: 'DuckDB COPY', value: r.duckdbCpuUs / rows },
    note: `archiver ${fmt(r.strataCpuUs / rows)} / PostgreSQL ${fmt(r.pgCpuUs / rows)} µs per row (PostgreSQL's whole tree over the run)` });
}
