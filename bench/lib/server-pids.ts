// The PIDs of the shared services a run measures, asked of the services themselves (no port or
// name guessing): Valkey's `INFO server` process_id, and PostgreSQL's postmaster as the parent
// of a backend (pg_backend_pid()). The CPU split of bench/lib/cpu.ts sums the postmaster's tree.
import fs from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';

export interface ServicePids {
  valkey: number;
  postmaster: number;
}

export async function servicePids(redisUrl: string, pgUrl: string): Promise<ServicePids> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  const info = await r.info('server');
  r.disconnect();
  const valkey = Number(/process_id:(\d+)/.exec(info)?.[1]);
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  const backend = Number((await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  const stat = fs.readFileSync(`/proc/${backend}/stat`, 'utf8'); // while the backend lives
  await c.end();
  const postmaster = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return { valkey, postmaster };
}

/** Cached per run (ctx.shared), so every scenario reads the same processes. */
export async function servicePidsOf(ctx: { redisUrl: string; pgUrl: string; shared: Record<string, any> }): Promise<ServicePids> {
  return (ctx.shared.servicePids ??= await servicePids(ctx.redisUrl, ctx.pgUrl));
}
