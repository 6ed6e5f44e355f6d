#!/usr/bin/env node
// Start time and memory of `strata start` on the embedded defaults: time from spawning the
// process to the first `GET /healthz` 200, and the resident memory once it answers (the node
// process alone, and its whole process tree: tsx and esbuild run helper processes), plus the
// CPU time spent until then (less sensitive than wall time to a busy machine). Each run gets a
// fresh DATA_DIR in a temp dir and a free port; prints the median of the runs.
//
//   node scripts/measure-start.mjs                       # 5 runs of `node bin/strata.js start`
//   node scripts/measure-start.mjs --runs 9 -- node some/other/entry.js start
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep < 0 ? argv : argv.slice(0, sep);
const command = sep < 0 ? [process.execPath, 'bin/strata.js', 'start'] : argv.slice(sep + 1).map((a) => (a === 'node' ? process.execPath : a));
const runs = own.includes('--runs') ? Number(own[own.indexOf('--runs') + 1]) : 5;
const SETTLE_MS = 500; // after the first 200: let the start-up work finish before reading RSS

const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer().on('error', reject);
  srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});

/** VmRSS of a pid in KiB (0 if it is gone). */
function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a pid has used so far, in ms (/proc/<pid>/stat, 100 ticks a second). */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** The pid and every descendant of it, from /proc/<pid>/stat's ppid field. */
function tree(root) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

async function once() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-measure-'));
  const port = await freePort();
  const env = { ...process.env, DATA_DIR: path.join(dir, 'data'), PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  for (const k of ['VALKEY_URL', 'DATABASE_URL', 'ARCHIVE_URL', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL']) delete env[k];
  let out = '';
  const t0 = performance.now();
  const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${out}`);
      if (performance.now() - t0 > 60_000) throw new Error(`no /healthz 200 within 60 s:\n${out}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t0;
    const cpu = tree(child.pid).reduce((s, p) => s + cpuMs(p), 0);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const pids = tree(child.pid);
    return { ms, cpu, rss: rssKiB(child.pid) / 1024, treeRss: pids.reduce((s, p) => s + rssKiB(p), 0) / 1024, procs: pids.length };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  results.push(r);
  console.log(`run ${i + 1}: ${r.ms.toFixed(0)} ms to /healthz 200 (CPU ${r.cpu} ms), RSS ${r.rss.toFixed(1)} MiB (process tree: ${r.treeRss.toFixed(1)} MiB in ${r.procs} processes)`);
}
console.log(`command: ${command.map((a) => (a === process.execPath ? 'node' : a)).join(' ')}`);
console.log(`median of ${runs}: start ${median(results.map((r) => r.ms)).toFixed(0)} ms (CPU ${median(results.map((r) => r.cpu)).toFixed(0)} ms), RSS ${median(results.map((r) => r.rss)).toFixed(1)} MiB (process tree ${median(results.map((r) => r.treeRss)).toFixed(1)} MiB)`);
