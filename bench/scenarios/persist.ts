// Scenario "persist": while REST ingest runs at its max on Valkey + PostgreSQL, the persist
// workers' rows/s, the backlog (acked − persisted) and the lag, beside a PostgreSQL COPY of
// the same rows in the same run. Lag is read off two curves: acks per 50 ms (from the load
// generators) and persisted rows sampled every 50 ms (conversations.last_seq); the k-th acked
// message's lag is the time until the persisted count reached k (resolution ≈ 50–100 ms).
import type { Ctx, StackWorld } from '../lib/context.js';
import { percentile } from '../lib/stats.js';
import { pgCopyBaseline } from '../baselines/pg-copy.js';
import type { LoadOutcome } from './ingest.js';

export async function persistScenario(ctx: Ctx, sw: StackWorld, load: LoadOutcome): Promise<void> {
  const curve = load.persistCurve;
  const base = curve[0]?.[1] ?? 0;
  const acks = load.timeline.cumulative();
  const lags: number[] = [];
  let maxBacklog = 0;
  let j = 0;
  for (const [t, a] of acks) {
    while (j < curve.length && curve[j][1] - base < a) j++;
    const tp = j < curve.length ? curve[j][0] : NaN;
    lags.push(Math.max(0, tp - t));
  }
  // Backlog at each persisted sample: acked so far − persisted so far.
  let k = 0;
  for (const [t, p] of curve) {
    while (k < acks.length - 1 && acks[k + 1][0] <= t) k++;
    const a = acks[k] && acks[k][0] <= t ? acks[k][1] : 0;
    maxBacklog = Math.max(maxBacklog, a - (p - base));
  }
  // Weight each bucket's lag by its acks: expand per message (bounded: buckets × count).
  const weighted: number[] = [];
  let prev = 0;
  acks.forEach(([, a], i) => {
    for (let n = prev; n < a; n++) weighted.push(lags[i]);
    prev = a;
  });
  weighted.sort((x, y) => x - y);
  const p50 = percentile(weighted, 0.5);
  const p99 = percentile(weighted, 0.99);
  const during = curve.filter(([t]) => t >= load.startMs && t <= load.endMs);
  const rowsDuring = during.length > 1 ? during[during.length - 1][1] - during[0][1] : NaN;
  const secsDuring = during.length > 1 ? (during[during.length - 1][0] - during[0][0]) / 1000 : NaN;
  const rate = rowsDuring / secsDuring;
  const copy = await pgCopyBaseline(sw.stack.pgUrl!, sw.world.convs.map((c) => c.id));
  const subject = `strata ${sw.label} persist workers`;
  ctx.res.add({ scenario: 'persist', subject: 'baseline PostgreSQL COPY', metric: 'rows/s', value: copy.rate, unit: '/s', note: `${copy.rows} rows in ${copy.seconds.toFixed(2)} s` });
  ctx.res.add({ scenario: 'persist', subject, metric: 'rows/s during max ingest', value: rate, unit: '/s', baseline: { subject: 'PostgreSQL COPY', value: copy.rate } });
  ctx.res.add({ scenario: 'persist', subject, metric: 'rows/s vs acked/s', value: rate, unit: '/s', baseline: { subject: 'acked ingest', value: load.rate }, goal: '>= 0.95 (keeps up)', met: rate / load.rate >= 0.95 && load.drainedMs < 1000 });
  ctx.res.add({ scenario: 'persist', subject, metric: 'p50 lag', value: p50, unit: 'ms' });
  ctx.res.add({ scenario: 'persist', subject, metric: 'p99 lag', value: p99, unit: 'ms', goal: '<= 1000 ms', met: p99 <= 1000 });
  ctx.res.add({ scenario: 'persist', subject, metric: 'max backlog (acked − persisted)', value: maxBacklog, unit: 'rows' });
  ctx.res.add({ scenario: 'persist', subject, metric: 'drain after load stopped', value: load.drainedMs, unit: 'ms' });
  ctx.res.latency.push({ scenario: 'persist', subject: 'lag ack → row committed', p50, p99 });
}
