// Drill 2: the Valkey of three API nodes (redis-server WITHOUT persistence: `--save ''
// --appendonly no`, started by this file) is killed with -9 mid-burst and started again empty
// on the same port, with ACK_AFTER=store on the nodes (an ack means the row is committed).
// Clients retry unacked sends with the same client_id on another node. Afterwards: every
// acked message is stored once, seqs continue from the warm store (no gap, no duplicate), and
// a retry of every acked send returns its original (200, same id, same seq).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startNodes, type NodeCluster } from '../helpers/nodes.js';
import { Burst, createConversations, drained, openStore, report, startRestartableRedis, tokensFor, until, USERS, verify, type Acked, type RestartableRedis } from './drill-kit.js';

const TOTAL = 4000;
const CONVS = 20;

/** Every node's /readyz reports the hot tier unreachable. */
async function allSeeValkeyDown(urls: string[]): Promise<boolean> {
  const answers = await Promise.all(urls.map(async (u) => {
    const res = await fetch(`${u}/readyz`, { signal: AbortSignal.timeout(3000) });
    return ((await res.json()) as { hot?: string }).hot === 'unreachable';
  }));
  return answers.every(Boolean);
}

describe('drill 2: Valkey restarted empty mid-burst, ACK_AFTER=store', () => {
  let redis: RestartableRedis;
  beforeAll(async () => {
    redis = await startRestartableRedis();
  });
  afterAll(async () => redis?.stop());

  it('retries return their originals, seqs continue from the warm store, every acked send is stored once', async () => {
    const t0 = Date.now();
    let cluster: NodeCluster | undefined;
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    try {
      cluster = await startNodes(3, { valkeyUrl: redis.url, databaseUrl: inject('databaseUrl'), env: { ACK_AFTER: 'store', RECENT_LIMIT: '50' } });
      const c = cluster;
      const urls = c.nodes.map((n) => n.url);
      const tokens = await tokensFor(c);
      const convs = await createConversations(urls[0], tokens, CONVS);
      const burst = new Burst({ urls, tokens });
      let killedAt = 0;
      let downMs = 0;
      let noticed = false;
      const tBurst = Date.now();
      await burst.run({
        total: TOTAL, clients: 48,
        make: (i) => ({ conv: convs[i % CONVS], user: USERS[i % USERS.length], clientId: `d2-${i}`, text: `drill 2 message ${i}` }),
        onAck: async (n) => {
          if (killedAt || n < 1500) return;
          killedAt = n;
          const tDown = Date.now();
          await redis.kill();
          noticed = await until(() => allSeeValkeyDown(urls), 15_000, 50);
          await redis.start();
          downMs = Date.now() - tDown;
        },
      });
      const burstMs = Date.now() - tBurst;
      expect(killedAt).toBeGreaterThan(0);

      // every acked send again, same client_id, on another node than its first answer's client
      const originals = [...burst.acked.values()];
      const tResend = Date.now();
      const again = new Burst({ urls, tokens });
      let k = 0;
      await Promise.all(Array.from({ length: 48 }, async (_, w) => {
        const client = { pref: w + 1 };
        while (k < originals.length) await again.send(originals[k++].send, client);
      }));
      const resendMs = Date.now() - tResend;
      const notOriginal = originals.filter((o) => {
        const r = again.acked.get(`${o.send.user}\n${o.send.clientId}`);
        return !r || r.status !== 200 || r.id !== o.id || r.seq !== o.seq;
      });

      store = await openStore(c.databaseUrl);
      const isDrained = await drained(store, convs, burst.acked.size, 60_000);
      const readers = [0, 1].map((i) => ({ url: urls[i], token: tokens.carol }));
      const v = await verify(store, convs, burst.acked.values(), readers);
      const retriedAcks = originals.filter((o: Acked) => o.attempts > 1);
      const reported = report(2, 'valkey restart', v.counts, {
        sends: TOTAL, killed_at_ack: killedAt, valkey_down_ms: downMs, nodes_noticed: String(noticed), retried: burst.retried,
        retried_acked_200: retriedAcks.filter((o) => o.status === 200).length, retried_acked_201: retriedAcks.filter((o) => o.status === 201).length,
        gave_up: burst.gaveUp.length, outcomes: burst.outcomeSummary(), resent: originals.length, resent_not_original: notOriginal.length,
        resend_outcomes: again.outcomeSummary(), pages: v.tiers, drained: String(isDrained), burst_ms: burstMs, resend_ms: resendMs, total_ms: Date.now() - t0,
      });
      if (v.examples.length) console.log(v.examples.join('\n'));
      const notOriginalLines = notOriginal.slice(0, 5).map((o) => `not original: ${o.send.user}/${o.send.clientId} ${o.id} seq ${o.seq} → ${JSON.stringify(again.acked.get(`${o.send.user}\n${o.send.clientId}`) ?? null)}`).join('\n');
      if (notOriginal.length) console.log(notOriginalLines);
      if (burst.unexpected.length) console.log(`unexpected answers: ${burst.unexpected.join(' | ')}`);
      if (v.examples.length || notOriginal.length) for (const n of c.nodes) console.log(`node ${n.url} log tail:\n${n.output().slice(-6000)}`);
      expect(burst.gaveUp).toEqual([]);
      // the counts and examples ride in the failure message: CI may show only the summary
      const summary = `${reported}; resend outcomes ${again.outcomeSummary()}; unexpected ${burst.unexpected.join(' | ') || 'none'}\n${notOriginalLines}\n${v.examples.slice(0, 5).join('\n')}`;
      expect(notOriginal.length, summary).toBe(0);
      expect({ lost: v.counts.lost, duplicated: v.counts.duplicated, gaps: v.counts.gaps, tier_mismatches: v.counts.tier_mismatches }, summary)
        .toEqual({ lost: 0, duplicated: 0, gaps: 0, tier_mismatches: 0 });
    } finally {
      await store?.close();
      await cluster?.stop();
    }
  }, 300_000);
});
