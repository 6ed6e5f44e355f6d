// Load generator for history pages (a child process): GET /v1/conversations/{id}/messages with
// a fixed query, closed loop over keep-alive connections. Checks every page: 200, the expected
// number of messages, ascending contiguous seqs, and the tier that answered (x-strata-tier).
import http from 'node:http';
import { isMain, serveJob } from '../lib/proc.js';
import { int, rng } from '../lib/rng.js';
import { Samples } from '../lib/stats.js';

export interface HistoryJob {
  url: string;
  targets: { convId: string; token: string }[];
  query: string;
  expectCount: number;
  expectTier: string;
  concurrency: number;
  durationMs: number;
  seed: number;
}

export interface HistoryResult {
  pages: number;
  errors: number;
  errorSamples: string[];
  tiers: Record<string, number>;
  latencyMs: Float64Array;
  seconds: number;
}

async function run(job: HistoryJob): Promise<HistoryResult> {
  const u = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const lat = new Samples(1 << 15);
  const tiers: Record<string, number> = {};
  const errorSamples: string[] = [];
  let pages = 0;
  let errors = 0;
  const get = (t: HistoryJob['targets'][number]) => new Promise<{ status: number; tier: string; body: string }>((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, agent, path: `/v1/conversations/${t.convId}/messages?${job.query}`, headers: { authorization: `Bearer ${t.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, tier: String(res.headers['x-strata-tier'] ?? ''), body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (e) => resolve({ status: 0, tier: '', body: e.message }));
    req.end();
  });
  const t0 = performance.now();
  const deadline = Date.now() + job.durationMs;
  await Promise.all(Array.from({ length: job.concurrency }, async (_, w) => {
    const r = rng(job.seed * 131 + w);
    while (Date.now() < deadline) {
      const t = job.targets[int(r, job.targets.length)];
      const s = performance.now();
      const res = await get(t);
      const ms = performance.now() - s;
      tiers[res.tier] = (tiers[res.tier] ?? 0) + 1;
      let problem = '';
      if (res.status !== 200) problem = `${res.status} ${res.body.slice(0, 160)}`;
      else {
        const page = JSON.parse(res.body) as { messages: { seq: number }[] };
        const seqs = page.messages.map((m) => m.seq);
        if (seqs.length !== job.expectCount) problem = `${seqs.length} messages, expected ${job.expectCount}`;
        else if (!seqs.every((v, i) => i === 0 || v === seqs[i - 1] + 1)) problem = 'seqs not contiguous';
        else if (res.tier !== job.expectTier) problem = `served by ${res.tier}, expected ${job.expectTier}`;
      }
      if (problem) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(problem);
      } else {
        pages++;
        lat.add(ms);
      }
    }
  }));
  agent.destroy();
  return { pages, errors, errorSamples, tiers, latencyMs: lat.toArray(), seconds: (performance.now() - t0) / 1000 };
}

if (isMain(import.meta.url)) serveJob(run);
