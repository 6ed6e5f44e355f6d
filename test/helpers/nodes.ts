// Starts N real API nodes (`node bin/strata.js start`) sharing one Valkey and one PostgreSQL
// database of their own, on free ports, with a known HS256 secret. Used by the e2e tests of
// the gateway and by the benchmark:
//
//   const cluster = await startNodes(3, { valkeyUrl, databaseUrl });  // databaseUrl: a server
//   const token = await cluster.token('alice');
//   new WebSocket(`${cluster.nodes[0].wsUrl}/v1/ws?access_token=${token}`)
//   await cluster.stop();                                             // SIGTERM, then SIGKILL
//
// Isolation: a fresh database (CREATE DATABASE) and a unique VALKEY_PREFIX per cluster.
// Only the PIDs spawned here are ever signalled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { mintToken } from '../../src/auth/tokens.js';
import { freePort, waitFor } from '../services/ports.js';

export const NODES_SECRET = 'strata-nodes-test-secret-0123456789abcdef';
const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/strata.js');

export interface ApiNode {
  url: string;
  wsUrl: string;
  pid: number;
  output(): string;
  /** The last error-level log lines (pino level 50/60), kept apart from output's 20 KB tail. */
  errors(): string[];
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface NodeCluster {
  nodes: ApiNode[];
  databaseUrl: string;
  prefix: string;
  token(user: string): Promise<string>;
  stop(): Promise<void>;
}

export interface NodesOptions {
  valkeyUrl: string;
  /** A PostgreSQL server URL; a database of the cluster's own is created on it. */
  databaseUrl: string;
  /** Extra environment for every node (e.g. RATE_LIMIT, RECENT_LIMIT). */
  env?: Record<string, string>;
}

const unique = (p: string) => `${p}_${randomBytes(5).toString('hex')}`;

async function onServer<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`strata ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

async function startNode(env: NodeJS.ProcessEnv): Promise<ApiNode> {
  const port = await freePort();
  let out = '';
  const errors: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const hear = (d: Buffer) => {
    out = (out + d).slice(-20_000);
    for (const line of String(d).split('\n')) {
      if (!/"level":(50|60)/.test(line)) continue;
      errors.push(line.slice(0, 4000));
      if (errors.length > 10) errors.shift();
    }
  };
  child.stdout!.on('data', hear);
  child.stderr!.on('data', hear);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitFor('strata start', async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      return (await fetch(`${url}/readyz`)).ok;
    }, 30_000);
  } catch (e) {
    await stop(0);
    throw new Error(`node on port ${port} did not start: ${(e as Error).message}\n${out}`);
  }
  return { url, wsUrl: url.replace(/^http/, 'ws'), pid: child.pid!, output: () => out, errors: () => [...errors], stop };
}

export async function startNodes(n: number, opts: NodesOptions): Promise<NodeCluster> {
  const db = unique('strata_nodes');
  await onServer(opts.databaseUrl, (c) => c.query(`CREATE DATABASE ${db}`));
  const u = new URL(opts.databaseUrl);
  u.pathname = `/${db}`;
  const databaseUrl = u.toString();
  const prefix = unique('nodes');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-nodes-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST: '127.0.0.1', DATA_DIR: dataDir,
    AUTH_JWT_SECRET: NODES_SECRET, VALKEY_URL: opts.valkeyUrl, VALKEY_PREFIX: prefix, DATABASE_URL: databaseUrl, RATE_LIMIT: '0',
    ...opts.env,
  };
  await run(['migrate'], env);
  const started = await Promise.allSettled(Array.from({ length: n }, () => startNode(env)));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((x) => x.stop()));
    await onServer(opts.databaseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)).catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  return { nodes, databaseUrl, prefix, token: (user) => mintToken(NODES_SECRET, user, { ttlS: 3600 }), stop };
}

/** One REST call to a node: { status, body } (body parsed when JSON). */
export async function call(baseUrl: string, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
