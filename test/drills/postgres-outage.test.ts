// Drill 3: the PostgreSQL of three API nodes (a throwaway cluster started by this file) is
// stopped for 20 s mid-burst, then started again. Every send is answered: 200/201, or 503 with
// Retry-After (then retried with the same client_id on another node); never a dropped
// connection, a timeout or another status. After the restart every acked message is stored
// exactly once, gap-free, and the history pages of two nodes match the rows.
// The membership caches are warmed first (one send per node × conversation × user): during the
// outage a node answers membership from its cache (conversations/access.ts). A send on a
// conversation a node has never checked is probed once and reported (cold_probe=…), not counted.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startNodes, type NodeCluster } from '../helpers/nodes.js';
import { startPostgres, type PostgresServer } from '../services/postgres.js';
import { Burst, createConversations, drained, openStore, report, tokensFor, until, USERS, verify } from './drill-kit.js';

const CONVS = 20;
const OUTAGE_MS = 20_000;
/** Acks wanted before the outage and after the restart. */
const AROUND = 1500;
/** Upper bound of sends, whatever the speed of the machine. */
const MAX_SENDS = 60_000;

describe('drill 3: PostgreSQL stopped for 20 s mid-burst', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop());

  it('every send is acked or answered 503 + Retry-After; everything acked is stored exactly once', async () => {
    const t0 = Date.now();
    let cluster: NodeCluster | undefined;
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      cluster = await startNodes(3, { valkeyUrl: inject('valkeyUrl'), databaseUrl: pg.url, env: { RECENT_LIMIT: '200' } });
      const c = cluster;
      const urls = c.nodes.map((n) => n.url);
      const tokens = await tokensFor(c);
      const convs = await createConversations(urls[0], tokens, CONVS);
      const [coldConv] = await createConversations(urls[0], tokens, 1);
      const burst = new Burst({ urls, tokens, maxRetryPauseMs: 2000 });

      // warm every node's membership cache for every (conversation, user)
      let w = 0;
      await Promise.all(urls.map((_, n) => (async () => {
        for (const conv of convs) for (const user of USERS) await burst.send({ conv, user, clientId: `d3-warm-${n}-${w++}`, text: 'warm-up' }, { pref: n });
      })()));

      let stop = false;
      let i = 0;
      const sending = burst.run({
        total: MAX_SENDS, clients: 24, stop: () => stop,
        make: () => {
          const k = i++;
          return { conv: convs[k % CONVS], user: USERS[k % USERS.length], clientId: `d3-${k}`, text: `drill 3 message ${k}` };
        },
      });
      let ackedAtStop = 0;
      let ackedAtStart = 0;
      let cold = 'not probed';
      let readyDuringOutage = 'not probed';
      const phases = (async () => {
        const before = burst.acked.size + AROUND;
        if (!(await until(() => burst.acked.size >= before, 60_000))) throw new Error('no progress before the outage');
        pg.pause();
        ackedAtStop = burst.acked.size;
        const outageEnds = Date.now() + OUTAGE_MS;
        // once, mid-outage: a member a node never checked on this conversation
        await until(() => Date.now() > outageEnds - OUTAGE_MS / 2, OUTAGE_MS);
        const res = await fetch(`${urls[1]}/v1/conversations/${coldConv}/messages`, {
          method: 'POST', headers: { authorization: `Bearer ${tokens.dave}`, 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'cold', client_id: 'd3-cold' }), signal: AbortSignal.timeout(30_000),
        }).catch((e: Error) => e);
        const ready = await fetch(`${urls[0]}/readyz`, { signal: AbortSignal.timeout(10_000) }).then(async (r) => `${r.status}_store_${((await r.json()) as { store?: string }).store}`, (e: Error) => `error_${e.message}`);
        readyDuringOutage = ready;
        cold = res instanceof Error ? `error_${res.message}` : `${res.status}${res.headers.get('retry-after') ? `_retry-after_${res.headers.get('retry-after')}` : '_no_retry-after'}`;
        // the outage lasts OUTAGE_MS: its length is the drill's parameter, polled by the clock
        await until(() => Date.now() >= outageEnds, OUTAGE_MS + 1000, 50);
        await pg.start();
        ackedAtStart = burst.acked.size;
        const after = ackedAtStart + AROUND;
        await until(() => burst.acked.size >= after, 60_000);
      })().finally(() => {
        stop = true;
      });
      await Promise.all([sending, phases]);

      store = await openStore(c.databaseUrl);
      const tDrain = Date.now();
      const isDrained = await drained(store, convs, burst.acked.size, 90_000);
      const drainMs = Date.now() - tDrain;
      const readers = [0, 2].map((k) => ({ url: urls[k], token: tokens.dave }));
      const v = await verify(store, convs, burst.acked.values(), readers);
      const badOutcomes = [...burst.outcomes.keys()].filter((k) => !['200', '201', '503'].includes(k));
      report(3, 'postgres outage 20s', v.counts, {
        acked_during_outage: ackedAtStart - ackedAtStop, retried: burst.retried, gave_up: burst.gaveUp.length, outcomes: burst.outcomeSummary(),
        bad_outcomes: badOutcomes.length, readyz_mid_outage: readyDuringOutage, cold_probe: cold, pages: v.tiers, drain_ms: drainMs, drained: String(isDrained), total_ms: Date.now() - t0,
      });
      if (v.examples.length) console.log(v.examples.join('\n'));
      if (burst.unexpected.length) console.log(`unexpected answers: ${burst.unexpected.join(' | ')}`);
      expect(badOutcomes).toEqual([]);
      expect(burst.gaveUp).toEqual([]);
      expect(ackedAtStart - ackedAtStop).toBeGreaterThan(0);
      expect(readyDuringOutage).toBe('503_store_unreachable'); // the outage was real
      expect({ lost: v.counts.lost, duplicated: v.counts.duplicated, gaps: v.counts.gaps, tier_mismatches: v.counts.tier_mismatches }, v.examples.slice(0, 8).join('\n'))
        .toEqual({ lost: 0, duplicated: 0, gaps: 0, tier_mismatches: 0 });
    } finally {
      await store?.close();
      await cluster?.stop();
    }
  }, 300_000);
});
