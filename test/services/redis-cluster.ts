// A throwaway Redis/Valkey Cluster: 3 masters, no replicas, on free loopback ports, each in
// its own temp dir (cluster bus on a separate free port via `cluster-port`, Redis >= 7.0), then
// `redis-cli --cluster create`. Resolves once every node reports cluster_state:ok with all
// 16384 slots assigned. stop() kills only the PIDs it started and removes the directories.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { redisBin } from './binaries.js';
import { freePort, waitFor } from './ports.js';

export interface RedisCluster {
  /** 'host:port' of each master. */
  nodes: string[];
  /** `redis+cluster://h1:p1,h2:p2,h3:p3`, the hot tier's cluster URL. */
  url: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

async function ping(port: number, probe: (c: Redis) => Promise<boolean>): Promise<boolean> {
  const c = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {}); // refused while the server boots: the caller polls again
  try {
    await c.connect();
    return await probe(c);
  } finally {
    c.disconnect();
  }
}

export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      return exited;
    }));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    const used = new Set<number>();
    const take = async () => {
      for (;;) {
        const p = await freePort();
        if (!used.has(p)) return used.add(p), p;
      }
    };
    for (let i = 0; i < masters; i++) {
      const [port, busPort] = [await take(), await take()];
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rcluster-'));
      dirs.push(dir);
      ports.push(port);
      children.push(spawn(redisBin('redis-server'), [
        '--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-port', String(busPort),
        '--cluster-node-timeout', '5000',
      ], { stdio: 'ignore' }));
    }
    await Promise.all(ports.map((port) => waitFor(`cluster node ${port}`, () => ping(port, async (c) => (await c.ping()) === 'PONG'))));
    const nodes = ports.map((p) => `${HOST}:${p}`);
    const create = spawnSync(redisBin('redis-cli'), ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8', timeout: 60_000,
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    await Promise.all(ports.map((port) => waitFor(`cluster state ok on ${port}`, () => ping(port, async (c) => {
      const info = String(await c.cluster('INFO'));
      return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(info);
    }), 60_000)));
    return { nodes, url: `redis+cluster://${nodes.join(',')}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
