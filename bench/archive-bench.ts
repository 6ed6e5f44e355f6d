// Archive tier figures: archive rows/s (warm SQLite → Parquet → local dir / S3 on Swift),
// file size per million messages, history-page latency from the archive vs from SQL, and
// DuckDB's own COPY TO PARQUET of the same rows as the baseline; then the layout question
// (date= vs month= partitions) on many quiet conversations. Run: npx tsx bench/archive-bench.ts
// (BENCH_ROWS=200000 by default). Timing goals live here, not in tests.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Archive } from '../src/archive/archive.js';
import { duckdbCopyToParquet } from './lib/duckdb-copy.js';
import { seedConversation } from '../src/archive/archive.test-kit.js';
import { zstdBackend } from '../src/archive/decompress.js';
import { LocalObjectStore } from '../src/archive/local-object-store.js';
import type { ObjectStore } from '../src/archive/object-store.js';
import { DEFAULT_COMPRESSION, ParquetCodec } from '../src/archive/parquet.js';
import { S3ObjectStore } from '../src/archive/s3-object-store.js';
import type { Message } from '../src/model/message.js';
import { createSqlStore } from '../src/store/sql/sql-store.js';
import { SqlArchiveSource } from '../src/store/sql/sql-archive-source.js';
import { startSwift } from '../test/services/swift.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const PAGES = 40;
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-archive-bench-'));
const ms = (t: number) => `${t.toFixed(1)} ms`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function warm(conv: string, count: number, stepMs: number) {
  const store = await createSqlStore('sqlite::memory:');
  await store.migrate();
  const messages = await seedConversation(store, conv, count, { stepMs });
  return { store, messages, source: new SqlArchiveSource(store.db) };
}

async function pages(read: (beforeSeq: number) => Promise<Message[]>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < PAGES; i++) {
    const before = 1000 + Math.floor(((i * 7919) % 97) / 97 * (ROWS - 2000));
    const t = performance.now();
    const page = await read(before);
    out.push(performance.now() - t);
    if (page.length !== 50) throw new Error(`page of ${page.length}`);
  }
  return out;
}

async function run(label: string, objects: ObjectStore, codec = new ParquetCodec()) {
  const conv = '0190c8a4-0000-7000-8000-00000000be0c';
  const { store, source } = await warm(conv, ROWS, 20_000); // one message every 20 s → ~46 days
  const sql = await pages((b) => store.listMessages(conv, { beforeSeq: b, limit: 50 }));
  const archive = new Archive(objects, { codec });
  const t = performance.now();
  const r = await archive.archiveConversation(source, conv, ROWS);
  const secs = (performance.now() - t) / 1000;
  const m = await archive.manifest(conv);
  const bytes = m.files.reduce((s, f) => s + f.bytes, 0);
  objects.stats.bytesRead = 0;
  const cold = await pages((b) => archive.readRange(conv, { beforeSeq: b, limit: 50 }));
  const perPage = objects.stats.bytesRead / PAGES;
  console.log(`${label}: archived ${r.archived} rows in ${secs.toFixed(2)} s = ${Math.round(r.archived / secs)} rows/s, ${m.files.length} files,`
    + ` ${(bytes / 1e6).toFixed(2)} MB → ${(bytes / r.archived).toFixed(1)} B/msg = ${(bytes / r.archived).toFixed(0)} MB per million`);
  console.log(`  history page (50, before=random): archive p50 ${ms(pct(cold, 0.5))} p95 ${ms(pct(cold, 0.95))}, ~${Math.round(perPage / 1024)} KiB fetched/page`
    + ` | SQL (SQLite) p50 ${ms(pct(sql, 0.5))} p95 ${ms(pct(sql, 0.95))}`);
  await archive.codec.close();
  await store.close();
}

async function duckdbBaseline() {
  const conv = '0190c8a4-0000-7000-8000-00000000ba5e';
  const { store, messages } = await warm(conv, ROWS, 20_000);
  await store.close();
  const { seconds: secs, bytes: size } = await duckdbCopyToParquet(messages, path.join(tmp, 'baseline.parquet'), 2048);
  console.log(`baseline DuckDB COPY TO PARQUET (rows already in DuckDB): ${Math.round(ROWS / secs)} rows/s, ${(size / ROWS).toFixed(1)} B/msg`);
}

async function layouts() {
  const convs = 200;
  const perConv = 450; // a quiet conversation: 5 messages a day for 90 days
  for (const partitioning of ['date', 'month'] as const) {
    const dir = path.join(tmp, `layout-${partitioning}`);
    const store = await createSqlStore('sqlite::memory:');
    await store.migrate();
    for (let i = 0; i < convs; i++) await seedConversation(store, `q-${i}`, perConv, { stepMs: 86_400_000 / 5 });
    const archive = new Archive(new LocalObjectStore(dir), { partitioning });
    const t = performance.now();
    await archive.archiveAll(new SqlArchiveSource(store.db), { days: 0, keepLast: 1 });
    const secs = (performance.now() - t) / 1000;
    const files = (await archive.objects.list('')).filter((k) => k.endsWith('.parquet'));
    let bytes = 0;
    for (const f of files) bytes += (await fs.stat(path.join(dir, f))).size;
    console.log(`layout ${partitioning}=: ${files.length} files for ${convs * perConv} msgs (${(bytes / files.length / 1024).toFixed(1)} KiB avg,`
      + ` ${(bytes / (convs * perConv)).toFixed(0)} B/msg), ${Math.round((convs * (perConv - 1)) / secs)} rows/s`);
    await archive.close();
    await store.close();
  }
}

try {
  console.log(`archive bench: ${ROWS} messages, node ${process.version}, zstd pages decoded by ${zstdBackend}`);
  await run('local (zstd)', new LocalObjectStore(path.join(tmp, 'local')), new ParquetCodec('zstd'));
  await run('local (gzip)', new LocalObjectStore(path.join(tmp, 'local-gzip')), new ParquetCodec('gzip'));
  const swift = await startSwift();
  try {
    const s3 = new S3ObjectStore({ bucket: 'strata-bench', endpoint: swift.endpoint, region: swift.region, credentials: swift });
    await s3.client.send(new (await import('@aws-sdk/client-s3')).CreateBucketCommand({ Bucket: 'strata-bench' }));
    await run(`S3 on Swift (default: ${DEFAULT_COMPRESSION})`, s3);
    await s3.close();
  } finally {
    await swift.stop();
  }
  await duckdbBaseline();
  await layouts();
} finally {
  await fs.rm(tmp, { recursive: true, force: true });
}
