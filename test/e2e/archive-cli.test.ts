// `strata archive` and `strata export` as real processes on PostgreSQL + S3 (Swift s3api).
// Acceptance 3: the archiver process is killed with SIGKILL at random points of its run five
// times (between uploads, manifest commits and warm deletes: it works in small steps), then run
// to completion → archive + warm store hold every message exactly once, no stray files, and
// the archived rows read back identical. Then `strata export` writes one Parquet file that
// DuckDB reads with the right count, warm and archived rows together, each once.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { Archive } from '../../src/archive/archive.js';
import { seedConversation } from '../../src/archive/archive.test-kit.js';
import { S3ObjectStore } from '../../src/archive/s3-object-store.js';
import { messageJson, type Message } from '../../src/model/message.js';
import { createSqlStore, type SqlStore } from '../../src/store/sql/sql-store.js';
import { createDatabase } from '../helpers/strata-server.js';
import { startSwift, type SwiftServer } from '../services/swift.js';
import { uniqueName } from '../unique.js';

const BIN = path.resolve('bin/strata.js');
const CONVS = 5;
const PER_CONV = 3000;
const KEEP = 100;

describe('strata archive / export processes (PostgreSQL + S3 on Swift)', () => {
  let swift: SwiftServer;
  let store: SqlStore;
  let archive: Archive;
  let env: NodeJS.ProcessEnv;
  let tmp: string;
  const seeded = new Map<string, Message[]>();

  beforeAll(async () => {
    swift = await startSwift();
    const bucket = uniqueName('strata-cli').replace(/_/g, '-');
    const client = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    const databaseUrl = await createDatabase();
    store = await createSqlStore(databaseUrl);
    await store.migrate();
    for (let i = 0; i < CONVS; i++) {
      const id = `0190c8a4-0000-7000-8000-00000000000${i}`;
      // One message every 40 minutes from Jan 2024: each conversation spans three months.
      seeded.set(id, await seedConversation(store, id, PER_CONV, { start: `2024-01-0${i + 1}T00:00:00.000Z`, stepMs: 40 * 60_000 }));
    }
    archive = new Archive(new S3ObjectStore({ bucket, prefix: 'cold', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift }));
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-cli-archive-'));
    env = {
      ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: tmp, DATABASE_URL: databaseUrl,
      ARCHIVE_URL: `s3://${bucket}/cold`, S3_ENDPOINT: swift.endpoint, S3_REGION: swift.region, S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: swift.accessKeyId, AWS_SECRET_ACCESS_KEY: swift.secretAccessKey,
    };
  }, 180_000);

  afterAll(async () => {
    await archive?.close();
    await store?.close();
    await swift?.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  /** Runs the CLI; with killAfterLines, SIGKILLs it once stderr printed that many progress lines, plus a random delay. */
  function strata(args: string[], killAfterLines?: number) {
    return new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '', lines = 0;
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => {
        err += d;
        lines += String(d).split('\n').filter((l) => l.startsWith('[')).length;
        if (killAfterLines !== undefined && lines >= killAfterLines && child.exitCode === null) {
          setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 400));
          killAfterLines = undefined;
        }
      });
      child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
    });
  }

  it('--help describes archive and export', async () => {
    expect((await strata(['archive', '--help'])).out).toMatch(/--keep-last <N>/);
    expect((await strata(['export', '--help'])).out).toMatch(/--since <ISO> --until <ISO> --out/);
    const bad = await strata(['export', '--since', '2024-01-01']);
    expect(bad.code).toBe(2);
  });

  it('acceptance 3: kill -9 at random points five times, rerun → every message exactly once across archive and warm', async () => {
    const states: string[] = [];
    for (let k = 0; k < 5; k++) {
      // ~15 steps per conversation, ~80 progress lines in all: five kills after ≤ 10 lines each all land mid-run.
      const r = await strata(['archive', '--keep-last', String(KEEP), '--batch', '200'], 1 + Math.floor(Math.random() * 10));
      expect(r.signal, r.err).toBe('SIGKILL');
      const manifests = await Promise.all([...seeded.keys()].map((c) => archive.manifest(c)));
      const listed = new Set(manifests.flatMap((m) => m.files.map((f) => f.key)));
      const stray = (await archive.objects.list('')).filter((k) => k.endsWith('.parquet') && !listed.has(k)).length;
      let leftover = 0; // warm rows at or below the watermark: the kill hit between commit and delete
      for (const m of manifests) leftover += (await store.listMessages(m.conversation_id, { afterSeq: 0, limit: 5000 })).filter((x) => x.seq <= m.archived_through).length;
      states.push(`kill ${k + 1}: watermarks ${manifests.map((m) => m.archived_through).join(',')}, unlisted files ${stray}, warm rows ≤ watermark ${leftover}`);
    }
    const done = await strata(['archive', '--keep-last', String(KEEP), '--batch', '200']);
    expect(done.code, `${states.join('\n')}\n${done.err}`).toBe(0);
    expect(done.out).toMatch(/^archived \d+ messages of \d+ conversations to s3:\/\//);
    expect(done.err).toMatch(/\[#{30}\] \d+\/\d+ conversations/);
    console.log(states.join('\n'));

    const keys = await archive.objects.list('');
    for (const [conv, msgs] of seeded) {
      const m = await archive.manifest(conv);
      expect(m.archived_through).toBe(PER_CONV - KEEP);
      // No stray file: every .parquet of the conversation is listed, files are contiguous.
      const files = keys.filter((k) => k.startsWith(`conversation=${conv}/`) && k.endsWith('.parquet')).sort();
      expect(files).toEqual(m.files.map((f) => f.key).sort());
      m.files.forEach((f, i) => expect(f.first_seq).toBe(i === 0 ? 1 : m.files[i - 1].last_seq + 1));
      const cold = await archive.readRange(conv, { afterSeq: 0, limit: PER_CONV });
      const warm = await store.listMessages(conv, { afterSeq: 0, limit: PER_CONV });
      expect(cold.map((x) => x.seq)).toEqual(Array.from({ length: PER_CONV - KEEP }, (_, i) => i + 1));
      expect(warm.map((x) => x.seq)).toEqual(Array.from({ length: KEEP }, (_, i) => PER_CONV - KEEP + i + 1));
      expect([...cold, ...warm].map(messageJson)).toEqual(msgs.map(messageJson));
    }
  }, 300_000);

  it('strata export writes one Parquet file of warm + archived messages in the window, each once', async () => {
    const all = [...seeded.values()].flat();
    const since = '2024-02-01T00:00:00.000Z';
    const until = '2024-04-04T12:00:00.000Z'; // past the archived part of some conversations, into the warm tail
    const expected = all.filter((m) => m.created_at >= since && m.created_at < until);
    expect(expected.some((m) => m.seq > PER_CONV - KEEP)).toBe(true);
    expect(expected.some((m) => m.seq <= PER_CONV - KEEP)).toBe(true);
    const out = path.join(tmp, 'export.parquet');
    const r = await strata(['export', '--since', since, '--until', until, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`exported ${expected.length} messages`);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const rows = (await con.runAndReadAll(`select count(*)::integer, count(distinct (conversation_id, seq))::integer,
      min(created_at)::varchar, sum(seq)::bigint from read_parquet('${out}')`)).getRows()[0];
    con.closeSync();
    expect(rows[0]).toBe(expected.length);
    expect(rows[1]).toBe(expected.length);
    expect(BigInt(rows[3] as bigint)).toBe(BigInt(expected.reduce((s, m) => s + m.seq, 0)));
  }, 120_000);
});
