// A throwaway Redis/Valkey server on a free loopback port, no persistence (tests that need
// AOF pass extra args). stop() kills it by its own PID and removes its directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { redisBin } from './binaries.js';
import { freePort, waitFor } from './ports.js';

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-redis-'));
  const port = await freePort();
  const child = spawn(redisBin('redis-server'), [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--protected-mode', 'no', ...extraArgs,
  ], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  await waitFor('redis-server', async () => {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {}); // refused while the server boots: waitFor polls again
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } finally {
      c.disconnect();
    }
  });
  return {
    url,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
