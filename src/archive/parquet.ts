// The archive's Parquet codec: one schema, written by DuckDB, read by hyparquet over byte ranges.
//
// Schema (strata message v4), one row per message, sorted by seq, one conversation per file:
//   id              BYTE_ARRAY STRING (uuid text as stored: byte-exact round trip, any case)
//   conversation_id BYTE_ARRAY STRING (constant per file → one dictionary entry)
//   seq             INT64
//   version         INT64 (the cursor of the message's latest change; v1 files have no such
//                   column and read as 0, as the warm store's rows from before the change log)
//   sender          BYTE_ARRAY STRING
//   text            BYTE_ARRAY STRING, null for a deleted message
//   reply_to        BYTE_ARRAY STRING, nullable
//   thread_id       BYTE_ARRAY STRING, nullable (v3; v1/v2 files read as null)
//   in_timeline     BOOLEAN (v3; older files read as true)
//   mentions        BYTE_ARRAY STRING, the JSON array of the API (v3; older files read as [])
//   metadata        BYTE_ARRAY STRING, the JSON object of the API, nullable (v4; older: null)
//   attachments     BYTE_ARRAY STRING, the JSON array of the API (v4; older files read as [])
//   client_id       BYTE_ARRAY STRING, nullable
//   created_at      INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)  (DuckDB TIMESTAMPTZ)
//   edited_at       INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), nullable
//   deleted_at      INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), nullable
// Times are real timestamps so analytics engines can filter and group by them; the API's times
// are canonical ISO-8601 with milliseconds (Date#toISOString), which round-trip exactly through
// microseconds. encode() refuses any other spelling rather than archive a page that would read
// back different. Compression: ZSTD everywhere (decoded by node:zlib or fzstd, see decompress.ts);
// GZIP files written by earlier versions stay readable.
// Row groups of ROW_GROUP_ROWS rows so a history page (≤ 200 messages)
// touches one or two row groups (~100 KB) of a file. DuckDB is in-process with extension
// auto-install/load off (no network); it writes to a temp file whose bytes go to the adapter.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { AppError } from '../errors.js';
import type { Message } from '../model/message.js';
import { compressors } from './decompress.js';
import type { ObjectStore } from './object-store.js';

export const ROW_GROUP_ROWS = 2048;
export type Compression = 'zstd' | 'gzip' | 'snappy';
export const DEFAULT_COMPRESSION: Compression = 'zstd';
const COLUMNS = ['id', 'conversation_id', 'seq', 'version', 'sender', 'text', 'reply_to', 'thread_id', 'in_timeline', 'mentions', 'metadata', 'attachments', 'client_id', 'created_at', 'edited_at', 'deleted_at'] as const;

function canonicalTime(m: Message, v: string | null): void {
  if (v !== null && (Number.isNaN(Date.parse(v)) || new Date(v).toISOString() !== v)) {
    throw new AppError('INTERNAL', `message ${m.conversation_id}/${m.seq}: time ${JSON.stringify(v)} is not canonical ISO-8601; not archived`);
  }
}

