// PostgreSQL (pg) for production: a pool, bigint read as number (seqs stay below 2^53), an
// optional schema of its own (created if absent; tests isolate by schema), and a server restart
// that never crashes the process (broken clients report on themselves and are dropped).
import { Kysely, PostgresDialect } from 'kysely';
import { translate } from '../errors.js';
import type { DB } from '../schema.js';

export interface PostgresOptions {
  /** PostgreSQL schema to use (created if absent). */
  schema?: string;
  poolSize?: number;
}

export async function postgresKysely(url: string, opts: PostgresOptions = {}): Promise<Kysely<DB>> {
  const { default: pg } = await import('pg');
  const schema = opts.schema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format),
    } as never,
  });
  // Idle clients report on the pool, checked-out ones on themselves (their query rejects too,
  // and the pool drops the broken client): neither may become an unhandled 'error' event.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  if (schema) {
    const c = await pool.connect().catch(translate);
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      c.release();
    }
  }
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
