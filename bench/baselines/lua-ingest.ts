// Baseline: a bare Node client (ioredis, auto-pipelining, no HTTP/WS, no Strata code on the
// path) calling the SAME ingest script (src/hot-tier/valkey/lua/ingest-6.lua) with the same
// key layout, message shape, client key and ring cap as Strata's ingest. Runs in a child
// process; the ceiling the ingest scenario is compared with.
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Keys } from '../../src/hot-tier/valkey/keys.js';
import { partitionOf } from '../../src/hot-tier/partition.js';
import { messageTemplate } from '../../src/model/message.js';
import { isMain, ROOT, serveJob } from '../lib/proc.js';
import { int, rng, text } from '../lib/rng.js';
import { Samples } from '../lib/stats.js';

export const INGEST_LUA = path.join(ROOT, 'src/hot-tier/valkey/lua/ingest-6.lua');

export interface LuaJob {
  redisUrl: string;
  prefix: string;
  convs: number;
  partitions: number;
  concurrency: number;
  durationMs: number;
  seed: number;
}

export interface LuaResult {
  acked: number;
  errors: number;
  latencyMs: Float64Array;
  seconds: number;
}

async function run(job: LuaJob): Promise<LuaResult> {
  const client = new Redis(job.redisUrl, { enableAutoPipelining: true });
  client.defineCommand('ingest', { numberOfKeys: 6, lua: fs.readFileSync(INGEST_LUA, 'utf8') });
  const ingest = (client as unknown as { ingest: (...a: (string | number)[]) => Promise<[string, ...unknown[]]> }).ingest.bind(client);
  const keys = new Keys(job.prefix);
  const r = rng(job.seed);
  const convs = Array.from({ length: job.convs }, (_, i) => {
    const id = `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
    return { id, p: partitionOf(id, job.partitions) };
  });
  await Promise.all(convs.map((c) => client.set(keys.seq(c.p, c.id), '0')));
  const lat = new Samples(1 << 16);
  let acked = 0;
  let errors = 0;
  let n = 0;
  const t0 = performance.now();
  const deadline = Date.now() + job.durationMs;
  await Promise.all(Array.from({ length: job.concurrency }, async (_, w) => {
    const wr = rng(job.seed * 31 + w);
    while (Date.now() < deadline) {
      const c = convs[int(wr, convs.length)];
      const clientKey = `u${int(wr, 1000)}\n${job.prefix}-${++n}`;
      const id = crypto.randomUUID();
      const { head, tail } = messageTemplate({
        id, conversation_id: c.id, sender: `u${w}`, text: text(wr), reply_to: null,
        client_id: clientKey, created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
      });
      const s = performance.now();
      const out = await ingest(keys.seq(c.p, c.id), keys.ring(c.p, c.id), keys.log(c.p), keys.dedup(c.p, c.id, clientKey), keys.channel(c.p, c.id), keys.inFlight(c.p, id),
        head, tail, '1', 86_400_000, 500, 1_000_000_000, 60_000, c.id);
      if (out[0] === 'created') {
        acked++;
        lat.add(performance.now() - s);
      } else errors++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  void r;
  // Clean up this baseline's keys (its own prefix) so later scenarios start from the same state.
  const doomed: string[] = [];
  for (const c of convs) doomed.push(keys.seq(c.p, c.id), keys.ring(c.p, c.id));
  for (let p = 0; p < job.partitions; p++) doomed.push(keys.log(p));
  await client.unlink(...doomed);
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${job.prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (found.length) await client.unlink(...found);
  } while (cursor !== '0');
  client.disconnect();
  return { acked, errors, latencyMs: lat.toArray(), seconds };
}

if (isMain(import.meta.url)) serveJob(run);
