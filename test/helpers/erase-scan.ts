// The erase scan of docs/gdpr.md, shared by the GDPR API suite (test/api/gdpr.suite.ts) and the
// kill -9 drill (test/drills/gdpr-erase-kill.test.ts): every string a Valkey prefix holds
// (SCAN + type-aware reads), every row of every table of the SQL database as text, and every
// object of a store (raw bytes, gunzipped `.gz`, every value of every Parquet file read back:
// ZSTD pages compress text, so raw bytes alone would miss it). `traces` counts where a marker
// still occurs. Read-only.
import { gunzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import type { ObjectStore } from '../../src/archive/object-store.js';
import { readRows } from '../../src/archive/parquet.js';

/** The commands of an ioredis client (or cluster node) the scan uses. */
export interface ScanClient {
  scan(cursor: string, match: 'MATCH', pattern: string): Promise<[string, string[]]>;
  type(key: string): Promise<string>;
  get(key: string): Promise<string | null>;
  zrange(key: string, start: string, stop: string): Promise<string[]>;
  hgetall(key: string): Promise<Record<string, string>>;
  lrange(key: string, start: string, stop: string): Promise<string[]>;
  smembers(key: string): Promise<string[]>;
  xrange(key: string, start: string, end: string): Promise<unknown>;
}

/** Every key under `prefix:` and every string it holds, by type. */
export async function valkeyStrings(client: ScanClient, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`);
    cursor = next;
    for (const key of keys) {
      out.push(key);
      const type = await client.type(key);
      if (type === 'string') out.push((await client.get(key)) ?? '');
      else if (type === 'zset') out.push(...(await client.zrange(key, '0', '-1')));
      else if (type === 'hash') out.push(...Object.entries(await client.hgetall(key)).flat());
      else if (type === 'list') out.push(...(await client.lrange(key, '0', '-1')));
      else if (type === 'set') out.push(...(await client.smembers(key)));
      else if (type === 'stream') out.push(JSON.stringify(await client.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out;
}

/** Every row of every table (of the current schema on PostgreSQL), as JSON text. */
export async function sqlRowTexts(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<{ table: string; text: string }[]> {
  const tables = dialect === 'sqlite'
    ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((r) => r.name)
    : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
  const out: { table: string; text: string }[] = [];
  for (const t of tables) {
    for (const row of (await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(db)).rows) {
      out.push({ table: t, text: JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)) });
    }
  }
  return out;
}

/** Every object of the store: raw bytes, and decoded forms (gunzipped, Parquet values). */
export async function objectTexts(objects: ObjectStore): Promise<{ key: string; text: string; bytes: number }[]> {
  const out: { key: string; text: string; bytes: number }[] = [];
  for (const key of await objects.list('')) {
    const bytes = (await objects.readFile(key))!;
    out.push({ key, text: Buffer.from(bytes).toString('latin1'), bytes: bytes.length });
    if (key.endsWith('.gz')) out.push({ key: `${key} (gunzipped)`, text: gunzipSync(bytes).toString('utf8'), bytes: 0 });
    if (key.endsWith('.parquet')) {
      const rows = await readRows(objects, key, bytes.length, 0, Number.MAX_SAFE_INTEGER);
      out.push({ key: `${key} (values)`, text: JSON.stringify(rows), bytes: 0 });
    }
  }
  return out;
}

export interface Traces {
  /** Hot-tier strings (keys and values) holding the marker. */
  hot: number;
  /** `table: row…` of each SQL row holding it. */
  rows: string[];
  /** Keys of the objects (raw or decoded) holding it. */
  objects: string[];
  /** Hot strings + SQL row text + objects raw and decoded. */
  bytesScanned: number;
  /** Bytes stored in the objects. */
  objectBytes: number;
  objectCount: number;
}

/** Where `mark` still occurs in what was scanned. */
export function traces(mark: string, hotAll: string[], rowsAll: { table: string; text: string }[], objs: { key: string; text: string; bytes: number }[]): Traces {
  return {
    hot: hotAll.filter((x) => x.includes(mark)).length,
    rows: rowsAll.filter((r) => r.text.includes(mark)).map((r) => `${r.table}: ${r.text.slice(0, 200)}`),
    objects: objs.filter((o) => o.text.includes(mark)).map((o) => o.key),
    bytesScanned: hotAll.reduce((n, x) => n + Buffer.byteLength(x), 0) + rowsAll.reduce((n, r) => n + Buffer.byteLength(r.text), 0) + objs.reduce((n, o) => n + o.text.length, 0),
    objectBytes: objs.reduce((n, o) => n + o.bytes, 0),
    objectCount: objs.filter((o) => o.bytes > 0 || !o.key.endsWith(')')).length,
  };
}
