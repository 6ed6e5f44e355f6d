// Archive job (a child process of its own): seeds `rows` messages of one conversation into a
// fresh PostgreSQL schema, archives them with Strata's Archive (Parquet, default codec) into a
// local directory, reads every row back, then — the baseline — DuckDB COPY TO PARQUET of the
// same rows (ZSTD, same row-group size). Reports rows/s of both and what was verified.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Archive } from '../../src/archive/archive.js';
import { seedConversation } from '../../src/archive/archive-test-kit.js';
import { LocalArchive } from '../../src/archive/local-archive.js';
import { DEFAULT_COMPRESSION, ROW_GROUP_ROWS } from '../../src/archive/parquet.js';
import { createSqlStore } from '../../src/store/sql/sql-store.js';
import { SqlArchiveSource } from '../../src/store/sql/sql-archive-source.js';
import { isMain, serveJob } from '../lib/proc.js';

export interface ArchiveJob {
  pgUrl: string;
  rows: number;
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
}

async function run(job: ArchiveJob): Promise<ArchiveJobResult> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-bench-archive-'));
  const schema = `bench_archive_${process.pid}`;
  const store = await createSqlStore(job.pgUrl, { schema });
  try {
    await store.migrate();
    const conv = '0190c8a4-0000-7000-8000-0000000be4c4';
    const messages = await seedConversation(store, conv, job.rows, { stepMs: 20_000 });
    const archive = new Archive(new LocalArchive(path.join(tmp, 'archive')));
    const t = performance.now();
    const r = await archive.archiveConversation(new SqlArchiveSource(store.db), conv, job.rows);
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

    const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const con = await db.connect();
    await con.run('create table m (id varchar, conversation_id varchar, seq bigint, sender varchar, text varchar, reply_to varchar, client_id varchar, created_at timestamptz, edited_at timestamptz, deleted_at timestamptz)');
    const app = await con.createAppender('m');
    for (const x of messages) {
      for (const v of [x.id, x.conversation_id]) app.appendVarchar(v);
      app.appendBigInt(BigInt(x.seq));
      for (const v of [x.sender, x.text, x.reply_to, x.client_id]) (v === null ? app.appendNull() : app.appendVarchar(v));
      for (const v of [x.created_at, x.edited_at, x.deleted_at]) (v === null ? app.appendNull() : app.appendVarchar(v));
      app.endRow();
    }
    app.closeSync();
    const file = path.join(tmp, 'baseline.parquet');
    const t2 = performance.now();
    await con.run(`copy (select * from m order by seq) to '${file}' (format parquet, compression zstd, row_group_size ${ROW_GROUP_ROWS})`);
    const secs2 = (performance.now() - t2) / 1000;
    const duckdbBytes = (await fs.stat(file)).size;
    con.closeSync();
    return {
      archived: r.archived, deleted: r.deleted, readBack, readBackContiguous: contiguous, strataRate: r.archived / secs, duckdbRate: job.rows / secs2,
      strataBytes, duckdbBytes, codec: DEFAULT_COMPRESSION,
    };
  } finally {
    await (store.db as unknown as { schema: { dropSchema(s: string): { ifExists(): { cascade(): { execute(): Promise<void> } } } } }).schema.dropSchema(schema).ifExists().cascade().execute().catch(() => undefined);
    await store.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) serveJob(run);
