// Load generator for WebSocket `resume` by cursor (a child process): one member socket per
// conversation; one resume at a time, `{"type":"resume","conversation_id","after_cursor":
// cursor - missing}`, timed from the send to the `resumed` frame. Every replay is checked:
// exactly `missing` change frames, cursors after+1 … cursor in order, then `resumed` with the
// cursor. Peers measured in the same process, on the same conversations, interleaved with the
// resumes: the reads the server makes for one resume without the server (5 × 200 changes, one
// after the other, as the resume handler pages) — bare ioredis calls of read-changes-2.lua
// (the change ring), or bare pg SELECTs of the changes table (the warm store).
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Keys } from '../../src/hot-tier/valkey/keys.js';
import { partitionOf } from '../../src/hot-tier/partition.js';
import { isMain, ROOT, serveJob } from '../lib/proc.js';
import { Samples } from '../lib/stats.js';

export const READ_CHANGES_LUA = path.join(ROOT, 'src/hot-tier/valkey/lua/read-changes-2.lua');

export interface ResumeJob {
  wsUrl: string;
  redisUrl: string;
  pgUrl: string;
  /** The stack's VALKEY_PREFIX and PARTITIONS. */
  prefix: string;
  partitions: number;
  targets: { convId: string; token: string; cursor: number }[];
  missing: number;
  /** Page size of the server's resume (ws-handlers.ts) and of the peers. */
  page: number;
  durationMs: number;
  maxSamples: number;
  /** ring: as is; mixed: the change ring trimmed to its newest `keep` first; warm: the change ring deleted first. */
  variant: 'ring' | 'mixed' | 'warm';
  keep?: number;
}

export interface ResumeResult {
  resumes: number;
  errors: number;
  errorSamples: string[];
  latencyMs: Float64Array;
  peer: 'ring' | 'warm';
  peerMs: Float64Array;
  /** What the change rings held when the resumes ran (lowest cursor kept, per conversation). */
  ringLowest: number[];
}

function cursorOf(s: string): number {
  const at = s.indexOf('"cursor":');
  if (at < 0) return NaN;
  let end = at + 9;
  while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
  return Number(s.slice(at + 9, end));
}

async function run(job: ResumeJob): Promise<ResumeResult> {
  const redis = new Redis(job.redisUrl, { enableAutoPipelining: true });
  redis.defineCommand('readChanges', { numberOfKeys: 2, lua: fs.readFileSync(READ_CHANGES_LUA, 'utf8') });
  const readChanges = (redis as unknown as { readChanges: (...a: (string | number)[]) => Promise<unknown[] | null> }).readChanges.bind(redis);
  const db = new pg.Client({ connectionString: job.pgUrl });
  await db.connect();
  await redis.ping(); // connected before the first burst of calls
  const keys = new Keys(job.prefix);
  const at = job.targets.map((t) => ({ ...t, p: partitionOf(t.convId, job.partitions) }));
  if (job.variant === 'mixed') await Promise.all(at.map((t) => redis.zremrangebyrank(keys.changes(t.p, t.convId), 0, -(job.keep! + 1))));
  if (job.variant === 'warm') await Promise.all(at.map((t) => redis.del(keys.changes(t.p, t.convId))));
  const ringLowest = await Promise.all(at.map(async (t) => {
    const low = await redis.zrange(keys.changes(t.p, t.convId), '0', '0', 'WITHSCORES');
    return low.length ? Number(low[1]) : t.cursor + 1;
  }));
  const peer: 'ring' | 'warm' = job.variant === 'ring' ? 'ring' : 'warm';

  // One socket per conversation (a member's), frames for the resume in progress collected.
  const sockets = await Promise.all(at.map(async (t) => {
    const ws = new WebSocket(job.wsUrl, { headers: { authorization: `Bearer ${t.token}` }, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return ws;
  }));

  const lat = new Samples(1024);
  const peerLat = new Samples(1024);
  const errorSamples: string[] = [];
  let errors = 0;
  let resumes = 0;
  const resumeOnce = (i: number, ref: string) => new Promise<string | null>((resolve) => {
    const t = at[i];
    const ws = sockets[i];
    const after = t.cursor - job.missing;
    let next = after + 1;
    let problem: string | null = null;
    const timer = setTimeout(() => done('no `resumed` within 30 s'), 30_000);
    const onMsg = (data: WebSocket.RawData) => {
      const s = data.toString();
      if (s.startsWith('{"type":"resumed"')) {
        if (!s.includes(`"ref":"${ref}"`)) return;
        const c = cursorOf(s);
        if (!problem && next !== t.cursor + 1) problem = `${next - after - 1} changes replayed, expected ${job.missing}`;
        if (!problem && c !== t.cursor) problem = `resumed at cursor ${c}, expected ${t.cursor}`;
        return done(problem);
      }
      if (s.startsWith('{"type":"error"')) return done(`error frame: ${s.slice(0, 200)}`);
      if (!s.includes(t.convId)) return; // another conversation's frame (none expected)
      const c = cursorOf(s);
      if (Number.isNaN(c)) return; // not a change (e.g. presence)
      if (c !== next && !problem) problem = `cursor ${c} where ${next} was expected`;
      next = c + 1;
    };
    function done(p: string | null) {
      clearTimeout(timer);
      ws.off('message', onMsg);
      resolve(p);
    }
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ type: 'resume', ref, conversation_id: t.convId, after_cursor: after }));
  });
  const peerOnce = async (i: number) => {
    const t = at[i];
    const after = t.cursor - job.missing;
    let got = 0;
    for (let from = after; from < t.cursor; from += job.page) {
      if (peer === 'ring') {
        const r = await readChanges(keys.cursor(t.p, t.convId), keys.changes(t.p, t.convId), from, job.page);
        got += r ? r.length - 2 : 0;
      } else {
        const r = await db.query('SELECT json FROM changes WHERE conversation_id = $1 AND cursor > $2 ORDER BY cursor LIMIT $3', [t.convId, from, job.page]);
        got += r.rows.length;
      }
    }
    return got;
  };

  const deadline = Date.now() + job.durationMs;
  for (let k = 0; k < job.maxSamples && (Date.now() < deadline || k < 10); k++) {
    const i = k % at.length;
    const s = performance.now();
    const problem = await resumeOnce(i, `r${k}`);
    const ms = performance.now() - s;
    if (problem) {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(problem);
    } else {
      resumes++;
      lat.add(ms);
    }
    const ps = performance.now();
    const got = await peerOnce(i);
    const pms = performance.now() - ps;
    if (got === job.missing) peerLat.add(pms);
    else if (errorSamples.length < 5) errorSamples.push(`peer ${peer} read ${got} changes, expected ${job.missing}`);
  }
  for (const ws of sockets) ws.close();
  await db.end();
  redis.disconnect();
  return { resumes, errors, errorSamples, latencyMs: lat.toArray(), peer, peerMs: peerLat.toArray(), ringLowest };
}

if (isMain(import.meta.url)) serveJob(run);
