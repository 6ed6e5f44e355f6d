// Load generator for `GET /v1/sync?since=<token>` (a child process): one user, one request at
// a time, the same token each time (a token stays valid: the answer is the same). Every answer
// is checked: every conversation `changed` with exactly the expected changes, none `has_more`.
// Peer measured in the same process, interleaved: the change-ring reads of one sync without
// the server — one bare ioredis call of read-changes-2.lua per conversation, auto-pipelined.
import fs from 'node:fs';
import http from 'node:http';
import { Redis } from 'ioredis';
import { Keys } from '../../src/hot-tier/valkey/keys.js';
import { partitionOf } from '../../src/hot-tier/partition.js';
import { isMain, serveJob } from '../lib/proc.js';
import { Samples } from '../lib/stats.js';
import { READ_CHANGES_LUA } from './resume-load.js';

export interface SyncJob {
  url: string;
  token: string;
  since: string;
  redisUrl: string;
  prefix: string;
  partitions: number;
  /** conversation id → the cursor the token knows */
  convs: Record<string, number>;
  changesEach: number;
  durationMs: number;
  maxSamples: number;
}

export interface SyncResult {
  syncs: number;
  errors: number;
  errorSamples: string[];
  bytes: number;
  latencyMs: Float64Array;
  peerMs: Float64Array;
}

async function run(job: SyncJob): Promise<SyncResult> {
  const u = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () => new Promise<{ status: number; body: string }>((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, agent, path: `/v1/sync?since=${encodeURIComponent(job.since)}`, headers: { authorization: `Bearer ${job.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
  const redis = new Redis(job.redisUrl, { enableAutoPipelining: true });
  redis.defineCommand('readChanges', { numberOfKeys: 2, lua: fs.readFileSync(READ_CHANGES_LUA, 'utf8') });
  const readChanges = (redis as unknown as { readChanges: (...a: (string | number)[]) => Promise<unknown[] | null> }).readChanges.bind(redis);
  await redis.ping(); // connected before the first burst of calls
  const keys = new Keys(job.prefix);
  const convs = Object.entries(job.convs).map(([id, after]) => ({ id, after, p: partitionOf(id, job.partitions) }));

  const lat = new Samples(1024);
  const peer = new Samples(1024);
  const errorSamples: string[] = [];
  let errors = 0;
  let syncs = 0;
  let bytes = 0;
  const deadline = Date.now() + job.durationMs;
  for (let k = 0; k < job.maxSamples && (Date.now() < deadline || k < 10); k++) {
    const s = performance.now();
    const res = await get();
    const ms = performance.now() - s;
    let problem = '';
    if (res.status !== 200) problem = `${res.status} ${res.body.slice(0, 200)}`;
    else {
      const b = JSON.parse(res.body) as { conversations: { id: string; status: string; changes: unknown[]; has_more: boolean }[] };
      const bad = b.conversations.filter((c) => job.convs[c.id] !== undefined && (c.status !== 'changed' || c.changes.length !== job.changesEach || c.has_more));
      const seen = b.conversations.filter((c) => job.convs[c.id] !== undefined).length;
      if (seen !== convs.length) problem = `${seen} of the ${convs.length} conversations in the answer`;
      else if (bad.length) problem = `${bad.length} conversations not "changed" with ${job.changesEach} changes, e.g. ${JSON.stringify({ ...bad[0], changes: bad[0].changes.length })}`;
    }
    if (problem) {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(problem);
    } else {
      syncs++;
      bytes = res.body.length;
      lat.add(ms);
    }
    const ps = performance.now();
    const rs = await Promise.all(convs.map((c) => readChanges(keys.cursor(c.p, c.id), keys.changes(c.p, c.id), c.after, 100)));
    const pms = performance.now() - ps;
    const got = rs.reduce((n, r) => n + (r ? r.length - 2 : 0), 0);
    if (got === convs.length * job.changesEach) peer.add(pms);
    else if (errorSamples.length < 5) errorSamples.push(`peer read ${got} changes, expected ${convs.length * job.changesEach}`);
  }
  agent.destroy();
  redis.disconnect();
  return { syncs, errors, errorSamples, bytes, latencyMs: lat.toArray(), peerMs: peer.toArray() };
}

if (isMain(import.meta.url)) serveJob(run);
