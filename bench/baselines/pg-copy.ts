// Baseline: PostgreSQL COPY of the same rows the persist workers wrote, into a table shaped
// like `messages` (same columns, primary key and indexes), timed by psql's \timing. The rows
// are exported first (not timed); psql's own start-up is outside the timed statement.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { pgBin } from '../../test/services/binaries.js';

export async function pgCopyBaseline(pgUrl: string, convIds: string[]): Promise<{ rows: number; seconds: number; rate: number }> {
  const u = new URL(pgUrl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-copy-'));
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, 'rows.csv');
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_copy');
    await client.query('CREATE TABLE bench_copy (LIKE messages INCLUDING ALL)');
    const psql = (sql: string[]) => {
      const r = spawnSync(pgBin('psql'), ['-h', u.hostname, '-p', u.port, '-U', 'postgres', '-d', u.pathname.slice(1) || 'postgres', '-v', 'ON_ERROR_STOP=1', ...sql.flatMap((s) => ['-c', s])], { encoding: 'utf8', timeout: 300_000 });
      if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
      return r.stdout;
    };
    const ids = convIds.map((c) => `'${c.replace(/'/g, "''")}'`).join(',');
    psql([`\\copy (SELECT * FROM messages WHERE conversation_id IN (${ids})) TO '${file}' CSV`]);
    const out = psql(['\\timing on', `\\copy bench_copy FROM '${file}' CSV`]);
    const rows = Number(/COPY (\d+)/.exec(out)?.[1] ?? NaN);
    const ms = Number(/Time: ([\d.]+) ms/.exec(out)?.[1] ?? NaN);
    return { rows, seconds: ms / 1000, rate: rows / (ms / 1000) };
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_copy').catch(() => undefined);
    await client.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
