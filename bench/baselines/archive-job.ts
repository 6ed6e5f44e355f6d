// Archive job (a child process of its own): seeds `rows` messages of one conversation into a
// fresh PostgreSQL schema, archives them with Strata's Archive (Parquet, default codec) into a
// local directory, reads every row back, then — the baseline — DuckDB COPY TO PARQUET of the
// same rows (ZSTD, same row-group size). Reports rows/s of both, the CPU each spent (this
// process's user + system, every thread: DuckDB's workers included; and PostgreSQL's, which the
// archiver reads and deletes through), and what was verified.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Archive } from '../../src/archive/archive.js';
import { seedConversation } from '../../src/archive/archive.test-kit.js';
import { LocalObjectStore } from '../../src/archive/local-object-store.js';
import { DEFAULT_COMPRESSION, ROW_GROUP_ROWS } from '../../src/archive/parquet.js';
import { createSqlStore } from '../../src/store/sql/sql-store.js';
import { SqlArchiveSource } from '../../src/store/sql/sql-archive-source.js';
import { treeCpuMicros } from '../lib/cpu.js';
import { duckdbCopyToParquet } from '../lib/duckdb-copy.js';
import { isMain, serveJob } from '../lib/proc.js';

export interface ArchiveJob {
  pgUrl: string;
  rows: number;
  /** PostgreSQL's postmaster: its tree's CPU over the archive run is counted beside Strata's. */
  postmaster: number;
}

export interface ArchiveJobResult {
  archived: number;
  deleted: number;
  readBack: number;
  readBackContiguous: boolean;
  strataRate: number;
  duckdbRate: number;
  strataBytes: number;
  duckdbBytes: number;
  codec: string;
  /** CPU µs (user + system) of this process while Strata archived, and PostgreSQL's over it. */
  strataCpuUs: number;
  pgCpuUs: number;
  /** CPU µs of this process during DuckDB's COPY (its threads included). */
  duckdbCpuUs: number;
}

/** This process's CPU µs so far (user + system, all threads). */
const ownCpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function run(job: ArchiveJob): Promise<ArchiveJobResult> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-bench-archive-'));
  const schema = `bench_archive_${process.pid}`;
  const store = await createSqlStore(job.pgUrl, { schema });
  try {
    await store.migrate();
    const conv = '0190c8a4-0000-7000-8000-0000000be4c4';
    const messages = await seedConversation(store, conv, job.rows, { stepMs: 20_000 });
    const archive = new Archive(new LocalObjectStore(path.join(tmp, 'archive')));
    const t = performance.now();
    const [cpu0, pg0] = [ownCpu(), treeCpuMicros(job.postmaster)];
    const r = await archive.archiveConversation(new SqlArchiveSource(store.db), conv, job.rows);
    const [strataCpuUs, pgCpuUs] = [ownCpu() - cpu0, treeCpuMicros(job.postmaster) - pg0];
    const secs = (performance.now() - t) / 1000;
    const m = await archive.manifest(conv);
    const strataBytes = m.files.reduce((s, f) => s + f.bytes, 0);
    // Read everything back through the archive, page by page, newest first.
    let readBack = 0;
    let contiguous = true;
    let before: number | undefined;
    for (let pages = 0; pages < job.rows / 200 + 2; pages++) {
      const page = await archive.readRange(conv, { beforeSeq: before, limit: 200 });
      if (page.length === 0) break;
      for (let i = 1; i < page.length; i++) if (page[i].seq !== page[i - 1].seq + 1) contiguous = false;
      if (before !== undefined && page[page.length - 1].seq !== before - 1) contiguous = false;
      readBack += page.length;
      before = page[0].seq;
    }
    await archive.close();

    const { seconds: secs2, bytes: duckdbBytes, cpuUs: duckdbCpuUs } = await duckdbCopyToParquet(messages, path.join(tmp, 'baseline.parquet'), ROW_GROUP_ROWS);
    return {
      archived: r.archived, deleted: r.deleted, readBack, readBackContiguous: contiguous, strataRate: r.archived / secs, duckdbRate: job.rows / secs2,
      strataBytes, duckdbBytes, codec: DEFAULT_COMPRESSION, strataCpuUs, pgCpuUs, duckdbCpuUs,
    };
  } finally {
    await (store.db as unknown as { schema: { dropSchema(s: string): { ifExists(): { cascade(): { execute(): Promise<void> } } } } }).schema.dropSchema(schema).ifExists().cascade().execute().catch(() => undefined);
    await store.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) serveJob(run);
