// Drill 1: kill -9 of an API node AND of a `strata worker` during a 20,000-message burst over
// three API nodes (WORKERS=false) and two worker processes. Clients are spread over the nodes
// and retry unacked sends (refused, reset, 503) with the same client_id on another node. The
// surviving worker claims the dead one's pending entries (PERSIST_CLAIM_IDLE_MS=1000); after
// the drain, every acked message is stored exactly once, gap-free, and the history pages of
// two nodes match the rows.
import { describe, expect, inject, it } from 'vitest';
import { startNodes, type NodeCluster } from '../helpers/nodes.js';
import { Burst, createConversations, drained, killNode, openStore, pendingOf, report, startWorker, tokensFor, USERS, verify, type Proc } from './drill-kit.js';

const TOTAL = 20_000;
const CONVS = 20;

describe('drill 1: kill -9 of an API node and a worker mid-burst', () => {
  it('every acked send is stored once, gap-free, and every tier serves the same JSON', async () => {
    const t0 = Date.now();
    const valkeyUrl = inject('valkeyUrl');
    const env = { WORKERS: 'false', PERSIST_CLAIM_IDLE_MS: '1000', RECENT_LIMIT: '200' };
    let cluster: NodeCluster | undefined;
    const workers: Proc[] = [];
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      cluster = await startNodes(3, { valkeyUrl, databaseUrl: inject('databaseUrl'), env });
      const c = cluster;
      workers.push(...(await Promise.all([startWorker(c, valkeyUrl, env), startWorker(c, valkeyUrl, env)])));
      const tokens = await tokensFor(c);
      const convs = await createConversations(c.nodes[0].url, tokens, CONVS);
      const burst = new Burst({ urls: c.nodes.map((n) => n.url), tokens });
      let nodeKilledAt = 0;
      let workerKilledAt = 0;
      let deadWorkerPending = -1;
      const tBurst = Date.now();
      await burst.run({
        total: TOTAL, clients: 48,
        make: (i) => ({ conv: convs[i % CONVS], user: USERS[i % USERS.length], clientId: `d1-${i}`, text: `drill 1 message ${i}` }),
        onAck: async (n) => {
          if (!nodeKilledAt && n >= 6000) {
            nodeKilledAt = n;
            await killNode(c.nodes[2].url, c.nodes[2].pid);
          }
          if (!workerKilledAt && n >= 10_000) {
            workerKilledAt = n;
            await workers[0].kill();
            deadWorkerPending = await pendingOf(valkeyUrl, c.prefix, workers[0].pid);
          }
        },
      });
      const burstMs = Date.now() - tBurst;
      expect(nodeKilledAt).toBeGreaterThan(0);
      expect(workerKilledAt).toBeGreaterThan(0);

      store = await openStore(c.databaseUrl);
      const tDrain = Date.now();
      const isDrained = await drained(store, convs, burst.acked.size, 60_000);
      const drainMs = Date.now() - tDrain;
      const readers = [0, 1].map((k) => ({ url: c.nodes[k].url, token: tokens.bob }));
      const v = await verify(store, convs, burst.acked.values(), readers);
      report(1, 'node+worker kill -9', v.counts, {
        sends: TOTAL, dead_worker_pending: deadWorkerPending, retried: burst.retried, gave_up: burst.gaveUp.length, outcomes: burst.outcomeSummary(), pages: v.tiers,
        burst_ms: burstMs, drain_ms: drainMs, drained: String(isDrained), total_ms: Date.now() - t0,
      });
      if (v.examples.length) console.log(v.examples.join('\n'));
      expect(burst.gaveUp).toEqual([]);
      expect(burst.acked.size).toBe(TOTAL);
      expect({ lost: v.counts.lost, duplicated: v.counts.duplicated, gaps: v.counts.gaps, tier_mismatches: v.counts.tier_mismatches }, v.examples.slice(0, 8).join('\n'))
        .toEqual({ lost: 0, duplicated: 0, gaps: 0, tier_mismatches: 0 });
      expect(v.counts.stored).toBe(TOTAL);
    } finally {
      await store?.close();
      for (const w of workers) await w.kill();
      await cluster?.stop();
    }
  }, 240_000);
});
