// Baseline: a bare Node client (ioredis, auto-pipelining, no HTTP/WS, no Strata code on the
// path) calling the SAME hot-tier scripts as Strata with the same key layout, message shape,
// client key and ring caps. Runs in a child process, in phases of equal length, one script
// per phase:
// - 'ingest'  src/hot-tier/valkey/lua/ingest-10.lua, the current ingest (with a sender: the restrictions of docs/moderation.md judged on every call, as the API does) (the ceiling the ingest
//             scenario is compared with);
// - 'before'  bench/baselines/ingest-before-change-log.lua, a bench-only copy of ingest-6.lua,
//             the ingest before the change log: what the change log costs the message path;
// - 'change'  src/hot-tier/valkey/lua/change-8.lua, edits (of messages in the ring) and
//             reactions alternately: the hot tier's ceiling for changes.
// Phases alternate (e.g. ingest, before, before, ingest) so drift of a shared machine hits both,
// after an uncounted warm-up of each script.
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Keys } from '../../src/hot-tier/valkey/keys.js';
import { partitionOf } from '../../src/hot-tier/partition.js';
import { messageTemplate, versionTemplate } from '../../src/model/message.js';
import { BENCH_DIR, isMain, ROOT, serveJob } from '../lib/proc.js';
import { int, rng, text } from '../lib/rng.js';
import { Samples } from '../lib/stats.js';

export const INGEST_LUA = path.join(ROOT, 'src/hot-tier/valkey/lua/ingest-10.lua');
export const INGEST_BEFORE_LUA = path.join(BENCH_DIR, 'baselines/ingest-before-change-log.lua');
export const CHANGE_LUA = path.join(ROOT, 'src/hot-tier/valkey/lua/change-8.lua');
/** Strata's defaults (src/config.ts): RECENT_LIMIT, CHANGE_RING_LIMIT. */
export const RECENT_LIMIT = 500;
export const CHANGE_RING_LIMIT = 1000;

export type LuaScript = 'ingest' | 'before' | 'change';
export const SCRIPT_FILE: Record<LuaScript, string> = { ingest: 'ingest-10.lua', before: 'ingest-before-change-log.lua', change: 'change-8.lua' };

export interface LuaJob {
  redisUrl: string;
  prefix: string;
  convs: number;
  partitions: number;
  concurrency: number;
  /** Length of each phase. */
  durationMs: number;
  /** The phases, in order (default: one 'ingest' phase). */
  phases?: LuaScript[];
  /** Before the phases, each script of them runs this long uncounted (connection, script cache, JIT). */
  warmupMs?: number;
  seed: number;
}

export interface LuaPhase {
  script: LuaScript;
  acked: number;
  errors: number;
  latencyMs: Float64Array;
  seconds: number;
  /** Wall clock of the phase (epoch ms): the harness reads Valkey's CPU over it. */
  startMs: number;
  endMs: number;
}

export interface LuaResult {
  /** Totals of the 'ingest' phases (the ingest-10.lua baseline). */
  acked: number;
  errors: number;
  latencyMs: Float64Array;
  seconds: number;
  phases: LuaPhase[];
}

type Call = (...a: (string | number)[]) => Promise<[string, ...unknown[]]>;

