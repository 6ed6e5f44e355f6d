// A throwaway PostgreSQL cluster: initdb into a temp dir, pg_ctl start on a free port, trust
// auth on loopback only. stop() shuts it down fast and removes the directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { pgBin } from './binaries.js';
import { freePort, waitFor } from './ports.js';

export interface PostgresServer {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server but keeps its data (outage tests); start() brings it back on the same port. */
  pause(): void;
  start(): Promise<void>;
  stop(): void;
}

export async function startPostgres(): Promise<PostgresServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-pg-'));
  const dataDir = path.join(dir, 'data');
  const asUser: string[] = [];
  // initdb refuses to run as root: run it as the unprivileged `postgres` user when we are root.
  const root = process.getuid?.() === 0;
  if (root) {
    fs.chmodSync(dir, 0o777);
    asUser.push('runuser', '-u', 'postgres', '--');
  }
  const run = (bin: string, args: string[]) => {
    const cmd = root ? asUser[0] : bin;
    const argv = root ? [...asUser.slice(1), bin, ...args] : args;
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  run(pgBin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const logFile = path.join(dir, 'pg.log');
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  const start = async () => {
    run(pgBin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', opts, '-w', 'start']);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitFor('postgres', async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.end();
      return true;
    });
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    dataDir,
    pause: () => run(pgBin('pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']),
    start,
    stop: () => {
      try {
        run(pgBin('pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped (a test paused it): removing the directory is all that is left
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

