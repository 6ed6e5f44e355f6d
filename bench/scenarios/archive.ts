// Scenario "archive": rows/s moved from the warm store (PostgreSQL) into Parquet by Strata's
// archiver (local directory; the S3 adapter is measured by bench/archive-bench.ts), beside
// DuckDB COPY TO PARQUET of the same rows in the same run. Checked: every row archived, its
// warm row deleted, and all of them read back from the archive, contiguous.
import type { Ctx, StackWorld } from '../lib/context.js';
import { runJob } from '../lib/proc.js';
import type { ArchiveJob, ArchiveJobResult } from '../baselines/archive-job.js';

export async function archiveScenario(ctx: Ctx, _sw: StackWorld): Promise<void> {
  const rows = ctx.q(100_000, 10_000);
  const r = await runJob<ArchiveJob, ArchiveJobResult>('baselines/archive-job.ts', { pgUrl: ctx.pgUrl, rows }, 600_000);
  ctx.res.check('archive', 'every row archived, deleted from the warm store, read back contiguous',
    r.archived === rows && r.deleted === rows && r.readBack === rows && r.readBackContiguous,
    `${r.archived} archived, ${r.deleted} deleted, ${r.readBack} read back${r.readBackContiguous ? '' : ' (NOT contiguous)'} of ${rows}`);
  ctx.res.add({ scenario: 'archive', subject: 'baseline DuckDB COPY TO PARQUET (zstd)', metric: 'rows/s', value: r.duckdbRate, unit: '/s', note: `${(r.duckdbBytes / rows).toFixed(1)} B/row` });
  ctx.res.add({ scenario: 'archive', subject: `strata archiver PG → Parquet (${r.codec}), local dir`, metric: 'rows/s', value: r.strataRate, unit: '/s', baseline: { subject: 'DuckDB COPY', value: r.duckdbRate }, note: `${(r.strataBytes / rows).toFixed(1)} B/row` });
}