async function run(job: LuaJob): Promise<LuaResult> {
  const client = new Redis(job.redisUrl, { enableAutoPipelining: true });
  client.defineCommand('ingest10', { numberOfKeys: 10, lua: fs.readFileSync(INGEST_LUA, 'utf8') });
  client.defineCommand('ingest6', { numberOfKeys: 6, lua: fs.readFileSync(INGEST_BEFORE_LUA, 'utf8') });
  client.defineCommand('change8', { numberOfKeys: 8, lua: fs.readFileSync(CHANGE_LUA, 'utf8') });
  const cmd = (name: string) => (client as unknown as Record<string, Call>)[name].bind(client);
  const ingest10 = cmd('ingest10');
  const ingest6 = cmd('ingest6');
  const change8 = cmd('change8');
  const keys = new Keys(job.prefix);
  const convs = Array.from({ length: job.convs }, (_, i) => {
    const id = `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
    return { id, p: partitionOf(id, job.partitions) };
  });
  // Seeded as seed-5.lua leaves a new conversation: both counters at 0.
  await Promise.all(convs.flatMap((c) => [client.set(keys.seq(c.p, c.id), '0'), client.set(keys.cursor(c.p, c.id), '0')]));
  let n = 0;

  const phase = async (script: LuaScript, phaseNo: number, durationMs = job.durationMs): Promise<LuaPhase> => {
    const lat = new Samples(1 << 16);
    let acked = 0;
    let errors = 0;
    // change: edit messages the ring holds (at most its newest RECENT_LIMIT seqs).
    const top = script === 'change' ? (await Promise.all(convs.map((c) => client.get(keys.seq(c.p, c.id))))).map(Number) : [];
    const t0 = performance.now();
    const startMs = Date.now();
    const deadline = startMs + durationMs;
    await Promise.all(Array.from({ length: job.concurrency }, async (_, w) => {
      const wr = rng(job.seed * 31 + w + phaseNo * 7919);
      let k = 0;
      while (Date.now() < deadline) {
        const ci = int(wr, convs.length);
        const c = convs[ci];
        const id = crypto.randomUUID();
        const now = new Date().toISOString();
        let s: number;
        let out: [string, ...unknown[]];
        if (script === 'change') {
          if (k++ % 2 === 0 && top[ci] > 0) {
            // an edit of one of the ring's messages (no version check, as a first edit's would pass)
            const seq = top[ci] - int(wr, Math.min(RECENT_LIMIT, top[ci]));
            const { head, tail } = versionTemplate({
              id, conversation_id: c.id, seq, version: 0, sender: `u${w}`, text: text(wr), reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [],
              client_id: null, created_at: now, edited_at: now, deleted_at: null,
            });
            s = performance.now();
            out = await change8(keys.cursor(c.p, c.id), keys.changes(c.p, c.id), keys.log(c.p), keys.channel(c.p, c.id), keys.ring(c.p, c.id), keys.lastMessageChange(c.p, c.id), keys.messageVersions(c.p, c.id), keys.restrictions(c.p, c.id),
              'edit', seq, '', head, tail, CHANGE_RING_LIMIT, 1_000_000_000, id, `u${w}`);
          } else {
            const body = `,"conversation_id":"${c.id}","message_id":"${id}","user":"u${w}","reaction":"+1","removed":${k % 4 === 1},"at":"${now}"}`;
            s = performance.now();
            out = await change8(keys.cursor(c.p, c.id), keys.changes(c.p, c.id), keys.log(c.p), keys.channel(c.p, c.id), keys.ring(c.p, c.id), keys.lastMessageChange(c.p, c.id), keys.messageVersions(c.p, c.id), keys.restrictions(c.p, c.id),
              'reaction', '', '', body, '', CHANGE_RING_LIMIT, 1_000_000_000, '', `u${w}`);
          }
          if (out[0] === 'changed') {
            acked++;
            lat.add(performance.now() - s);
          } else errors++;
          continue;
        }
        const clientKey = `u${int(wr, 1000)}\n${job.prefix}-${++n}`;
        const { head, tail } = messageTemplate({
          id, conversation_id: c.id, sender: `u${w}`, text: text(wr), reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [],
          client_id: clientKey, created_at: now, edited_at: null, deleted_at: null,
        });
        s = performance.now();
        out = script === 'ingest'
          ? await ingest10(keys.seq(c.p, c.id), keys.ring(c.p, c.id), keys.log(c.p), keys.dedup(c.p, c.id, clientKey), keys.channel(c.p, c.id), keys.inFlight(c.p, id),
            keys.cursor(c.p, c.id), keys.changes(c.p, c.id), keys.restrictions(c.p, c.id), keys.cooldown(c.p, c.id, `u${w}`),
            head, tail, '1', 86_400_000, RECENT_LIMIT, 1_000_000_000, 60_000, c.id, CHANGE_RING_LIMIT, `u${w}`, 'member')
          // the message JSON before the change log had no version: head + seq + tail
          : await ingest6(keys.seq(c.p, c.id), keys.ring(c.p, c.id), keys.log(c.p), keys.dedup(c.p, c.id, clientKey), keys.channel(c.p, c.id), keys.inFlight(c.p, id),
            head, tail, '1', 86_400_000, RECENT_LIMIT, 1_000_000_000, 60_000, c.id);
        if (out[0] === 'created') {
          acked++;
          lat.add(performance.now() - s);
        } else errors++;
      }
    }));
    return { script, acked, errors, latencyMs: lat.toArray(), seconds: (performance.now() - t0) / 1000, startMs, endMs: Date.now() };
  };

  const order = job.phases ?? ['ingest'];
  if (job.warmupMs) for (const script of new Set(order)) await phase(script, -1, job.warmupMs);
  const phases: LuaPhase[] = [];
  for (const [i, script] of order.entries()) phases.push(await phase(script, i));

  // Clean up this baseline's keys (its own prefix) so later scenarios start from the same state.
  const doomed: string[] = [];
  for (const c of convs) doomed.push(keys.seq(c.p, c.id), keys.ring(c.p, c.id), keys.cursor(c.p, c.id), keys.changes(c.p, c.id));
  for (let p = 0; p < job.partitions; p++) doomed.push(keys.log(p));
  await client.unlink(...doomed);
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${job.prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (found.length) await client.unlink(...found);
  } while (cursor !== '0');
  client.disconnect();
  const mine = phases.filter((p) => p.script === 'ingest');
  const lat = new Samples(1 << 16);
  for (const p of mine) lat.addAll(p.latencyMs);
  return {
    acked: mine.reduce((a, p) => a + p.acked, 0), errors: mine.reduce((a, p) => a + p.errors, 0), latencyMs: lat.toArray(),
    seconds: mine.reduce((a, p) => a + p.seconds, 0), phases,
  };
}

if (isMain(import.meta.url)) serveJob(run);
