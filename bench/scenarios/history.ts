// Scenario "history": pages/s and latency of a history page served by each tier — the latest
// page (hot ring), an old page below the ring (warm store), and an archived page (cold) after
// POST /v1/exports moved seqs 1..300 of every conversation to the archive (local directory).
// Ten conversations of 10 members get 1,000 (quick: 700) messages each first, through the
// normal ingest path (checked like every ingest).
import type { Ctx, StackWorld } from '../lib/context.js';
import { runJob } from '../lib/proc.js';
import { createWorld, SECRET } from '../lib/stack.js';
import { mintToken } from '../../src/auth/tokens.js';
import { summarize } from '../lib/stats.js';
import type { HistoryJob, HistoryResult } from '../load/history-load.js';
import { driveIngest } from './ingest.js';

export async function historyScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const perConv = ctx.q(1000, 700);
  const world = await createWorld(sw.stack, { users: 100, convs: 10, size: 10, seed: ctx.seed + 1, tag: `hist-${sw.label}` });
  const hsw: StackWorld = { ...sw, world, lastSeq: new Map() };
  await driveIngest(ctx, hsw, { scenario: 'history', transport: 'rest', procs: 1, concurrency: 32, durationMs: 120_000, maxMessages: perConv * 10, roundRobin: true });
  const targets = world.convs.map((c) => ({ convId: c.id, token: world.tokens[c.members[1]] }));
  const kinds = [
    { tier: 'hot', query: 'limit=50', what: 'latest page (hot ring)' },
    { tier: 'warm', query: 'before=200&limit=50', what: 'old page (warm store)' },
  ];
  const measure = async (k: (typeof kinds)[number]) => {
    const r = await runJob<HistoryJob, HistoryResult>('load/history-load.ts', {
      url: sw.stack.url, targets, query: k.query, expectCount: 50, expectTier: k.tier, concurrency: 32, durationMs: ctx.q(8_000, 3_000), seed: ctx.seed,
    }, 120_000);
    const s = summarize(r.latencyMs);
    const subject = `strata ${sw.label} ${k.what}`;
    ctx.res.check('history', `${sw.label} ${k.tier}: pages complete, contiguous, from the ${k.tier} tier`, r.errors === 0,
      r.errors === 0 ? `${r.pages} pages` : `${r.errors} bad pages, e.g. ${r.errorSamples.join(' | ')}; tiers ${JSON.stringify(r.tiers)}`);
    ctx.res.add({ scenario: 'history', subject, metric: 'pages/s', value: r.pages / r.seconds, unit: '/s' });
    ctx.res.add({ scenario: 'history', subject, metric: 'p99 latency', value: s.p99, unit: 'ms', note: `p50 ${s.p50.toFixed(2)} ms` });
    ctx.res.latency.push({ scenario: 'history', subject: `${sw.label} ${k.tier} page`, p50: s.p50, p99: s.p99, p999: s.p999 });
  };
  for (const k of kinds) await measure(k);

  // Cold: archive seqs 1..300 of every conversation through the operators' API, then page there.
  const admin = await mintToken(SECRET, 'bench-admin', { admin: true });
  for (const c of world.convs) {
    const res = await fetch(`${sw.stack.url}/v1/exports`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ conversation_id: c.id, up_to_seq: 300 }) });
    const job = (await res.json()) as { id: string; status: string };
    for (let i = 0; i < 600; i++) {
      const j = (await (await fetch(`${sw.stack.url}/v1/exports/${job.id}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { status: string; error?: string };
      if (j.status === 'failed') throw new Error(`archive job failed: ${j.error}`);
      if (j.status === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await measure({ tier: 'cold', query: 'before=200&limit=50', what: 'archived page (cold)' });
}
