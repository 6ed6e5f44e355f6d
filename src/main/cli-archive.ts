// `strata archive` and `strata export`: the cold tier from the command line.
// archive: runArchive (the same run as the archiver service and POST /v1/exports, same leases),
//   a text progress bar on stderr, a summary on stdout.
// export: ONE Parquet file of every message created in [since, until), archived or still warm,
//   each (conversation, seq) once. Warm rows are encoded with the archive's own codec into temp
//   files, the archive's overlapping files are fetched beside them, and DuckDB merges the lot.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Config } from '../config.js';
import { runArchive, type ArchiveProgress } from '../archive/archive-run.js';
import type { Manifest } from '../archive/manifest.js';
import { toMessage } from '../store/sql/rows.js';
import { wireArchive } from './wire.js';

export function progressBar(p: ArchiveProgress, width = 30): string {
  const frac = p.conversations_total ? p.conversations_done / p.conversations_total : 1;
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${p.conversations_done}/${p.conversations_total} conversations · ${p.rows_archived.toLocaleString('en-US')} rows`;
}

export async function archiveCommand(config: Config, o: { conversation?: string; keepLast?: number; days?: number; batch?: number }): Promise<string> {
  const policy = { days: o.days ?? config.retentionDays, keepLast: o.keepLast ?? config.retentionKeepLast };
  if (policy.days <= 0 && policy.keepLast <= 0) throw new Error('no retention policy: pass --keep-last N and/or --days N (or set RETENTION_KEEP_LAST / RETENTION_DAYS)');
  const w = await wireArchive(config, o.batch ? { batchRows: o.batch } : {});
  const tty = process.stderr.isTTY;
  let last = '';
  const draw = (p: ArchiveProgress) => {
    const line = progressBar(p);
    if (line === last) return;
    last = line;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  };
  try {
    const r = await runArchive(w.archive, w.source, w.leases, { conversationId: o.conversation, policy }, { waitForLease: true, onProgress: draw });
    if (tty) process.stderr.write('\n');
    for (const e of r.errors) process.stderr.write(`strata: archiving ${e.conversationId} failed: ${e.error}\n`);
    if (r.errors.length) throw new Error(`${r.errors.length} conversation(s) failed; rerun to converge`);
    const stalled = r.results.filter((x) => x.stalledAt !== undefined).length;
    return `archived ${r.progress.rows_archived} messages of ${r.progress.conversations_done} conversations to ${w.archive.objects.location}`
      + (stalled ? ` (${stalled} stopped at a message not persisted yet)` : '');
  } finally {
    await w.close();
  }
}

export async function exportCommand(config: Config, o: { since: string; until: string; out: string }): Promise<string> {
  const [since, until] = [o.since, o.until].map((v) => {
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new Error(`not an ISO-8601 time: ${v}`);
    return new Date(t).toISOString();
  });
  const w = await wireArchive(config);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-export-'));
  const files: string[] = [];
  const put = async (bytes: Uint8Array) => {
    const f = path.join(tmp, `${files.length}.parquet`);
    await fs.writeFile(f, bytes);
    files.push(f);
  };
  try {
    // Archived files whose time range overlaps the window (messages only: audit/ has a manifest of its own).
    for (const key of (await w.archive.objects.list('')).filter((k) => k.startsWith('conversation=') && k.endsWith('/_manifest.json'))) {
      const m = JSON.parse(new TextDecoder().decode((await w.archive.objects.readFile(key))!)) as Manifest;
      for (const f of m.files) if (f.max_created_at >= since && f.min_created_at < until) await put((await w.archive.objects.readFile(f.key))!);
    }
    // Warm rows in the window, in chunks (keyset on the primary key).
    let after = { c: '', s: 0 };
    for (;;) {
      const rows = await w.store.db.selectFrom('messages').selectAll()
        .where('created_at', '>=', since).where('created_at', '<', until)
        .where((eb) => eb.or([eb('conversation_id', '>', after.c), eb.and([eb('conversation_id', '=', after.c), eb('seq', '>', after.s)])]))
        .orderBy('conversation_id').orderBy('seq').limit(50_000).execute();
      if (!rows.length) break;
      await put(await w.archive.codec.encode(rows.map(toMessage)));
      after = { c: rows[rows.length - 1].conversation_id, s: Number(rows[rows.length - 1].seq) };
    }
    const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const con = await db.connect();
    try {
      const list = files.map((f) => `'${f}'`).join(', ');
      const out = path.resolve(o.out).replace(/'/g, "''");
      const source = files.length ? `read_parquet([${list}])` : `(select * from (values (null::varchar, null::varchar, null::bigint, null::varchar, null::varchar, null::varchar, null::varchar, null::timestamptz, null::timestamptz, null::timestamptz)) t(id, conversation_id, seq, sender, text, reply_to, client_id, created_at, edited_at, deleted_at) where false)`;
      // A warm row may still sit beside its archived copy (an interrupted delete): keep one.
      await con.run(`copy (select * exclude (rn) from (select *, row_number() over (partition by conversation_id, seq) rn from ${source}
          where created_at >= '${since}'::timestamptz and created_at < '${until}'::timestamptz) where rn = 1 order by conversation_id, seq)
        to '${out}' (format parquet, compression zstd, row_group_size 100000)`);
      const n = await con.runAndReadAll(`select count(*)::integer from read_parquet('${out}')`);
      return `exported ${n.getRows()[0][0]} messages created in [${since}, ${until}) to ${o.out}`;
    } finally {
      con.closeSync();
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
    await w.close();
  }
}
