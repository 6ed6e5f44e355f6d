// Finds the server binaries the tests need; fails loudly with what to install.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

export function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    // `command -v` exits non-zero when absent: that is the answer, not an error
    return null;
  }
}

export function pgBin(name: string): string {
  for (const dir of ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin']) {
    if (fs.existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  const found = which(name);
  if (found) return found;
  throw new Error(`PostgreSQL's ${name} not found: install it (Debian/Ubuntu: apt-get install postgresql) or set TEST_DATABASE_URL`);
}

export function redisBin(name: 'redis-server' | 'redis-cli'): string {
  const alt = name === 'redis-server' ? 'valkey-server' : 'valkey-cli';
  const found = which(name) ?? which(alt);
  if (found) return found;
  throw new Error(`${name} not found: install it (Debian/Ubuntu: apt-get install redis-server) or set TEST_VALKEY_URL`);
}
