// The archive's baseline: DuckDB writing the same rows to Parquet itself (COPY TO, ZSTD), with
// the rows already loaded into DuckDB, so only the Parquet write is timed; its CPU is this
// process's over the COPY (user + system of every thread, DuckDB's workers included).
import fs from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Message } from '../../src/model/message.js';

export async function duckdbCopyToParquet(messages: Message[], file: string, rowGroupRows: number): Promise<{ seconds: number; bytes: number; cpuUs: number }> {
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const con = await db.connect();
  try {
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
    const t = performance.now();
    const c0 = process.cpuUsage();
    await con.run(`copy (select * from m order by seq) to '${file}' (format parquet, compression zstd, row_group_size ${rowGroupRows})`);
    const seconds = (performance.now() - t) / 1000;
    const c = process.cpuUsage(c0);
    return { seconds, bytes: (await fs.stat(file)).size, cpuUs: c.user + c.system };
  } finally {
    con.closeSync();
  }
}
