// The burst of the persist-pipeline test on a real 3-master Valkey/Redis Cluster: every
// script touches one slot (the partition's hash tag), so the hot tier runs unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack } from '../helpers/app.js';
import { startRedisCluster, type RedisCluster } from '../services/redis-cluster.js';
import { waitFor } from '../services/ports.js';

describe('Valkey Cluster: 3 masters', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(async () => cluster?.stop());

  it('a burst of 20,000 messages over 20 conversations stores exactly 20,000 rows, gap-free; history agrees', async () => {
    const s = await makeStack({ hot: 'valkey', store: 'postgres', valkeyUrl: cluster.url, config: { recentLimit: 50, partitions: 16 } });
    try {
      const convs: string[] = [];
      for (let i = 0; i < 20; i++) convs.push((await s.services.conversations.create('alice', { members: ['bob'] })).id);
      // the 20 conversations spread over several partitions, hence several slots and masters
      expect(new Set(convs.map((c) => s.deps.log.partitionOf(c))).size).toBeGreaterThan(3);
      let next = 0;
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (next < 20_000) {
          const i = next++;
          await s.services.ingest.send('alice', convs[i % 20], { text: `k${i}`, client_id: `k-${i}` });
        }
      }));
      await waitFor('20,000 rows', async () => {
        for (const c of convs) if ((await s.deps.store.maxSeq(c)) < 1000) return false;
        return true;
      }, 90_000);
      for (const c of convs) {
        const rows = await s.deps.store.listMessages(c, { afterSeq: 0, limit: 1001 });
        expect(rows.map((m) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      }
      const latest = await s.services.history.page('bob', convs[3], { limit: 50 });
      expect(latest.tier).toBe('hot');
      expect(latest.messages.map((j) => JSON.parse(j).seq)).toEqual(Array.from({ length: 50 }, (_, i) => 951 + i));
    } finally {
      await s.close();
    }
  }, 180_000);
});
