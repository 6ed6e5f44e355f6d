// Scenario "history": pages/s and latency of a history page served by each tier — the latest
// page (hot ring), an old page below the ring (warm store), an archived page (cold) once the
// archive is wired into the API. Ten conversations of 10 members get 1,000 (quick: 700)
// messages each first, through the normal ingest path (checked like every ingest).
import type { Ctx, StackWorld } from '../lib/context.js';
import { runJob } from '../lib/proc.js';
import { createWorld } from '../lib/stack.js';
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
  for (const k of kinds) {
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
  }
  ctx.res.skipped.push({ scenario: 'history', reason: `${sw.label}: cold (archived) page not measured — the archive is not wired into the API's history yet` });
}
