// The stacks the harness measures. Services (Valkey/Redis, PostgreSQL) are started through the
// SAME code the tests use (test/services); Strata itself runs as `strata start` in a child
// process of its own, so the load generators never share its event loop or its CPU profile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../../test/services/ports.js';
import { mintToken } from '../../src/auth/tokens.js';
import { ROOT, spawnTracked, sleep } from './proc.js';
import { int, rng } from './rng.js';

export const SECRET = 'bench-secret-0123456789-0123456789-abcdef';

export type StackKind = 'embedded' | 'valkey-pg';

export interface Stack {
  kind: StackKind;
  url: string;
  wsUrl: string;
  pid: number;
  redisUrl?: string;
  pgUrl?: string;
  prefix: string;
  dataDir: string;
  /** Resident set size of the Strata process, bytes (from /proc). */
  rssBytes(): number;
  stop(): Promise<void>;
}

export interface StackOptions {
  kind: StackKind;
  redisUrl?: string;
  pgUrl?: string;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  execArgv?: string[];
  env?: Record<string, string>;
}

let stackNo = 0;

export async function startStack(o: StackOptions): Promise<Stack> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  const prefix = `bench${process.pid}x${++stackNo}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir,
    AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'warn', RATE_LIMIT: '0', VALKEY_PREFIX: prefix,
    ...(o.kind === 'valkey-pg' ? { VALKEY_URL: o.redisUrl, DATABASE_URL: o.pgUrl } : {}),
    ...o.env,
  };
  if (o.kind === 'embedded') {
    delete env.VALKEY_URL;
    delete env.DATABASE_URL;
  }
  const child = spawnTracked(process.execPath, [...(o.execArgv ?? []), path.join(ROOT, 'bin/strata.js'), 'start'], {
    env, cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([
    waitFor(`strata (${o.kind})`, async () => (await fetch(`${url}/readyz`)).ok, 60_000),
    exited.then(() => {
      throw new Error(`strata start (${o.kind}) exited during start-up`);
    }),
  ]);
  return {
    kind: o.kind, url, wsUrl: `ws://127.0.0.1:${port}/v1/ws`, pid: child.pid!, redisUrl: o.redisUrl, pgUrl: o.pgUrl, prefix, dataDir,
    rssBytes: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : NaN;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // graceful: drains the persist workers
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One more `strata start` of the same deployment as `first` (a valkey-pg stack): the same
 * VALKEY_URL, DATABASE_URL, VALKEY_PREFIX and auth secret, everything else as startStack sets it
 * (its own port and DATA_DIR, workers on), so the two nodes share conversations, seqs, the persist
 * log and the fan-out. Stop it with its stop() (SIGTERM by its PID, as any stack).
 */
export async function startSecondNode(first: Stack, o: Pick<StackOptions, 'execArgv' | 'env'> = {}): Promise<Stack> {
  if (first.kind !== 'valkey-pg') throw new Error('a second node needs the shared Valkey + PostgreSQL stack');
  const node = await startStack({ kind: first.kind, redisUrl: first.redisUrl, pgUrl: first.pgUrl, execArgv: o.execArgv, env: { ...o.env, VALKEY_PREFIX: first.prefix } });
  return { ...node, prefix: first.prefix };
}

export interface World {
  users: { id: string; token: string }[];
  convs: { id: string; members: string[] }[];
  /** token by user id */
  tokens: Record<string, string>;
}

/**
 * Synthetic users and conversations: `convs` conversations of `size` members drawn from
 * `users` users by a seeded generator, created through the REST API. Returns tokens as well.
 */
export async function createWorld(stack: Stack, o: { users: number; convs: number; size: number; seed: number; tag: string }): Promise<World> {
  const r = rng(o.seed);
  const users = await Promise.all(Array.from({ length: o.users }, async (_, i) => {
    const id = `${o.tag}-u${String(i).padStart(5, '0')}`;
    return { id, token: await mintToken(SECRET, id, { ttlS: 3 * 3600 }) };
  }));
  const tokens = Object.fromEntries(users.map((u) => [u.id, u.token]));
  const convs: World['convs'] = [];
  // Disjoint groups when users = convs × size (the fan-out shape); random groups otherwise.
  const disjoint = o.users >= o.convs * o.size;
  const batch = 20;
  for (let c0 = 0; c0 < o.convs; c0 += batch) {
    const made = await Promise.all(Array.from({ length: Math.min(batch, o.convs - c0) }, async (_, j) => {
      const c = c0 + j;
      const members = new Set<string>();
      if (disjoint) for (let k = 0; k < o.size; k++) members.add(users[c * o.size + k].id);
      else while (members.size < o.size) members.add(users[int(r, users.length)].id);
      const list = [...members];
      const res = await fetch(`${stack.url}/v1/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[list[0]]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ members: list.slice(1), title: `${o.tag} ${c}`, kind: 'group' }),
      });
      if (res.status !== 201) throw new Error(`create conversation: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { id: string };
      return { id: body.id, members: list };
    }));
    convs.push(...made);
  }
  return { users, convs, tokens };
}

/** Polls until fn() is true or the deadline passes; returns whether it became true. */
export async function until(fn: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await sleep(everyMs);
  }
  return fn();
}