export class ParquetCodec {
  private conn?: Promise<DuckDBConnection>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly compression: Compression = DEFAULT_COMPRESSION, readonly rowGroupRows = ROW_GROUP_ROWS) {}

  private connection(): Promise<DuckDBConnection> {
    this.conn ??= DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' })
      .then((db) => db.connect());
    return this.conn;
  }

  /** Parquet bytes of `messages` (already sorted by seq). Calls are serialized on one connection. */
  encode(messages: Message[]): Promise<Uint8Array> {
    const run = this.queue.then(() => this.encodeNow(messages));
    this.queue = run.catch(() => undefined); // the caller gets the error; the queue moves on
    return run;
  }

  private async encodeNow(messages: Message[]): Promise<Uint8Array> {
    for (const m of messages) {
      canonicalTime(m, m.created_at);
      canonicalTime(m, m.edited_at);
      canonicalTime(m, m.deleted_at);
    }
    const con = await this.connection();
    const table = `m_${randomBytes(6).toString('hex')}`;
    await con.run(`create table ${table} (id varchar, conversation_id varchar, seq bigint, version bigint, sender varchar, text varchar,
      reply_to varchar, thread_id varchar, in_timeline boolean, mentions varchar, metadata varchar, attachments varchar, client_id varchar, created_at varchar, edited_at varchar, deleted_at varchar)`);
    try {
      const app = await con.createAppender(table);
      const str = (v: string | null) => (v === null ? app.appendNull() : app.appendVarchar(v));
      for (const m of messages) {
        str(m.id); str(m.conversation_id); app.appendBigInt(BigInt(m.seq)); app.appendBigInt(BigInt(m.version)); str(m.sender); str(m.text);
        str(m.reply_to); str(m.thread_id); app.appendBoolean(m.in_timeline); str(JSON.stringify(m.mentions));
        str(m.metadata === null ? null : JSON.stringify(m.metadata)); str(JSON.stringify(m.attachments));
        str(m.client_id); str(m.created_at); str(m.edited_at); str(m.deleted_at);
        app.endRow();
      }
      app.closeSync();
      const ts = (c: string) => `${c}::timestamptz as ${c}`;
      return await this.copyOut(con, table, `id, conversation_id, seq, version, sender, text, reply_to, thread_id, in_timeline, mentions, metadata, attachments, client_id, ${ts('created_at')}, ${ts('edited_at')},
        ${ts('deleted_at')}`, 'seq');
    } finally {
      await con.run(`drop table if exists ${table}`);
    }
  }

  /** The rows of `table` (the columns `select` names, ordered by `orderBy`) as Parquet bytes, through a temp file. */
  private async copyOut(con: DuckDBConnection, table: string, select: string, orderBy: string): Promise<Uint8Array> {
    const file = path.join(os.tmpdir(), `strata-archive-${table}.parquet`);
    try {
      await con.run(`copy (select ${select} from ${table} order by ${orderBy})
        to '${file}' (format parquet, compression ${this.compression}, row_group_size ${this.rowGroupRows})`);
      const buf = await fs.readFile(file);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /**
   * Parquet bytes of a table of text columns (null stays null), sorted by `orderBy`: for
   * archives other than messages (audit/audit-parquet.ts). `timestamps` name the columns holding
   * canonical ISO-8601 times, written as TIMESTAMP(MICROS, UTC). Serialized with encode().
   */
  encodeTable(columns: readonly string[], timestamps: readonly string[], rows: readonly (string | null)[][], orderBy: string): Promise<Uint8Array> {
    const run = this.queue.then(() => this.encodeTableNow(columns, timestamps, rows, orderBy));
    this.queue = run.catch(() => undefined); // the caller gets the error; the queue moves on
    return run;
  }

  private async encodeTableNow(columns: readonly string[], timestamps: readonly string[], rows: readonly (string | null)[][], orderBy: string): Promise<Uint8Array> {
    const con = await this.connection();
    const table = `t_${randomBytes(6).toString('hex')}`;
    const q = (c: string) => `"${c.replace(/"/g, '""')}"`; // quoted: `at` is a keyword of DuckDB's SQL
    await con.run(`create table ${table} (${columns.map((c) => `${q(c)} varchar`).join(', ')})`);
    try {
      const app = await con.createAppender(table);
      for (const r of rows) {
        for (const v of r) (v === null ? app.appendNull() : app.appendVarchar(v));
        app.endRow();
      }
      app.closeSync();
      const select = columns.map((c) => (timestamps.includes(c) ? `${q(c)}::timestamptz as ${q(c)}` : q(c))).join(', ');
      return await this.copyOut(con, table, select, q(orderBy));
    } finally {
      await con.run(`drop table if exists ${table}`);
    }
  }

  async close(): Promise<void> {
    if (this.conn) (await this.conn).closeSync();
    this.conn = undefined;
  }
}

// Strings as they were written: hyparquet's default decoder (a plain TextDecoder) drops a
// leading U+FEFF, so a text starting with one read back one character short from the archive.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const parsers = { stringFromBytes: (bytes: Uint8Array | undefined) => bytes && utf8.decode(bytes) };

/** Reads only what it is asked for through the adapter's readRange (so its counters see it). */
function rangeBuffer(store: ObjectStore, key: string, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    slice: async (start: number, end?: number) => {
      const b = await store.readRange(key, start, end ?? byteLength);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
    },
  };
}

