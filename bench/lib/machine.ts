// Machine and version facts recorded with every run: figures only mean something beside them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './proc.js';

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // the tool is absent or failed: record that instead of a version
    return 'unavailable';
  }
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // not installed: say so in the report
    return 'not installed';
  }
}

export function machineInfo(pgBinPath: string) {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    redis: tryRun('redis-server', ['--version']),
    postgres: tryRun(pgBinPath, ['--version']),
    git: tryRun('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    packages: Object.fromEntries(['fastify', 'ws', '@fastify/websocket', 'ioredis', 'pg', 'kysely', 'better-sqlite3', 'socket.io', '@duckdb/node-api'].map((p) => [p, pkgVersion(p)])),
  };
}
