// SQLite (better-sqlite3) for the embedded default: one file in WAL mode, foreign keys on, a
// busy timeout so concurrent writers of one process wait instead of failing.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from '../schema.js';

/** `file` is a path or `:memory:`; its directory is created. */
export async function sqliteKysely(file: string): Promise<Kysely<DB>> {
  const { default: Database } = await import('better-sqlite3');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
}