/** Footers, cached by the caller's key (the archive uses the file's content hash). */
const footers = new Map<string, FileMetaData>();
const MAX_FOOTERS = 1000;

async function footer(file: AsyncBuffer, cacheKey: string): Promise<FileMetaData> {
  let metadata = footers.get(cacheKey);
  if (!metadata) {
    metadata = await parquetMetadataAsync(file, { initialFetchSize: 16 * 1024 });
    if (footers.size >= MAX_FOOTERS) footers.delete(footers.keys().next().value!);
    footers.set(cacheKey, metadata);
  }
  return metadata;
}

/** The `id` column of a whole archive file, in row order (row i holds seq first_seq + i). */
export async function readIds(store: ObjectStore, key: string, byteLength: number, cacheKey = `${store.location}|${key}|${byteLength}`): Promise<string[]> {
  const file = rangeBuffer(store, key, byteLength);
  const rows = await parquetReadObjects({ file, metadata: await footer(file, cacheKey), columns: ['id'], compressors, parsers });
  return rows.map((r) => r.id as string);
}

/**
 * Rows [rowStart, rowEnd) of an archive file as Messages; fetches the footer (once, cached)
 * and only the row groups that hold those rows.
 */
export async function readRows(
  store: ObjectStore, key: string, byteLength: number, rowStart: number, rowEnd: number, cacheKey = `${store.location}|${key}|${byteLength}`,
): Promise<Message[]> {
  const file = rangeBuffer(store, key, byteLength);
  const metadata = await footer(file, cacheKey);
  const present = new Set(metadata.schema.map((e) => e.name));
  const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, columns: COLUMNS.filter((c) => present.has(c)), compressors, parsers });
  return rows.map((r) => ({
    id: r.id as string,
    conversation_id: r.conversation_id as string,
    seq: Number(r.seq as bigint),
    version: r.version === undefined ? 0 : Number(r.version as bigint),
    sender: r.sender as string,
    text: (r.text ?? null) as string | null,
    reply_to: (r.reply_to ?? null) as string | null,
    thread_id: (r.thread_id ?? null) as string | null,
    in_timeline: r.in_timeline === undefined ? true : Boolean(r.in_timeline),
    mentions: r.mentions === undefined || r.mentions === null ? [] : (JSON.parse(r.mentions as string) as string[]),
    metadata: r.metadata === undefined || r.metadata === null ? null : (JSON.parse(r.metadata as string) as Record<string, unknown>),
    attachments: r.attachments === undefined || r.attachments === null ? [] : (JSON.parse(r.attachments as string) as Message['attachments']),
    client_id: (r.client_id ?? null) as string | null,
    created_at: (r.created_at as Date).toISOString(),
    edited_at: r.edited_at ? (r.edited_at as Date).toISOString() : null,
    deleted_at: r.deleted_at ? (r.deleted_at as Date).toISOString() : null,
  }));
}

/** Rows [rowStart, rowEnd) of any archive file, `columns` only, as hyparquet decodes them (timestamps as Date). */
export async function readTable(
  store: ObjectStore, key: string, byteLength: number, columns: string[], rowStart: number, rowEnd: number, cacheKey = `${store.location}|${key}|${byteLength}`,
): Promise<Record<string, unknown>[]> {
  const file = rangeBuffer(store, key, byteLength);
  return parquetReadObjects({ file, metadata: await footer(file, cacheKey), columns, rowStart, rowEnd, compressors, parsers });
}
