// Runs the real composition root (`node bin/strata.js start`) as a child process on a free
// port against the suite's Valkey and PostgreSQL, isolated by a key prefix and a database of
// its own, with a known HS256 secret so tests can mint tokens.
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { inject } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { freePort, waitFor } from '../services/ports.js';
import { uniqueName } from '../unique.js';

export const SERVER_SECRET = 'strata-server-test-secret-0123456789abcdef';
const BIN = path.resolve('bin/strata.js');

export interface StrataServer {
  url: string;
  token(user: string): Promise<string>;
  /** Everything the child wrote, for failure messages. */
  output(): string;
  /** kill -9: every socket of this node dies at once, nothing drains. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function createDatabase(baseUrl = inject('databaseUrl')): Promise<string> {
  const name = uniqueName('strata');
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function startStrataServer(env: Record<string, string> = {}): Promise<StrataServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start'], {
    env: {
      ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1',
      AUTH_JWT_SECRET: SERVER_SECRET, VALKEY_URL: inject('valkeyUrl'), VALKEY_PREFIX: uniqueName('web'),
      DATABASE_URL: env.DATABASE_URL ?? (await createDatabase()), RATE_LIMIT: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitFor('strata start', async () => {
      if (child.exitCode !== null) throw new Error(`strata start exited with ${child.exitCode}:\n${out}`);
      return (await fetch(`${url}/healthz`)).ok;
    }, 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${out}`);
  }
  return {
    url,
    token: (user) => mintToken(SERVER_SECRET, user, { ttlS: 3600 }),
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
