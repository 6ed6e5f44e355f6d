// The same client_id returns the original whatever the hot tier lost (an edge found by probing
// the embedded server): alice's send X is acked (seq 1) and stored; the server restarts (the
// in-process memory hot tier is gone); bob sends first, re-seeding the counter; alice's retry of
// X must answer 200 with the original, not 201 with a second copy at seq 3. Real processes:
// `strata start` on the embedded defaults, stopped with SIGTERM and started again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../services/ports.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/strata.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-loss-'));
const env = { ...process.env, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', NODE_ENV: 'development', AUTH_JWT_SECRET: '' };
let child: ChildProcess | undefined;

async function start(): Promise<string> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [BIN, 'start'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor('strata start', async () => (await fetch(`${base}/healthz`)).ok, 30_000);
  return base;
}

async function stop(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGTERM'); // drains the in-process persist workers
  await exited;
}

afterAll(async () => {
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('idempotency across hot-tier loss', () => {
  it('a retry after a restart and another member\'s send returns the original, and the history holds one copy', async () => {
    let base = await start();
    const token = async (user: string) => (await run(process.execPath, [BIN, 'token', user], { env })).stdout.trim();
    const [alice, bob] = [await token('alice'), await token('bob')];
    const call = async (t: string, method: string, url: string, body?: object) => {
      const res = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, body: await res.json() };
    };
    const conv = (await call(alice, 'POST', '/v1/conversations', { members: ['bob'] })).body.id;
    const first = await call(alice, 'POST', `/v1/conversations/${conv}/messages`, { text: 'hello', client_id: 'X' });
    expect(first.status).toBe(201);

    await stop();
    base = await start();

    expect((await call(bob, 'POST', `/v1/conversations/${conv}/messages`, { text: 'first after restart' })).body.seq).toBe(2);
    const retry = await call(alice, 'POST', `/v1/conversations/${conv}/messages`, { text: 'hello', client_id: 'X' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: first.body.id, seq: 1 });
    const page = (await call(alice, 'GET', `/v1/conversations/${conv}/messages`)).body;
    expect(page.messages.map((m: { seq: number; client_id: string | null }) => [m.seq, m.client_id])).toEqual([[1, 'X'], [2, null]]);
  });
});
