// The Valkey hot tier against a real 3-master Redis Cluster started for this file: the shared
// contract, plus the proof that every key a script touches lives in one hash slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { startRedisCluster, type RedisCluster } from '../../../test/services/redis-cluster.js';
import { hotTierContract } from '../hot-tier.contract.js';
import { valkeyUnderTest } from './valkey.test-kit.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => cluster?.stop());

hotTierContract('valkey cluster', () => valkeyUnderTest(cluster.url, 8));

describe('ValkeyHotTier on a Cluster', () => {
  it("puts a conversation's keys, channel and partition log in one slot; partitions spread over the masters", async () => {
    const { tier } = await valkeyUnderTest(cluster.url, 8);
    const [host, port] = cluster.nodes[0].split(':');
    const raw = new Cluster([{ host, port: Number(port) }]);
    try {
      const slotOf = async (key: string) => Number(await raw.cluster('KEYSLOT', key));
      for (let i = 0; i < 20; i++) {
        const c = uuidv7();
        const p = tier.partitionOf(c);
        const k = tier.keys;
        const slots = await Promise.all([k.seq(p, c), k.ring(p, c), k.dedup(p, c, 'u\nk'), k.dedup(p, c, undefined), k.channel(p, c), k.log(p)].map(slotOf));
        expect(new Set(slots).size).toBe(1);
      }
      const logSlots = await Promise.all(Array.from({ length: 8 }, (_, p) => slotOf(tier.keys.log(p))));
      expect(new Set(logSlots).size).toBe(8);
      // 8 partitions over 3 masters: more than one master serves the hot tier
      const owners = new Set(logSlots.map((s) => raw.slots[s]?.[0]));
      expect(owners.size).toBeGreaterThan(1);
    } finally {
      raw.disconnect();
      await tier.close();
    }
  });
});
