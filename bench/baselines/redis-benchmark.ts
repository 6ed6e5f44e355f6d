// Baseline: `redis-benchmark -P 32` of the same ingest script (EVALSHA), the server's own
// ceiling with no client library in the way. Random dedup keys (__rand_int__) so every call
// does the full work (a repeated client key would only answer "duplicate"); they expire after
// a minute, and the stream and ring are deleted afterwards.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { redisBin } from '../../test/services/binaries.js';
import { Keys } from '../../src/hot-tier/valkey/keys.js';
import { messageTemplate } from '../../src/model/message.js';
import { INGEST_LUA } from './lua-ingest.js';

export interface RedisBenchResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  command: string;
}

export async function redisBenchmarkIngest(redisUrl: string, prefix: string, requests: number): Promise<RedisBenchResult> {
  const u = new URL(redisUrl);
  const client = new Redis(redisUrl);
  const sha = String(await client.script('LOAD', fs.readFileSync(INGEST_LUA, 'utf8')));
  const keys = new Keys(prefix);
  const conv = '00000000-0000-7000-8000-00000000beef';
  await client.set(keys.seq(0, conv), '0');
  const { head, tail } = messageTemplate({
    id: '0190a5b4-0000-7000-8000-000000000001', conversation_id: conv, sender: 'u0001', text: 'lunch at noon see you at the build review please',
    reply_to: null, client_id: 'c-1', created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
  });
  const args = ['EVALSHA', sha, '6', keys.seq(0, conv), keys.ring(0, conv), keys.log(0), keys.dedup(0, conv, 'u-__rand_int__'), keys.channel(0, conv),
    keys.inFlight(0, 'm-__rand_int__'), head, tail, '1', '60000', '500', '1000000000', '60000', conv];
  const r = spawnSync(redisBin('redis-server').replace(/redis-server$/, 'redis-benchmark').replace(/valkey-server$/, 'valkey-benchmark'),
    ['-h', u.hostname, '-p', u.port, '-c', '50', '-n', String(requests), '-P', '32', '-r', '1000000000', '--csv', ...args],
    { encoding: 'utf8', timeout: 120_000 });
  if (process.env.BENCH_DEBUG) console.log(r.stdout, r.stderr);
  await client.unlink(keys.seq(0, conv), keys.ring(0, conv), keys.log(0));
  client.disconnect();
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr || r.stdout}`);
  // --csv: a header line, then "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('"'));
  // The command's own text holds quotes (the message JSON): read the 7 figures from the end.
  const cols = lines[lines.length - 1].split('","').map((s) => s.replace(/"/g, '')).slice(-7);
  return { rps: Number(cols[0]), p50Ms: Number(cols[3]), p99Ms: Number(cols[5]), requests, command: `redis-benchmark -c 50 -P 32 -n ${requests} EVALSHA ingest-6.lua` };
}
